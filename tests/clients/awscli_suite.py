"""Cairn's HTTP gateway driven by the real aws CLI (Debian's awscli 2.9.19 at
/usr/bin/aws): every Secrets Manager command that CLI has, the errors it must
map (exit 254, "(ResourceNotFoundException)" ...), authentication failures, and
a rotation that succeeds through the runner's handler (--rotation-lambda-arn
...:function:cairn-conformance), then cancel-rotate-secret after it.

Run by run_clients.py: /usr/bin/python3 awscli_suite.py CONFIG WORKDIR
"""

import base64
import datetime
import json
import os
import re
import subprocess
import sys
import threading
import uuid

from suite_common import StepFailure, Suite, eq, expect, looks_like_uuid, poll_until, same_secret

AWS = "/usr/bin/aws"
CLI_ERROR_EXIT = 254  # the CLI's exit code for a service error


class AwsCli:
    def __init__(self, suite, workdir):
        self.s = suite
        self.workdir = workdir
        self.home = os.path.join(workdir, "home")
        os.makedirs(self.home, exist_ok=True)

    def env(self, key):
        # A clean environment: no ~/.aws, no pager, no instance metadata, one attempt.
        return {
            "PATH": "/usr/bin:/bin",
            "HOME": self.home,
            "LANG": "C.UTF-8",
            "AWS_SHARED_CREDENTIALS_FILE": self.s.keys[key]["credentials_file"],
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_DEFAULT_REGION": self.s.region,
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_PAGER": "",
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def run(self, *args, key="admin", error=None):
        """aws secretsmanager ARGS. error=None: must succeed, returns the parsed
        output ({} if none). error="X": must exit 254 naming (X); returns stderr."""
        argv = [AWS, "--endpoint-url", self.s.endpoint, "--output", "json", "secretsmanager", *args]
        p = subprocess.run(argv, env=self.env(key), capture_output=True, text=True, timeout=60)
        shown = "aws secretsmanager " + " ".join(args) + (f"  [as {key}]" if key != "admin" else "")
        if error is None:
            if p.returncode != 0:
                raise StepFailure(f"{shown}\n  exit {p.returncode}, stderr:\n{p.stderr.strip()}")
            return json.loads(p.stdout) if p.stdout.strip() else {}
        names = (error,) if isinstance(error, str) else error
        if p.returncode != CLI_ERROR_EXIT or not any(f"({n})" in p.stderr for n in names):
            raise StepFailure(f"{shown}\n  expected exit {CLI_ERROR_EXIT} with ({' or '.join(names)}); got exit "
                              f"{p.returncode}, stderr:\n{p.stderr.strip()}\n  stdout:\n{p.stdout.strip()[:500]}")
        return p.stderr


def lifecycle(suite, cli, workdir):
    """One secret's life: versions, labels, idempotency, deletion (steps in order)."""
    V, B = suite.values, suite.blobs
    st = {}  # what later steps need from earlier ones
    blob_file = os.path.join(workdir, "blob.bin")
    with open(blob_file, "wb") as f:
        f.write(B[0])

    def create_string():
        out = cli.run("create-secret", "--name", "cli/app-db", "--description", "cli db creds",
                      "--secret-string", V[0], "--tags", "Key=env,Value=dev", "Key=team,Value=core")
        eq(out.get("Name"), "cli/app-db", "Name")
        expect(re.fullmatch(r"arn:aws:secretsmanager:us-east-1:\d{12}:secret:cli/app-db-[A-Za-z0-9]{6}",
                            out.get("ARN", "")), f"ARN {out.get('ARN')!r} is not a Secrets Manager ARN")
        expect(looks_like_uuid(out.get("VersionId")), f"VersionId {out.get('VersionId')!r} is not a UUID")
        st["arn"], st["v0"] = out["ARN"], out["VersionId"]
        st["account"] = out["ARN"].split(":")[4]
    suite.step("create-secret --secret-string --tags", create_string)

    def create_binary():
        out = cli.run("create-secret", "--name", "cli/blob", "--secret-binary", f"fileb://{blob_file}")
        eq(out.get("Name"), "cli/blob", "Name")
        expect(looks_like_uuid(out.get("VersionId")), "VersionId is a UUID")
    suite.step("create-secret --secret-binary fileb://", create_binary)

    suite.step("create-secret on a used name is ResourceExistsException",
               lambda: cli.run("create-secret", "--name", "cli/app-db", "--secret-string", V[1],
                               error="ResourceExistsException"))
    suite.step("create-secret with both a string and a binary is InvalidParameterException",
               lambda: cli.run("create-secret", "--name", "cli/both", "--secret-string", V[1],
                               "--secret-binary", f"fileb://{blob_file}", error="InvalidParameterException"))

    def get_by_name():
        out = cli.run("get-secret-value", "--secret-id", "cli/app-db")
        same_secret(out.get("SecretString"), V[0], "SecretString")
        eq(out.get("VersionId"), st["v0"], "VersionId")
        eq(out.get("VersionStages"), ["AWSCURRENT"], "VersionStages")
        eq(out.get("ARN"), st["arn"], "ARN")
        expect("SecretBinary" not in out, "no SecretBinary for a string secret")
        expect(isinstance(out.get("CreatedDate"), str) and out["CreatedDate"].startswith("20"),
               f"CreatedDate {out.get('CreatedDate')!r} is a date")
    suite.step("get-secret-value by name", get_by_name)

    def get_by_arn():
        out = cli.run("get-secret-value", "--secret-id", st["arn"])
        same_secret(out.get("SecretString"), V[0], "SecretString")
        eq(out.get("Name"), "cli/app-db", "Name")
    suite.step("get-secret-value by ARN", get_by_arn)

    def get_binary():
        out = cli.run("get-secret-value", "--secret-id", "cli/blob")
        expect("SecretString" not in out, "no SecretString for a binary secret")
        same_secret(base64.b64decode(out.get("SecretBinary", "")), B[0], "SecretBinary (base64 decoded)")
    suite.step("get-secret-value of a binary secret gives the file's bytes", get_binary)

    def not_found():
        err = cli.run("get-secret-value", "--secret-id", "cli/no-such-secret", error="ResourceNotFoundException")
        expect("GetSecretValue operation" in err, "the message names the operation")
    suite.step("get-secret-value of an unknown secret exits 254 with (ResourceNotFoundException)", not_found)

    def put_value():
        out = cli.run("put-secret-value", "--secret-id", "cli/app-db", "--secret-string", V[1])
        expect(looks_like_uuid(out.get("VersionId")) and out["VersionId"] != st["v0"], "a new VersionId")
        eq(out.get("VersionStages"), ["AWSCURRENT"], "VersionStages")
        eq(out.get("ARN"), st["arn"], "ARN")
        st["v1"] = out["VersionId"]
    suite.step("put-secret-value makes a new AWSCURRENT version", put_value)

    def get_versions():
        prev = cli.run("get-secret-value", "--secret-id", "cli/app-db", "--version-stage", "AWSPREVIOUS")
        same_secret(prev.get("SecretString"), V[0], "AWSPREVIOUS value")
        eq(prev.get("VersionId"), st["v0"], "AWSPREVIOUS VersionId")
        eq(prev.get("VersionStages"), ["AWSPREVIOUS"], "AWSPREVIOUS VersionStages")
        by_id = cli.run("get-secret-value", "--secret-id", "cli/app-db", "--version-id", st["v0"])
        same_secret(by_id.get("SecretString"), V[0], "value by --version-id")
        cur = cli.run("get-secret-value", "--secret-id", st["arn"], "--version-stage", "AWSCURRENT")
        same_secret(cur.get("SecretString"), V[1], "AWSCURRENT value")
    suite.step("get-secret-value by --version-stage AWSPREVIOUS and by --version-id", get_versions)

    token = str(uuid.uuid4())
    put_staging = ("put-secret-value", "--secret-id", "cli/app-db", "--secret-string", V[2],
                   "--client-request-token", token, "--version-stages", "STAGING")

    def put_with_stages():
        out = cli.run(*put_staging)
        eq(out.get("VersionId"), token, "VersionId is the --client-request-token")
        eq(out.get("VersionStages"), ["STAGING"], "VersionStages")
        got = cli.run("get-secret-value", "--secret-id", "cli/app-db", "--version-stage", "STAGING")
        same_secret(got.get("SecretString"), V[2], "STAGING value")
        cur = cli.run("get-secret-value", "--secret-id", "cli/app-db")
        same_secret(cur.get("SecretString"), V[1], "AWSCURRENT unchanged")
    suite.step("put-secret-value --version-stages STAGING --client-request-token", put_with_stages)

    def put_replay():
        out = cli.run(*put_staging)
        eq(out.get("VersionId"), token, "the replay returns the same VersionId")
        versions = cli.run("list-secret-version-ids", "--secret-id", "cli/app-db", "--include-deprecated")
        eq(len(versions.get("Versions", [])), 3, "versions after the replay (no new one)")
    suite.step("put-secret-value retried with the same token and value is idempotent", put_replay)

    suite.step("put-secret-value reusing a token with another value is ResourceExistsException",
               lambda: cli.run("put-secret-value", "--secret-id", "cli/app-db", "--secret-string", V[3],
                               "--client-request-token", token, error="ResourceExistsException"))

    create_token = str(uuid.uuid4())
    create_idem = ("create-secret", "--name", "cli/idempotent", "--secret-string", V[4],
                   "--client-request-token", create_token)

    def create_replay():
        first = cli.run(*create_idem)
        eq(first.get("VersionId"), create_token, "VersionId is the token")
        second = cli.run(*create_idem)
        eq(second.get("VersionId"), first["VersionId"], "the replay returns the same VersionId")
        eq(second.get("ARN"), first.get("ARN"), "the replay returns the same ARN")
        cli.run("create-secret", "--name", "cli/idempotent", "--secret-string", V[4],
                "--client-request-token", str(uuid.uuid4()), error="ResourceExistsException")
    suite.step("create-secret retried with the same --client-request-token returns the same version", create_replay)

    suite.step("update-secret-version-stage AWSCURRENT without --remove-from-version-id is InvalidParameterException",
               lambda: cli.run("update-secret-version-stage", "--secret-id", "cli/app-db", "--version-stage",
                               "AWSCURRENT", "--move-to-version-id", token, error="InvalidParameterException"))

    def move_current():
        out = cli.run("update-secret-version-stage", "--secret-id", "cli/app-db", "--version-stage", "AWSCURRENT",
                      "--move-to-version-id", token, "--remove-from-version-id", st["v1"])
        eq(out.get("Name"), "cli/app-db", "Name")
        eq(out.get("ARN"), st["arn"], "ARN")
        cur = cli.run("get-secret-value", "--secret-id", "cli/app-db")
        same_secret(cur.get("SecretString"), V[2], "AWSCURRENT value after the move")
        eq(sorted(cur.get("VersionStages", [])), ["AWSCURRENT", "STAGING"], "stages of the moved-to version")
        prev = cli.run("get-secret-value", "--secret-id", "cli/app-db", "--version-stage", "AWSPREVIOUS")
        eq(prev.get("VersionId"), st["v1"], "AWSPREVIOUS follows the version that was current")
    suite.step("update-secret-version-stage moves AWSCURRENT (and AWSPREVIOUS follows)", move_current)

    def update_secret():
        out = cli.run("update-secret", "--secret-id", "cli/app-db", "--description", "new description",
                      "--secret-string", V[5])
        eq(out.get("Name"), "cli/app-db", "Name")
        expect(looks_like_uuid(out.get("VersionId")), "update-secret with a value returns the new VersionId")
        st["v3"] = out["VersionId"]
        cur = cli.run("get-secret-value", "--secret-id", "cli/app-db")
        same_secret(cur.get("SecretString"), V[5], "value after update-secret")
        meta_only = cli.run("update-secret", "--secret-id", "cli/app-db", "--description", "newer description")
        expect("VersionId" not in meta_only, "update-secret without a value returns no VersionId")
    suite.step("update-secret changes the description and stores a new current value", update_secret)

    def describe():
        out = cli.run("describe-secret", "--secret-id", "cli/app-db")
        eq(out.get("Name"), "cli/app-db", "Name")
        eq(out.get("ARN"), st["arn"], "ARN")
        eq(out.get("Description"), "newer description", "Description")
        eq(sorted((t["Key"], t["Value"]) for t in out.get("Tags", [])), [("env", "dev"), ("team", "core")], "Tags")
        stages = out.get("VersionIdsToStages", {})
        eq(stages.get(st["v3"]), ["AWSCURRENT"], "VersionIdsToStages of the current version")
        eq(sorted(stages.get(token, [])), ["AWSPREVIOUS", "STAGING"], "VersionIdsToStages of the previous one")
        expect(st["v0"] not in stages, "a version without labels is not in VersionIdsToStages")
        for field in ("CreatedDate", "LastChangedDate"):
            expect(isinstance(out.get(field), str), f"{field} present")
        expect("SecretString" not in out and "SecretBinary" not in out, "describe-secret shows no value")
    suite.step("describe-secret", describe)

    def version_ids():
        all_versions = cli.run("list-secret-version-ids", "--secret-id", "cli/app-db", "--include-deprecated")
        ids = {v["VersionId"]: sorted(v.get("VersionStages", [])) for v in all_versions.get("Versions", [])}
        eq(set(ids), {st["v0"], st["v1"], token, st["v3"]}, "--include-deprecated lists every version")
        eq(ids[st["v0"]], [], "the oldest version has no labels")
        eq(all_versions.get("Name"), "cli/app-db", "Name")
        labelled = cli.run("list-secret-version-ids", "--secret-id", "cli/app-db")
        eq({v["VersionId"] for v in labelled.get("Versions", [])}, {token, st["v3"]},
           "without --include-deprecated only versions with labels")
    suite.step("list-secret-version-ids --include-deprecated", version_ids)

    def delete_and_restore():
        out = cli.run("delete-secret", "--secret-id", "cli/app-db", "--recovery-window-in-days", "7")
        eq(out.get("Name"), "cli/app-db", "Name")
        expect(isinstance(out.get("DeletionDate"), str), "DeletionDate present")
        cli.run("get-secret-value", "--secret-id", "cli/app-db", error="InvalidRequestException")
        cli.run("create-secret", "--name", "cli/app-db", "--secret-string", V[6], error="InvalidRequestException")
        cli.run("delete-secret", "--secret-id", "cli/app-db", error="InvalidRequestException")
        described = cli.run("describe-secret", "--secret-id", "cli/app-db")
        expect("DeletedDate" in described, "describe-secret shows DeletedDate while scheduled")
        restored = cli.run("restore-secret", "--secret-id", "cli/app-db")
        eq(restored.get("ARN"), st["arn"], "restore-secret ARN")
        cur = cli.run("get-secret-value", "--secret-id", "cli/app-db")
        same_secret(cur.get("SecretString"), V[5], "value after restore-secret")
    suite.step("delete-secret --recovery-window-in-days 7, then restore-secret", delete_and_restore)

    suite.step("delete-secret with both a recovery window and force is InvalidParameterException",
               lambda: cli.run("delete-secret", "--secret-id", "cli/app-db", "--recovery-window-in-days", "7",
                               "--force-delete-without-recovery", error="InvalidParameterException"))

    def force_delete():
        out = cli.run("delete-secret", "--secret-id", "cli/blob", "--force-delete-without-recovery")
        eq(out.get("Name"), "cli/blob", "Name")
        # The purge is asynchronous in AWS: until it runs the secret is "marked for deletion".
        gone = ("ResourceNotFoundException", "InvalidRequestException")
        cli.run("get-secret-value", "--secret-id", "cli/blob", error=gone)
        # Without recovery means no restore-secret, purged or not.
        cli.run("restore-secret", "--secret-id", "cli/blob", error=gone)
    suite.step("delete-secret --force-delete-without-recovery", force_delete)


def auxiliary(suite, cli):
    """The rest, on secrets of its own (cli/aux, cli/list/*): listing, tags,
    passwords, resource policies, the known gaps, authentication errors."""
    V = suite.values
    aux = {}

    def create_aux():
        out = cli.run("create-secret", "--name", "cli/aux", "--secret-string", V[8],
                      "--tags", "Key=env,Value=dev", "Key=team,Value=core")
        aux["arn"], aux["account"] = out["ARN"], out["ARN"].split(":")[4]
    suite.step("create-secret cli/aux", create_aux)

    def list_paginated():
        for i in range(5):
            cli.run("create-secret", "--name", f"cli/list/{i}", "--description", "for listing",
                    "--tags", "Key=listed,Value=yes")
        out = cli.run("list-secrets", "--filters", "Key=name,Values=cli/list/", "--page-size", "2")
        names = sorted(s["Name"] for s in out.get("SecretList", []))
        eq(names, [f"cli/list/{i}" for i in range(5)], "every page came back (5 secrets, pages of 2)")
        expect("NextToken" not in out, "the CLI followed NextToken to the end")
        for s in out["SecretList"]:
            expect("SecretString" not in s, "list-secrets shows no value")
            eq(s.get("Description"), "for listing", "Description in SecretList")
    suite.step("list-secrets --filters name --page-size 2 paginates to the end", list_paginated)

    def list_filters():
        out = cli.run("list-secrets", "--filters", "Key=name,Values=cli/", "Key=tag-key,Values=listed",
                      "--page-size", "3")
        names = sorted(s["Name"] for s in out.get("SecretList", []))
        eq(names, [f"cli/list/{i}" for i in range(5)], "name prefix cli/ AND tag-key listed")
        one = cli.run("list-secrets", "--filters", "Key=name,Values=cli/list/", "--no-paginate",
                      "--max-results", "2")
        eq(len(one.get("SecretList", [])), 2, "--no-paginate --max-results 2: one page of 2")
        expect(one.get("NextToken"), "the first page carries a NextToken")
    suite.step("list-secrets with name and tag-key filters, and one page with --no-paginate", list_filters)

    def tags():
        cli.run("tag-resource", "--secret-id", "cli/aux", "--tags", "Key=owner,Value=alice",
                "Key=env,Value=prod")
        out = cli.run("describe-secret", "--secret-id", "cli/aux")
        eq(sorted((t["Key"], t["Value"]) for t in out.get("Tags", [])),
           [("env", "prod"), ("owner", "alice"), ("team", "core")], "Tags after tag-resource")
        cli.run("untag-resource", "--secret-id", aux["arn"], "--tag-keys", "owner", "team", "absent")
        out = cli.run("describe-secret", "--secret-id", "cli/aux")
        eq([(t["Key"], t["Value"]) for t in out.get("Tags", [])], [("env", "prod")], "Tags after untag-resource")
    suite.step("tag-resource and untag-resource", tags)

    def random_password():
        out = cli.run("get-random-password", "--password-length", "24", "--exclude-punctuation",
                      "--require-each-included-type")
        pw = out.get("RandomPassword", "")
        eq(len(pw), 24, "password length")
        expect(re.fullmatch(r"[A-Za-z0-9]+", pw) is not None, "--exclude-punctuation: letters and digits only")
        expect(any(c.isupper() for c in pw) and any(c.islower() for c in pw) and any(c.isdigit() for c in pw),
               "--require-each-included-type")
        default = cli.run("get-random-password")
        eq(len(default.get("RandomPassword", "")), 32, "default length")
    suite.step("get-random-password", random_password)

    def resource_policy():
        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{aux['account']}:user/admin"},
            "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
        text = json.dumps(policy)
        out = cli.run("put-resource-policy", "--secret-id", "cli/aux", "--resource-policy", text,
                      "--block-public-policy")
        eq(out.get("Name"), "cli/aux", "put-resource-policy Name")
        eq(out.get("ARN"), aux["arn"], "put-resource-policy ARN")
        got = cli.run("get-resource-policy", "--secret-id", "cli/aux")
        eq(json.loads(got.get("ResourcePolicy", "null")), policy, "get-resource-policy returns the document")
        valid = cli.run("validate-resource-policy", "--secret-id", "cli/aux", "--resource-policy", text)
        eq(valid.get("PolicyValidationPassed"), True, "PolicyValidationPassed")
        eq(valid.get("ValidationErrors"), [], "ValidationErrors")
        deleted = cli.run("delete-resource-policy", "--secret-id", "cli/aux")
        eq(deleted.get("Name"), "cli/aux", "delete-resource-policy Name")
        after = cli.run("get-resource-policy", "--secret-id", "cli/aux")
        expect("ResourcePolicy" not in after, "no ResourcePolicy after delete-resource-policy")
        public = dict(policy, Statement=[dict(policy["Statement"][0], Principal="*")])
        cli.run("put-resource-policy", "--secret-id", "cli/aux", "--resource-policy", json.dumps(public),
                "--block-public-policy", error="PublicPolicyException")
    suite.step("put/get/validate/delete-resource-policy (and a public one blocked)", resource_policy)

    def bad_policy():
        cli.run("put-resource-policy", "--secret-id", "cli/aux", "--resource-policy", "{not json",
                error="MalformedPolicyDocumentException")
    suite.step("put-resource-policy with a malformed document is MalformedPolicyDocumentException", bad_policy)

    # Rotation without a handler named (RotationLambdaARN) or stored: AWS's refusal;
    # cancel-rotate-secret on a secret that never rotated succeeds.
    def rotation_without_handler():
        err = cli.run("rotate-secret", "--secret-id", "cli/aux", "--rotation-rules", "AutomaticallyAfterDays=30",
                      error="InvalidRequestException")
        expect("No Lambda rotation function ARN is associated with this secret." in err, "the RotateSecret message")
        out = cli.run("cancel-rotate-secret", "--secret-id", "cli/aux")
        expect(out["Name"] == "cli/aux", "cancel-rotate-secret names the secret")
    suite.step("rotate-secret without a handler: InvalidRequestException; cancel-rotate-secret succeeds",
               rotation_without_handler)

    # Cairn has one region: replication is refused (only the exception class is pinned).
    suite.step("replicate-secret-to-regions: InvalidRequestException (one region)",
               lambda: cli.run("replicate-secret-to-regions", "--secret-id", "cli/aux",
                               "--add-replica-regions", "Region=eu-west-1", error="InvalidRequestException"))
    suite.step("remove-regions-from-replication: InvalidRequestException (one region)",
               lambda: cli.run("remove-regions-from-replication", "--secret-id", "cli/aux",
                               "--remove-replica-regions", "eu-west-1", error="InvalidRequestException"))
    suite.step("stop-replication-to-replica: InvalidRequestException (one region)",
               lambda: cli.run("stop-replication-to-replica", "--secret-id", "cli/aux",
                               error="InvalidRequestException"))

    def access_denied():
        cli.run("get-secret-value", "--secret-id", "cli/aux", key="nobody", error="AccessDeniedException")
        cli.run("list-secrets", key="nobody", error="AccessDeniedException")
        cli.run("create-secret", "--name", "cli/by-nobody", "--secret-string", V[7], key="nobody",
                error="AccessDeniedException")
        cli.run("describe-secret", "--secret-id", "cli/by-nobody", error="ResourceNotFoundException")
    suite.step("a principal without policies gets (AccessDeniedException)", access_denied)

    suite.step("a wrong secret key gives (InvalidSignatureException)",
               lambda: cli.run("get-secret-value", "--secret-id", "cli/aux", key="wrong_secret",
                               error="InvalidSignatureException"))
    suite.step("an unknown access key gives (UnrecognizedClientException)",
               lambda: cli.run("get-secret-value", "--secret-id", "cli/aux", key="unknown",
                               error="UnrecognizedClientException"))
    suite.step("a deactivated access key gives (UnrecognizedClientException)",
               lambda: cli.run("get-secret-value", "--secret-id", "cli/aux", key="inactive",
                               error="UnrecognizedClientException"))

def rotation(suite, cli):
    """rotate-secret through the runner's handler, to the end; then
    cancel-rotate-secret with rotation enabled and nothing in flight."""
    V, rot = suite.values, suite.cfg["rotation"]
    name = rot["secrets"]["awscli"]
    new_value = V[rot["value_index"]]
    st = {}

    def when(text, what):
        try:
            return datetime.datetime.fromisoformat(text)
        except (TypeError, ValueError):
            raise StepFailure(f"{what} is not an ISO 8601 time: {text!r}")

    def rotate_to_the_end():
        first = cli.run("create-secret", "--name", name, "--secret-string", V[0])
        st["arn"], st["v0"] = first["ARN"], first["VersionId"]
        st["lambda"] = f"arn:aws:lambda:{suite.region}:{first['ARN'].split(':')[4]}:function:{rot['handler']}"
        token = st["token"] = str(uuid.uuid4())
        started = datetime.datetime.now(datetime.timezone.utc)
        out = cli.run("rotate-secret", "--secret-id", name, "--client-request-token", token,
                      "--rotation-lambda-arn", st["lambda"], "--rotation-rules", "AutomaticallyAfterDays=30")
        eq((out.get("ARN"), out.get("Name"), out.get("VersionId")), (st["arn"], name, token),
           "rotate-secret's ARN, Name, VersionId (the --client-request-token)")
        last = {}

        def done():
            last["d"] = cli.run("describe-secret", "--secret-id", name)
            stages = last["d"].get("VersionIdsToStages", {})
            return "AWSCURRENT" in stages.get(token, []) and \
                not any("AWSPENDING" in s for s in stages.values())
        poll_until(done, 120, lambda: "rotation to AWSCURRENT, AWSPENDING gone; VersionIdsToStages "
                   f"{last.get('d', {}).get('VersionIdsToStages')}")
        d = last["d"]
        eq(d.get("VersionIdsToStages"), {token: ["AWSCURRENT"], st["v0"]: ["AWSPREVIOUS"]}, "VersionIdsToStages")
        eq(d.get("RotationEnabled"), True, "RotationEnabled")
        eq(d.get("RotationLambdaARN"), st["lambda"], "RotationLambdaARN")
        eq(d.get("RotationRules", {}).get("AutomaticallyAfterDays"), 30, "RotationRules.AutomaticallyAfterDays")
        rotated = when(d.get("LastRotatedDate"), "LastRotatedDate")
        nxt = when(d.get("NextRotationDate"), "NextRotationDate")
        slack = datetime.timedelta(minutes=5)
        expect(started - slack <= rotated <= datetime.datetime.now(datetime.timezone.utc) + slack,
               f"LastRotatedDate {rotated} is the rotation's time (started {started})")
        expect(datetime.timedelta(days=29) <= nxt - started <= datetime.timedelta(days=31),
               f"NextRotationDate {nxt} is 30 days on (rotation started {started})")
        versions = cli.run("list-secret-version-ids", "--secret-id", name)["Versions"]
        eq(sorted((v["VersionId"], v.get("VersionStages")) for v in versions),
           sorted([(token, ["AWSCURRENT"]), (st["v0"], ["AWSPREVIOUS"])]), "list-secret-version-ids")
        cur = cli.run("get-secret-value", "--secret-id", name)
        same_secret(cur.get("SecretString"), new_value, "AWSCURRENT is the handler's value")
        eq((cur.get("VersionId"), cur.get("VersionStages")), (token, ["AWSCURRENT"]), "current VersionId, stages")
        prev = cli.run("get-secret-value", "--secret-id", name, "--version-stage", "AWSPREVIOUS")
        same_secret(prev.get("SecretString"), V[0], "AWSPREVIOUS is the first value")
    suite.step("rotate-secret through a real handler (--rotation-lambda-arn): new AWSCURRENT, old AWSPREVIOUS, "
               "RotationEnabled, NextRotationDate", rotate_to_the_end)

    def cancel_after_rotation():
        expect("token" in st, "the rotation step did not start a rotation")
        before = cli.run("describe-secret", "--secret-id", name)
        c = cli.run("cancel-rotate-secret", "--secret-id", name)
        eq((c.get("ARN"), c.get("Name")), (st["arn"], name), "cancel-rotate-secret's ARN and Name")
        expect("VersionId" not in c, f"no rotation in flight, so no VersionId: got {c.get('VersionId')!r}")
        d = cli.run("describe-secret", "--secret-id", name)
        expect(not d.get("RotationEnabled"), f"RotationEnabled after cancel: {d.get('RotationEnabled')!r}")
        eq(d.get("RotationLambdaARN"), st["lambda"], "RotationLambdaARN after cancel")
        eq(d.get("RotationRules"), before.get("RotationRules"), "RotationRules after cancel")
        eq(d.get("VersionIdsToStages"), before.get("VersionIdsToStages"), "VersionIdsToStages after cancel")
        same_secret(cli.run("get-secret-value", "--secret-id", name).get("SecretString"), new_value,
                    "AWSCURRENT after cancel")
    suite.step("cancel-rotate-secret with rotation enabled and none in flight: RotationEnabled false, "
               "configuration and labels kept", cancel_after_rotation)


def main():
    suite = Suite("awscli", sys.argv[1])
    cli = AwsCli(suite, sys.argv[2])
    # Independent groups at once: each aws process spends ~1 s starting.
    threads = [threading.Thread(target=lifecycle, args=(suite, cli, sys.argv[2])),
               threading.Thread(target=auxiliary, args=(suite, cli)),
               threading.Thread(target=rotation, args=(suite, cli))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    suite.finish()


if __name__ == "__main__":
    main()
