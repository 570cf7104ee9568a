#!/usr/bin/python3
"""Conformance of Cairn's HTTP gateway with the real AWS clients.

Starts cairnd --dev on free loopback ports in a temporary directory, enrols the
test principals with the cairn CLI, and runs three suites against the gateway:
the aws CLI (awscli_suite.py), boto3 (boto3_suite.py) and the AWS SDK for
JavaScript v3 (js/suite.mjs, installed with npm into the build directory). The
clients talk to the gateway through a recording proxy here, which notes every
HTTP exchange (operation, status, x-amzn-RequestId, error type,
amz-sdk-invocation-id; never a body). After the daemon stops, the audit log must
verify, and the export must hold exactly one event per authenticated call
(matched by requestID), each naming its principal, access key and, for boto3 and
the JS SDK, the client's invocation id; refused calls must be counted in
UnauthenticatedAttempts events. No test value or access key secret may appear
in the daemon's log, the rotation handler's log or the ledger's files.

Rotation runs for real: a handler principal ("rotator", a Service with only
what its steps need) serves the handler "cairn-conformance" with
cairn-rotate-exec running rotate_step.sh, which sets the value this runner
prepared for each suite's rotated secret (ROTATED). It is started before the
suites, on the daemon's loopback API endpoint, and stopped (SIGTERM) before the
daemon.

  /usr/bin/python3 tests/clients/run_clients.py --build-dir build [--only awscli,boto3,js] [--keep]

Python standard library only. Exit 0 when every check passed.
"""

import argparse
import base64
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # nothing written into the source tree
from recording_proxy import RecordingProxy  # noqa: E402

HERE = Path(__file__).resolve().parent
PYTHON = "/usr/bin/python3"
AWS = "/usr/bin/aws"
REGION = "us-east-1"
AUTH_ERRORS = {"InvalidSignatureException", "UnrecognizedClientException", "IncompleteSignatureException",
               "MissingAuthenticationTokenException"}
SUITES = ("awscli", "boto3", "js")
ROTATION_HANDLER = "cairn-conformance"  # RotationLambdaARN ...:function:cairn-conformance
# The secret each suite rotates through the handler; the new value is the
# suite's strings[ROTATED_VALUE].
ROTATED = {"awscli": "cli/rotated", "boto3": "boto3/rotated"}
ROTATED_VALUE = 10


