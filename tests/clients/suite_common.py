"""What the Python client suites share: the run's configuration, named steps
that report and go on, assertions that never print a secret value.

The configuration is the JSON file run_clients.py writes (mode 0600): the
gateway endpoint, the access keys of the test principals and the secret values
this client may use. Every value a suite stores comes from there, so the runner
can look for it afterwards in the daemon's log and the ledger's files.
"""

import json
import sys
import threading
import time
import traceback


class StepFailure(Exception):
    """A step's expectation did not hold; the text is safe to print."""


class Suite:
    def __init__(self, client, config_path):
        with open(config_path, encoding="utf-8") as f:
            self.cfg = json.load(f)
        self.client = client
        self.endpoint = self.cfg["endpoint"]
        self.region = self.cfg["region"]
        self.keys = self.cfg["keys"]
        self.values = self.cfg["values"][client]["strings"]
        self.blobs = [bytes.fromhex(h) for h in self.cfg["values"][client]["binaries"]]
        self._secrets = list(self.values) + [k["secret"] for k in self.keys.values()]
        self.failed = []
        self.passed = 0
        self._lock = threading.Lock()  # steps may run on several threads

    def redact(self, text):
        """text with every test value and key secret replaced."""
        text = str(text)
        for s in sorted(self._secrets, key=len, reverse=True):
            if s:
                text = text.replace(s, "<redacted>")
        return text

    def step(self, name, fn):
        """Runs fn(); prints ok/FAIL with the reason. Later steps still run."""
        try:
            fn()
        except StepFailure as e:
            self._fail(name, str(e))
        except Exception as e:  # a client exception we did not expect, or a bug here
            tb = traceback.format_exception(type(e), e, e.__traceback__, limit=-3)
            self._fail(name, f"{type(e).__name__}: {e}\n{''.join(tb)}")
        else:
            with self._lock:
                self.passed += 1
                print(f"ok    {self.client}: {name}", flush=True)

    def _fail(self, name, why):
        text = self.redact(why).rstrip().replace("\n", "\n      ")
        with self._lock:
            self.failed.append(name)
            print(f"FAIL  {self.client}: {name}\n      {text}", flush=True)

    def finish(self):
        print(f"{self.client}: {self.passed} steps passed, {len(self.failed)} failed", flush=True)
        for name in self.failed:
            print(f"  failed: {name}", flush=True)
        sys.exit(1 if self.failed else 0)


def expect(cond, what):
    if not cond:
        raise StepFailure(what)


def eq(actual, expected, what):
    """actual == expected; prints both (never use for secret values: see same_secret)."""
    if actual != expected:
        raise StepFailure(f"{what}: got {actual!r}, expected {expected!r}")


def same_secret(actual, expected, what):
    """A secret value matches; on mismatch only the lengths and types are printed."""
    if actual != expected:
        def shape(v):
            return f"{type(v).__name__} of length {len(v)}" if hasattr(v, "__len__") else repr(type(v))
        raise StepFailure(f"{what}: value differs ({shape(actual)}, expected {shape(expected)})")


def poll_until(fn, seconds, what, interval=0.25):
    """fn() until it returns something true (returned), at most `seconds`;
    then a StepFailure naming `what` (or what(), to describe the last state:
    never a value)."""
    deadline = time.monotonic() + seconds
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise StepFailure(f"{what() if callable(what) else what}: not within {seconds} s")
        time.sleep(interval)


def looks_like_uuid(s):
    import re
    return isinstance(s, str) and re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", s) is not None
