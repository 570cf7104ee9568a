#!/usr/bin/python3
"""HTTPS, straight to cairnd: `cairnd --dev --http-tls` makes a self-signed
certificate in the data directory; the real aws CLI (--ca-bundle) and boto3
(verify=<certificate>) create and read a secret over it with no proxy in
between, and a client that does not trust the certificate is refused by TLS.
Then the same with a configured certificate (`--tls-cert`/`--tls-key`): the
test makes its own CA and a server certificate for 127.0.0.1/localhost with
the openssl CLI; clients trusting that CA succeed, clients trusting another CA
are refused, and a certificate with a key that is not its own stops cairnd
from starting, with a message naming the files.

    /usr/bin/python3 tests/clients/tls_direct.py --build-dir BUILD
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_clients import AWS, PYTHON, REGION, Daemon, Failure  # noqa: E402

OPENSSL = "/usr/bin/openssl"

BOTO3 = r"""
import sys, boto3, botocore.config
c = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name=sys.argv[2], verify=sys.argv[3],
                 config=botocore.config.Config(retries={"total_max_attempts": 1}))
c.put_secret_value(SecretId="tls/db", SecretString="tls-value-two")
v = c.get_secret_value(SecretId="tls/db")
assert v["SecretString"] == "tls-value-two", "boto3 read back another value"
try:
    c.describe_secret(SecretId="tls/none")
    raise SystemExit("describe of a missing secret succeeded")
except c.exceptions.ResourceNotFoundException:
    pass
print("boto3 ok")
"""

# boto3 with a CA bundle that does not hold the server's issuer: TLS refuses.
BOTO3_UNTRUSTED = r"""
import sys, boto3, botocore.config, botocore.exceptions
c = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name=sys.argv[2], verify=sys.argv[3],
                 config=botocore.config.Config(retries={"total_max_attempts": 1}))
try:
    c.list_secrets()
    raise SystemExit("boto3 trusting another CA got an answer")
except botocore.exceptions.SSLError:
    print("boto3 refused")