class Failure(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


# ---------------------------------------------------------------- daemon and principals

def terminate(proc, name, kill):
    """SIGTERM, as an operator would; a process still running 20 s later is
    killed with `kill` and the run fails."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            kill()
            raise Failure(f"{name} did not stop within 20 s of SIGTERM (killed)")


class Daemon:
    def __init__(self, cairnd, data_dir, log_path, extra=(), scheme="http"):
        self.api, self.events, self.http = free_ports(3)
        self.scheme = scheme
        self.log_path = log_path
        self.log_file = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [cairnd, "--dev", "--data-dir", str(data_dir),
             "--api-endpoint", f"tcp://127.0.0.1:{self.api}", "--events-endpoint", f"tcp://127.0.0.1:{self.events}",
             "--http-endpoint", f"127.0.0.1:{self.http}", "--refusal-report-ms", "200", *extra],
            stdout=subprocess.DEVNULL, stderr=self.log_file)

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in Path(self.log_path).read_text(errors="replace").splitlines():
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if msg.get("msg") == "ready":
                    want = f"{self.scheme}://127.0.0.1:{self.http}"
                    if msg.get("http") != want:
                        raise Failure(f"cairnd ready line says http={msg.get('http')!r}, expected {want!r}")
                    return
            if self.proc.poll() is not None:
                raise Failure(f"cairnd exited with {self.proc.returncode} before it was ready")
            time.sleep(0.05)
        raise Failure("cairnd was not ready within 30 s")

    def stop(self):
        terminate(self.proc, "cairnd", self.kill_now)
        self.log_file.close()
        return self.proc.returncode

    def kill_now(self):
        self.proc.kill()
        self.proc.wait()


def cairn(binary, profile, *args):
    env = dict(os.environ, CAIRN_PROFILE=str(profile))
    p = subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        # Never echo stdout: it may hold a SecretAccessKey.
        raise Failure(f"cairn {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return json.loads(p.stdout) if p.stdout.strip() else {}


def write_credentials(path, key_id, secret):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\nregion = {REGION}\n")


def read_credentials(path):
    out = {}
    for line in Path(path).read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out["aws_access_key_id"], out["aws_secret_access_key"]


def setup_principals(cairn_bin, data, tmp):
    """The keys the suites use: admin (dev), nobody (no policies), reader (may
    read js/readable-*), inactive (a deactivated key), wrong_secret (admin's id
    with a wrong secret), unknown (an id nobody has)."""
    profile = data / "dev-profile"
    admin_id, admin_secret = read_credentials(data / "dev-aws-credentials")
    keys = {"admin": {"id": admin_id, "secret": admin_secret, "principal": "admin"}}
    for name in ("nobody", "reader", "sleeper"):
        cairn(cairn_bin, profile, "principal", "create", "--name", name, "--profile-out", str(tmp / f"{name}.profile"))
        made = cairn(cairn_bin, profile, "principal", "create-access-key", "--name", name)["AccessKey"]
        if made.get("Status") != "Active" or made.get("UserName") != name:
            raise Failure(f"create-access-key for {name}: Status={made.get('Status')} UserName={made.get('UserName')}")
        keys[name] = {"id": made["AccessKeyId"], "secret": made["SecretAccessKey"], "principal": name}
    cairn(cairn_bin, profile, "policy", "create", "--name", "js-batch-reader", "--document", json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Batch", "Effect": "Allow", "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"},
            {"Sid": "Readable", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
             "Resource": "arn:aws:secretsmanager:*:*:secret:js/readable-*"}]}))
    cairn(cairn_bin, profile, "principal", "attach-policy", "--name", "reader", "--policy", "js-batch-reader")
    cairn(cairn_bin, profile, "principal", "update-access-key", "--access-key-id", keys["sleeper"]["id"],
          "--status", "Inactive")
    keys["inactive"] = keys.pop("sleeper")
    keys["wrong_secret"] = {"id": admin_id, "secret": base64.b64encode(secrets.token_bytes(30)).decode(),
                            "principal": None}
    keys["unknown"] = {"id": "AKIA" + secrets.token_hex(8).upper(), "secret": secrets.token_urlsafe(30),
                       "principal": None}
    for name, k in keys.items():
        k["credentials_file"] = str(tmp / f"credentials-{name}")
        write_credentials(k["credentials_file"], k["id"], k["secret"])
    return keys


def test_values():
    """Unique values per client: strings and binaries (one with every byte value).
    strings[ROTATED_VALUE] is only ever set by the rotation handler."""
    out = {}
    for client in SUITES:
        strings = [f"cairn-conformance-{client}-v{i}-{secrets.token_hex(12)}" for i in range(ROTATED_VALUE + 1)]
        binaries = [bytes(range(256)) + secrets.token_bytes(16),
                    b"\x00\x01\x02" + f"cairn-conformance-{client}-blob-{secrets.token_hex(8)}".encode() + b"\xff\xfe"]
        out[client] = {"strings": strings, "binaries": [b.hex() for b in binaries]}
    return out


# ---------------------------------------------------------------- the rotation handler

ROTATOR_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Requests", "Effect": "Allow",
         "Action": ["cairn:ListRotations", "cairn:SubscribeEvents", "cairn:ReadAuditLog"], "Resource": "*"},
        {"Sid": "Steps", "Effect": "Allow",
         "Action": ["cairn:ReportRotationStep", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
         "Resource": [f"arn:aws:secretsmanager:*:*:secret:{name}*" for name in sorted(ROTATED.values())]}]}


class Rotator:
    """cairn-rotate-exec serving ROTATION_HANDLER as the principal "rotator",
    running rotate_step.sh with the rotated secrets' new values in files
    (mode 0600) under tmp/rotate-values."""

    def __init__(self, exec_bin, cairn_bin, data, tmp, values):
        profile = data / "dev-profile"
        self.profile = tmp / "rotator.profile"
        cairn(cairn_bin, profile, "principal", "create", "--name", "rotator", "--type", "Service",
              "--profile-out", str(self.profile))
        cairn(cairn_bin, profile, "policy", "create", "--name", "rotator", "--document", json.dumps(ROTATOR_POLICY))
        cairn(cairn_bin, profile, "principal", "attach-policy", "--name", "rotator", "--policy", "rotator")
        value_dir = tmp / "rotate-values"
        value_dir.mkdir(mode=0o700)
        for client, name in ROTATED.items():
            fd = os.open(value_dir / name.replace("/", "_"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(values[client]["strings"][ROTATED_VALUE])
        self.log_path = tmp / "rotator.log"
        self.log_file = open(self.log_path, "wb")
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp / "home"), "CAIRN_BIN": cairn_bin,
               "ROTATE_VALUES": str(value_dir)}
        self.proc = subprocess.Popen(
            [exec_bin, "--profile", str(self.profile), "--handler-name", ROTATION_HANDLER, "--poll-ms", "1000",
             "--step-timeout-ms", "50000", "--", "/bin/sh", str(HERE / "rotate_step.sh")],
            stdin=subprocess.DEVNULL, stdout=self.log_file, stderr=self.log_file, env=env, start_new_session=True)

    def check_running(self):
        if self.proc.poll() is not None:
            raise Failure(f"cairn-rotate-exec exited with {self.proc.returncode} at start: "
                          f"{self.log_path.read_text(errors='replace')[-2000:]}")

    def stop(self):
        """SIGTERM, as an operator would; its exit code (killed after 20 s: a Failure)."""
        terminate(self.proc, "cairn-rotate-exec", self.kill)
        self.log_file.close()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: the handler and any step program
            self.proc.wait()
        self.log_file.close()


# ---------------------------------------------------------------- the JS SDK's install

def prepare_js(work):
    """Copies tests/clients/js to `work` and installs the lock file's packages
    there (npm ci), unless an install from the same lock file is in place.
    Returns the running npm process or None."""
    work.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", "suite.mjs"):
        src = HERE / "js" / name
        if src.exists():
            shutil.copy2(src, work / name)
    lock = (HERE / "js" / "package-lock.json")
    digest = hashlib.sha256((lock if lock.exists() else HERE / "js" / "package.json").read_bytes()).hexdigest()
    stamp = work / "node_modules" / ".cairn-installed-from"
    if stamp.exists() and stamp.read_text() == digest:
        return None, stamp, digest
    npm = shutil.which("npm")
    if npm is None:
        raise Failure("npm is not installed: the JS SDK suite needs Node 20 and npm")
    cmd = [npm, "ci" if lock.exists() else "install", "--no-audit", "--no-fund", "--loglevel=error"]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc, stamp, digest


# ---------------------------------------------------------------- running the suites

def suite_env(tmp):
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp / "home"), "LANG": "C.UTF-8",
           "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1", "AWS_DEFAULT_REGION": REGION,
           "PYTHONDONTWRITEBYTECODE": "1", "NODE_NO_WARNINGS": "1"}
    node_dir = os.path.dirname(shutil.which("node") or "/usr/bin/node")
    env["PATH"] = f"{env['PATH']}:{node_dir}"
    (tmp / "home").mkdir(exist_ok=True)
    return env


def start_suite(name, config, tmp, js_dir):
    env = suite_env(tmp)
    if name == "awscli":
        work = tmp / "awscli"
        work.mkdir(exist_ok=True)
        cmd = [PYTHON, str(HERE / "awscli_suite.py"), str(config), str(work)]
    elif name == "boto3":
        cmd = [PYTHON, str(HERE / "boto3_suite.py"), str(config)]
    else:
        cmd = [shutil.which("node") or "node", str(js_dir / "suite.mjs"), str(config)]
    out = open(tmp / f"{name}.out", "w+")
    return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                            cwd=str(js_dir if name == "js" else HERE), text=True), out


# ---------------------------------------------------------------- audit checks

def find_value(obj, needle, path=""):
    """The JSON paths in obj whose string value equals needle."""
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            found += find_value(v, needle, f"{path}.{k}" if path else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            found += find_value(v, needle, f"{path}[{i}]")
    elif obj == needle:
        found.append(path)
    return found


def check_audit(cairn_audit, data, proxy, keys, problems, notes):
    verify = subprocess.run([cairn_audit, "verify", "--data-dir", str(data)], capture_output=True, text=True,
                            timeout=60)
    if verify.returncode != 0:
        problems.append(f"cairn-audit verify exited {verify.returncode}: {verify.stderr.strip()} {verify.stdout.strip()}")
    export = subprocess.run([cairn_audit, "export", "--data-dir", str(data)], capture_output=True, text=True,
                            timeout=60)
    if export.returncode != 0:
        problems.append(f"cairn-audit export exited {export.returncode}: {export.stderr.strip()}")
        return
    events = [json.loads(l) for l in export.stdout.splitlines() if l.strip()]
    by_request = {}
    for e in events:
        by_request.setdefault(e.get("requestID"), []).append(e)
    principal_of = {k["id"]: k["principal"] for k in keys.values() if k["principal"]}

    authenticated = [r for r in proxy.records if r["error"] not in AUTH_ERRORS]
    refused = [r for r in proxy.records if r["error"] in AUTH_ERRORS]
    seen_ids = set()
    grouped = {}  # one problem line per kind of mismatch, with the first example
    invocation_fields = set()
    missing_invocation = []
    for r in authenticated:
        rid = r["request_id"]
        where = f"{r['operation']} ({r['user_agent'].split(' ')[0]}, x-amzn-RequestId {rid})"
        if not rid:
            problems.append(f"{where}: the answer has no x-amzn-RequestId")
            continue
        if not r["has_date_header"]:
            problems.append(f"{where}: the answer has no Date header")
        if rid in seen_ids:
            problems.append(f"{where}: two answers with the same x-amzn-RequestId")
        seen_ids.add(rid)
        matches = by_request.get(rid, [])
        if len(matches) != 1:
            problems.append(f"{where}: {len(matches)} audit events with this requestID, expected exactly 1")
            continue
        e = matches[0]
        ident = e.get("userIdentity", {})
        checks = [
            (e.get("eventName") == r["operation"], f"eventName {e.get('eventName')!r}"),
            (ident.get("userName") == principal_of.get(r["access_key_id"]),
             f"userIdentity.userName {ident.get('userName')!r}, expected {principal_of.get(r['access_key_id'])!r}"),
            (e.get("sourceIPAddress") == "127.0.0.1", f"sourceIPAddress {e.get('sourceIPAddress')!r}"),
            (e.get("userAgent") == r["user_agent"][:256], "userAgent differs from the request's User-Agent"),
            ((e.get("errorCode") or None) == (r["error"] if r["status"] >= 400 else None),
             f"errorCode {e.get('errorCode')!r}, the client got {r['error']!r}"),
            (ident.get("accessKeyId") == r["access_key_id"],
             f"userIdentity.accessKeyId {ident.get('accessKeyId')!r}, expected the signing key {r['access_key_id']}"),
        ]
        for ok, what in checks:
            if not ok:
                kind = what.split(" ")[0]
                grouped.setdefault(kind, []).append(f"{where}: {what}")
        if r["invocation_id"]:
            paths = find_value(e, r["invocation_id"])
            if paths:
                invocation_fields.update(paths)
            else:
                missing_invocation.append(where)
    for kind, examples in grouped.items():
        problems.append(f"{len(examples)} of {len(authenticated)} events: {examples[0]}")
    if missing_invocation:
        problems.append(f"{len(missing_invocation)} of {sum(1 for r in authenticated if r['invocation_id'])} "
                        f"calls that sent amz-sdk-invocation-id have it nowhere in their exported event "
                        f"(the ledger's actor stores it; the export drops it), e.g. {missing_invocation[0]}")
    if invocation_fields:
        notes.append(f"amz-sdk-invocation-id is exported in: {', '.join(sorted(invocation_fields))}")

    http_agents = ("aws-cli/", "Boto3/", "aws-sdk-js/")
    for e in events:
        if e.get("requestID") not in seen_ids and str(e.get("userAgent", "")).startswith(http_agents):
            problems.append(f"event seq={e.get('seq')} {e.get('eventName')} (userAgent "
                            f"{e.get('userAgent', '')[:40]}...) matches no HTTP call the clients made")
    refused_recorded = sum(int(e.get("additionalEventData", {}).get("attempts", 0))
                           for e in events if e.get("eventName") == "UnauthenticatedAttempts")
    if refused_recorded != len(refused):
        problems.append(f"UnauthenticatedAttempts events count {refused_recorded} refused calls; "
                        f"the clients were refused {len(refused)} times")
    per_client = {}
    for r in authenticated:
        agent = r["user_agent"].split("/")[0]
        per_client[agent] = per_client.get(agent, 0) + 1
    notes.append(f"audit: {len(events)} events; {len(authenticated)} authenticated HTTP calls "
                 f"({', '.join(f'{k} {v}' for k, v in sorted(per_client.items()))}) each matched one event; "
                 f"{len(refused)} refused calls, {refused_recorded} in UnauthenticatedAttempts")


def check_no_leaks(data, log_paths, values, keys, problems, notes):
    needles = []
    for client, v in values.items():
        needles += [(f"{client} string value #{i}", s.encode()) for i, s in enumerate(v["strings"])]
        needles += [(f"{client} binary value #{i}", bytes.fromhex(h)) for i, h in enumerate(v["binaries"])]
        needles += [(f"{client} binary value #{i} (base64)", base64.b64encode(bytes.fromhex(h)))
                    for i, h in enumerate(v["binaries"])]
    needles += [(f"secret access key of {name}", k["secret"].encode()) for name, k in keys.items()
                if name not in ("wrong_secret", "unknown")]
    files = [p for p in (data / "ledger").rglob("*") if p.is_file()]
    for path in files + [Path(p) for p in log_paths]:
        blob = path.read_bytes()
        for what, needle in needles:
            if needle in blob:
                problems.append(f"{what} appears in plain text in {path.relative_to(path.parents[1])}")
    notes.append(f"no leaks: {len(needles)} values/keys searched in {len(files)} ledger files and "
                 f"{len(log_paths)} logs (daemon, rotation handler)")


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", type=Path, help="CMake build directory (binaries in tools/)")
    ap.add_argument("--cairnd", type=Path)
    ap.add_argument("--cairn", type=Path)
    ap.add_argument("--cairn-audit", type=Path)
    ap.add_argument("--cairn-rotate-exec", type=Path, help="default: beside --cairn")
    ap.add_argument("--js-dir", type=Path, help="where the JS suite is installed (default <build-dir>/clients-js)")
    ap.add_argument("--only", default=",".join(SUITES), help="comma-separated subset of awscli,boto3,js")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (it holds test secrets)")
    args = ap.parse_args()
    tools = args.build_dir / "tools" if args.build_dir else None
    bins = {}
    for name, given in (("cairnd", args.cairnd), ("cairn", args.cairn), ("cairn-audit", args.cairn_audit)):
        path = given or (tools / name if tools else None)
        if path is None or not path.is_file():
            log(f"FAIL  setup: {name} not found (give --build-dir or --{name})")
            return 2
        bins[name] = str(path.resolve())
    rotate_exec = args.cairn_rotate_exec or Path(bins["cairn"]).parent / "cairn-rotate-exec"
    if not rotate_exec.is_file():
        log("FAIL  setup: cairn-rotate-exec not found (give --cairn-rotate-exec)")
        return 2
    bins["cairn-rotate-exec"] = str(rotate_exec.resolve())
    only = [s for s in args.only.split(",") if s]
    for s in only:
        if s not in SUITES:
            log(f"FAIL  setup: unknown suite {s}")
            return 2
    missing = [p for p in (AWS, PYTHON) if not os.access(p, os.X_OK)]
    if "js" in only and not shutil.which("node"):
        missing.append("node")
    if missing:
        log(f"FAIL  setup: missing {', '.join(missing)} (CI installs awscli, python3-boto3 and Node 20)")
        return 2

    started = time.time()
    tmp = Path(tempfile.mkdtemp(prefix="cairn-clients-"))
    os.chmod(tmp, 0o700)
    data = tmp / "data"
    js_dir = (args.js_dir or ((args.build_dir or tmp) / "clients-js")).resolve()
    problems, notes, failed_suites = [], [], []
    daemon = proxy = npm = rotator = None
    values = None
    try:
        if "js" in only:
            npm, stamp, digest = prepare_js(js_dir)
        # A stuck rotation step fails within a minute, a failed one is retried soon.
        daemon = Daemon(bins["cairnd"], data, tmp / "cairnd.log",
                        extra=("--rotation-step-timeout", "60000", "--rotation-backoff-ms", "500"))
        daemon.wait_ready()
        proxy = RecordingProxy(daemon.http)
        keys = setup_principals(bins["cairn"], data, tmp)
        values = test_values()
        rotator = Rotator(bins["cairn-rotate-exec"], bins["cairn"], data, tmp, values)
        config = tmp / "config.json"
        fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"endpoint": f"http://127.0.0.1:{proxy.port}", "region": REGION, "keys": keys,
                       "values": values, "rotation": {"handler": ROTATION_HANDLER, "secrets": ROTATED,
                                                      "value_index": ROTATED_VALUE}}, f)
        log(f"cairnd ready (http 127.0.0.1:{daemon.http}, proxy {proxy.port}) in {time.time() - started:.1f} s; "
            f"running {', '.join(only)}")

        rotator.check_running()
        running = {}
        for name in only:
            if name != "js":
                running[name] = start_suite(name, config, tmp, js_dir)
        if "js" in only:
            if npm is not None:
                out, _ = npm.communicate(timeout=240)
                if npm.returncode != 0:
                    problems.append(f"npm install in {js_dir} failed ({npm.returncode}):\n{out}")
                    failed_suites.append("js")
                else:
                    stamp.write_text(digest)
            if "js" not in failed_suites:
                running["js"] = start_suite("js", config, tmp, js_dir)
        for name, (proc, out) in running.items():
            try:
                rc = proc.wait(timeout=max(10, 270 - (time.time() - started)))
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = "timeout"
            out.seek(0)
            text = out.read()
            out.close()
            log(f"---- {name} (exit {rc})")
            log(text.rstrip())
            if rc != 0:
                failed_suites.append(name)

        rc = rotator.stop()
        if rc != 0:
            problems.append(f"cairn-rotate-exec exited {rc} on SIGTERM")
        time.sleep(0.6)  # the refusals of the last 200 ms reach an UnauthenticatedAttempts event
        rc = daemon.stop()
        if rc != 0:
            problems.append(f"cairnd exited {rc} on SIGTERM")
        if proxy.errors:
            problems.append(f"HTTP exchanges broken at the proxy: {proxy.errors[:5]}")
        log("---- audit")
        check_audit(bins["cairn-audit"], data, proxy, keys, problems, notes)
        check_no_leaks(data, [tmp / "cairnd.log", rotator.log_path], values, keys, problems, notes)
    except Failure as e:
        problems.append(str(e))
    finally:
        if npm is not None and npm.poll() is None:
            npm.kill()
        if rotator is not None:
            rotator.kill()
        if daemon is not None and daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait()
        if proxy is not None:
            proxy.close()

    for n in notes:
        log(f"note  {n}")
    for p in problems:
        log(f"FAIL  audit/setup: {p}")
    if problems and (tmp / "cairnd.log").exists():
        tail = "\n".join((tmp / "cairnd.log").read_text(errors="replace").splitlines()[-15:])
        if values:
            for v in values.values():
                for s in v["strings"]:
                    tail = tail.replace(s, "<redacted>")
        log("---- cairnd log (last lines)\n" + tail)
    if (problems or failed_suites) and (tmp / "rotator.log").exists():
        tail = "\n".join((tmp / "rotator.log").read_text(errors="replace").splitlines()[-15:])
        log("---- cairn-rotate-exec log (last lines; searched for leaks above)\n" + tail)
    if args.keep:
        log(f"kept {tmp} (it holds test secrets and access keys)")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    ok = not problems and not failed_suites
    log(f"{'PASS' if ok else 'FAIL'}: suites failed: {', '.join(failed_suites) or 'none'}; "
        f"audit/setup problems: {len(problems)}; {time.time() - started:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
