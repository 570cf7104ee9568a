#!/usr/bin/python3
"""HTTPS, straight to cairnd: `cairnd --dev --http-tls` makes a self-signed
certificate in the data directory; the real aws CLI (--ca-bundle) and boto3
(verify=<certificate>) create and read a secret over it with no proxy in
between, and a client that does not trust the certificate is refused by TLS.

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
        env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=str(data / "dev-aws-credentials"),
                   AWS_CONFIG_FILE="/dev/null", AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
        env.pop("AWS_ACCESS_KEY_ID", None)
        env.pop("AWS_SECRET_ACCESS_KEY", None)

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
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print(f"FAIL  {f}")
    print("PASS" if not failures else "FAIL")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