"""


def openssl(cwd, *args):
    r = subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise Failure(f"openssl {args[0]} failed: {r.stderr.strip()[-400:]}")


def make_ca(d, name):
    """A self-signed CA: <name>-ca.key, <name>-ca.crt."""
    openssl(d, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}-ca.key", "-out", f"{name}-ca.crt", "-days", "2", "-subj", f"/CN=Cairn test CA {name}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return d / f"{name}-ca.crt"


def make_server_cert(d, ca):
    """server.key and server.crt for 127.0.0.1 and localhost, signed by <ca>-ca.key."""
    openssl(d, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "server.key")
    openssl(d, "req", "-new", "-key", "server.key", "-subj", "/CN=127.0.0.1", "-out", "server.csr")
    (d / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n")
    openssl(d, "x509", "-req", "-in", "server.csr", "-CA", f"{ca}-ca.crt", "-CAkey", f"{ca}-ca.key",
            "-set_serial", "0x" + os.urandom(8).hex(), "-days", "2", "-extfile", "server.ext", "-out", "server.crt")
    os.chmod(d / "server.key", 0o600)
    return d / "server.crt", d / "server.key"


def client_env(data):
    env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=str(data / "dev-aws-credentials"),
               AWS_CONFIG_FILE="/dev/null", AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE",
                 "SSL_CERT_FILE"):
        env.pop(name, None)
    return env


def configured_certificate(cairnd, tmp, failures):
    """--tls-cert/--tls-key with the test's own CA; then a mismatched pair."""
    pki = tmp / "pki"
    pki.mkdir(mode=0o700)
    ca = make_ca(pki, "good")
    other_ca = make_ca(pki, "other")
    cert, key = make_server_cert(pki, "good")
    data = tmp / "data-configured"
    daemon = Daemon(cairnd, data, tmp / "cairnd-configured.log", scheme="https",
                    extra=["--http-tls", "--tls-cert", str(cert), "--tls-key", str(key)])
    try:
        daemon.wait_ready()
        if (data / "dev-tls.crt").exists():
            failures.append("configured: cairnd made a dev certificate although --tls-cert was given")
        endpoint = f"https://127.0.0.1:{daemon.http}"
        env = client_env(data)

        def aws(bundle, *a):
            cmd = [AWS, "--endpoint-url", endpoint, "--ca-bundle", str(bundle), "secretsmanager", *a]
            return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)

        r = aws(ca, "create-secret", "--name", "tls/db", "--secret-string", "tls-value-one")
        if r.returncode != 0:
            failures.append(f"configured: aws create-secret trusting the test CA failed: {r.stderr.strip()}")
        r = aws(ca, "get-secret-value", "--secret-id", "tls/db")
        if r.returncode != 0 or json.loads(r.stdout or "{}").get("SecretString") != "tls-value-one":
            failures.append(f"configured: aws get-secret-value: exit {r.returncode} {r.stderr.strip()}")
        r = aws(other_ca, "list-secrets")
        if r.returncode == 0 or "SSL" not in r.stderr and "certificate" not in r.stderr:
            failures.append(f"configured: aws trusting another CA was not refused by TLS: exit {r.returncode} "
                            f"{r.stderr.strip()[-300:]}")
        r = subprocess.run([PYTHON, "-c", BOTO3, endpoint, REGION, str(ca)], env=env, capture_output=True,
                           text=True, timeout=60)
        if r.returncode != 0 or "boto3 ok" not in r.stdout:
            failures.append(f"configured: boto3 trusting the test CA failed: {r.stderr.strip()[-600:]}")
        r = subprocess.run([PYTHON, "-c", BOTO3_UNTRUSTED, endpoint, REGION, str(other_ca)], env=env,
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0 or "boto3 refused" not in r.stdout:
            failures.append(f"configured: boto3 trusting another CA was not refused: {r.stdout.strip()} "
                            f"{r.stderr.strip()[-600:]}")
        rc = daemon.stop()
        if rc != 0:
            failures.append(f"configured: cairnd exited {rc} on SIGTERM")
        log = (tmp / "cairnd-configured.log").read_text(errors="replace")
        for value in ("tls-value-one", "tls-value-two"):
            if value in log:
                failures.append("configured: a secret value reached cairnd's log")
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait()

    # A certificate with a key that is not its own: cairnd must not start.
    bad = Daemon(cairnd, tmp / "data-mismatched", tmp / "cairnd-mismatched.log", scheme="https",
                 extra=["--http-tls", "--tls-cert", str(cert), "--tls-key", str(pki / "other-ca.key")])
    try:
        rc = bad.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        bad.proc.kill()
        bad.proc.wait()
        failures.append("mismatched: cairnd was still running 30 s after start with a key not matching its cert")
        return
    finally:
        bad.log_file.close()
    log = (tmp / "cairnd-mismatched.log").read_text(errors="replace")
    if rc == 0:
        failures.append("mismatched: cairnd exited 0 with a key not matching its certificate")
    if '"ready"' in log:
        failures.append("mismatched: cairnd reported ready with a key not matching its certificate")
    if "cannot use the TLS certificate" not in log or str(cert) not in log:
        failures.append(f"mismatched: no clear message naming the certificate; log: {log.strip()[-400:]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", type=Path, required=True)
    args = ap.parse_args()
    cairnd = str((args.build_dir / "tools" / "cairnd").resolve())
    tmp = Path(tempfile.mkdtemp(prefix="cairn-tls-"))
    os.chmod(tmp, 0o700)
    data = tmp / "data"
    daemon = Daemon(cairnd, data, tmp / "cairnd.log", extra=["--http-tls"], scheme="https")
    failures = []
    try:
        daemon.wait_ready()
        cert = data / "dev-tls.crt"
        if not cert.is_file() or (data / "dev-tls.key").stat().st_mode & 0o077:
            raise Failure("dev mode did not write dev-tls.crt and a private dev-tls.key")
        endpoint = f"https://127.0.0.1:{daemon.http}"
        env = client_env(data)

        def aws(*a, ca=True):
            cmd = [AWS, "--endpoint-url", endpoint, *(["--ca-bundle", str(cert)] if ca else []), "secretsmanager", *a]
            return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)

        r = aws("create-secret", "--name", "tls/db", "--secret-string", "tls-value-one")
        if r.returncode != 0:
            failures.append(f"aws create-secret over HTTPS failed: {r.stderr.strip()}")
        r = aws("get-secret-value", "--secret-id", "tls/db")
        if r.returncode != 0 or json.loads(r.stdout or "{}").get("SecretString") != "tls-value-one":
            failures.append(f"aws get-secret-value over HTTPS: exit {r.returncode} {r.stderr.strip()}")
        r = aws("list-secrets", ca=False)
        if r.returncode == 0 or "SSL" not in r.stderr and "certificate" not in r.stderr:
            failures.append(f"a client that does not trust the dev certificate was not refused: {r.returncode}")
        r = subprocess.run([PYTHON, "-c", BOTO3, endpoint, REGION, str(cert)], env=env, capture_output=True,
                           text=True, timeout=60)
        if r.returncode != 0 or "boto3 ok" not in r.stdout:
            failures.append(f"boto3 over HTTPS failed: {r.stderr.strip()[-600:]}")
        rc = daemon.stop()
        if rc != 0:
            failures.append(f"cairnd exited {rc} on SIGTERM")
        log = (tmp / "cairnd.log").read_text(errors="replace")
        for value in ("tls-value-one", "tls-value-two"):
            if value in log:
                failures.append(f"a secret value reached cairnd's log")
    except Failure as e:
        failures.append(str(e))
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait()
    try:
        configured_certificate(cairnd, tmp, failures)
    except Failure as e:
        failures.append(f"configured: {e}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print(f"FAIL  {f}")
    print("PASS" if not failures else "FAIL")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
