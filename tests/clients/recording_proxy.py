"""A loopback HTTP/1.1 relay that records every exchange between the AWS
clients and cairnd's gateway: operation (X-Amz-Target), status,
x-amzn-RequestId, the error's __type, amz-sdk-invocation-id, User-Agent and the
signing access key id. Bodies (which hold secret values) are relayed and
dropped, never kept. The signed Host header names the relay; the gateway
verifies it as sent, so signatures still hold.

Handles what the clients send: Content-Length bodies, keep-alive, and answers
with Content-Length, chunked encoding or read-to-close. Python stdlib only.
"""

import json
import socket
import threading

class _Reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                return None
        i = self.buf.index(b"\r\n\r\n") + 4
        h, self.buf = self.buf[:i], self.buf[i:]
        return h

    def exact(self, n):
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError("peer closed mid-body")
        b, self.buf = self.buf[:n], self.buf[n:]
        return b

    def line(self):
        while b"\r\n" not in self.buf:
            if not self._fill():
                raise ConnectionError("peer closed mid-chunk")
        i = self.buf.index(b"\r\n") + 2
        l, self.buf = self.buf[:i], self.buf[i:]
        return l

    def rest(self):
        while self._fill():
            pass
        b, self.buf = self.buf, b""
        return b


def _headers(head):
    lines = head.decode("latin-1").split("\r\n")
    out = {}
    for l in lines[1:]:
        if ":" in l:
            k, v = l.split(":", 1)
            out[k.strip().lower()] = v.strip()
    return lines[0], out


def _body(reader, headers, is_response):
    if headers.get("transfer-encoding", "").lower() == "chunked":
        raw = b""
        while True:
            size_line = reader.line()
            raw += size_line
            size = int(size_line.split(b";")[0].strip(), 16)
            data = reader.exact(size + 2)
            raw += data
            if size == 0:
                return raw, b""  # trailers are not used by the gateway
    if "content-length" in headers:
        return reader.exact(int(headers["content-length"])), None
    return (reader.rest() if is_response else b""), None


class RecordingProxy:
    """A loopback HTTP/1.1 relay in front of the gateway that records each
    exchange's metadata. Bodies are relayed and dropped, never kept."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.records = []
        self.errors = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        upstream = None
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            c, u = _Reader(client), _Reader(upstream)
            while True:
                head = c.head()
                if head is None:
                    return
                request_line, req = _headers(head)
                body, _ = _body(c, req, False)
                upstream.sendall(head + body)
                rhead = u.head()
                if rhead is None:
                    raise ConnectionError("the gateway closed the connection without answering")
                status_line, resp = _headers(rhead)
                rbody, _ = _body(u, resp, True)
                client.sendall(rhead + rbody)
                status = int(status_line.split()[1])
                error_type = None
                if status >= 400:
                    try:
                        error_type = json.loads(rbody or b"{}").get("__type")
                    except ValueError:
                        error_type = "<not JSON>"
                auth = req.get("authorization", "")
                key_id = auth.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in auth else ""
                with self.lock:
                    self.records.append({
                        "operation": req.get("x-amz-target", "").removeprefix("secretsmanager."),
                        "status": status, "request_id": resp.get("x-amzn-requestid", ""),
                        "error": error_type, "invocation_id": req.get("amz-sdk-invocation-id", ""),
                        "user_agent": req.get("user-agent", ""), "access_key_id": key_id,
                        "has_date_header": "date" in resp,
                    })
                del body, rbody
                if "close" in (req.get("connection", "").lower(), resp.get("connection", "").lower()):
                    return
        except (OSError, ConnectionError, ValueError) as e:
            with self.lock:
                self.errors.append(f"{type(e).__name__}: {e}")
        finally:
            client.close()
            if upstream:
                upstream.close()

    def close(self):
        self.sock.close()
