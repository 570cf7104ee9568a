"""Cairn's HTTP gateway driven by boto3 (Debian's python3-boto3 1.26 for
/usr/bin/python3): the operations, the modeled exception classes, the
ListSecrets paginator, binary values as bytes, idempotent retries, and a
rotation that succeeds through the runner's handler (RotationLambdaARN
...:function:cairn-conformance), then CancelRotateSecret after it and during
one.

Run by run_clients.py: /usr/bin/python3 boto3_suite.py CONFIG
"""

import datetime
import json
import re
import sys
import uuid

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

from suite_common import StepFailure, Suite, eq, expect, looks_like_uuid, poll_until, same_secret

ROTATION_WAIT_S = 120  # a 2-core CI machine running other tests: generous


def make_client(suite, key):
    k = suite.keys[key]
    return boto3.session.Session().client(
        "secretsmanager", endpoint_url=suite.endpoint, region_name=suite.region,
        aws_access_key_id=k["id"], aws_secret_access_key=k["secret"],
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=10, read_timeout=30))


def raises(exc_class, fn, code=None):
    """fn() must raise exc_class (and carry Error.Code == code, default the class name)."""
    try:
        fn()
    except exc_class as e:
        want = code or type(e).__name__
        eq(e.response.get("Error", {}).get("Code"), want, "Error.Code")
        expect(e.response.get("ResponseMetadata", {}).get("RequestId"), "an error carries a RequestId")
        return e
    except ClientError as e:
        raise StepFailure(f"expected {names(exc_class)}, got {type(e).__name__} "
                          f"Code={e.response.get('Error', {}).get('Code')}: {e}")
    raise StepFailure(f"expected {names(exc_class)}, the call succeeded")


def names(exc_class):
    classes = exc_class if isinstance(exc_class, tuple) else (exc_class,)
    return " or ".join(c.__name__ for c in classes)


def main():
    suite = Suite("boto3", sys.argv[1])
    print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}", flush=True)
    sm = make_client(suite, "admin")
    ex = sm.exceptions
    V, B = suite.values, suite.blobs
    st = {}

    def create_string():
        out = sm.create_secret(Name="boto3/app-db", Description="boto3 db creds", SecretString=V[0],
                               Tags=[{"Key": "env", "Value": "dev"}])
        eq(out.get("Name"), "boto3/app-db", "Name")
        expect(re.fullmatch(r"arn:aws:secretsmanager:us-east-1:\d{12}:secret:boto3/app-db-[A-Za-z0-9]{6}",
                            out.get("ARN", "")), f"ARN {out.get('ARN')!r}")
        expect(looks_like_uuid(out.get("VersionId")), "VersionId is a UUID")
        expect(looks_like_uuid(out["ResponseMetadata"].get("RequestId")), "ResponseMetadata.RequestId is a UUID")
        eq(out["ResponseMetadata"].get("HTTPStatusCode"), 200, "HTTP status")
        st["arn"], st["v0"] = out["ARN"], out["VersionId"]
    suite.step("create_secret with SecretString and Tags", create_string)

    def binary_round_trip():
        sm.create_secret(Name="boto3/blob", SecretBinary=B[0])
        out = sm.get_secret_value(SecretId="boto3/blob")
        expect(isinstance(out.get("SecretBinary"), bytes), "SecretBinary comes back as bytes")
        same_secret(out["SecretBinary"], B[0], "SecretBinary (bytes in == bytes out)")
        expect("SecretString" not in out, "no SecretString")
        sm.put_secret_value(SecretId="boto3/blob", SecretBinary=B[1])
        same_secret(sm.get_secret_value(SecretId="boto3/blob")["SecretBinary"], B[1], "second binary version")
    suite.step("binary secret round trip (all 256 byte values)", binary_round_trip)

    def get_value():
        out = sm.get_secret_value(SecretId="boto3/app-db")
        same_secret(out.get("SecretString"), V[0], "SecretString")
        eq(out.get("VersionStages"), ["AWSCURRENT"], "VersionStages")
        eq(out.get("VersionId"), st["v0"], "VersionId")
        expect(hasattr(out.get("CreatedDate"), "year"), "CreatedDate parses as a datetime")
        by_arn = sm.get_secret_value(SecretId=st["arn"])
        same_secret(by_arn.get("SecretString"), V[0], "by ARN")
    suite.step("get_secret_value by name and by ARN", get_value)

    def put_and_stages():
        out = sm.put_secret_value(SecretId="boto3/app-db", SecretString=V[1])
        eq(out.get("VersionStages"), ["AWSCURRENT"], "VersionStages")
        st["v1"] = out["VersionId"]
        prev = sm.get_secret_value(SecretId="boto3/app-db", VersionStage="AWSPREVIOUS")
        same_secret(prev.get("SecretString"), V[0], "AWSPREVIOUS value")
        by_id = sm.get_secret_value(SecretId="boto3/app-db", VersionId=st["v0"])
        same_secret(by_id.get("SecretString"), V[0], "value by VersionId")
        eq(sorted(by_id.get("VersionStages", [])), ["AWSPREVIOUS"], "stages of the old version")
    suite.step("put_secret_value, then get by VersionStage and VersionId", put_and_stages)

    def put_idempotent():
        token = str(uuid.uuid4())
        a = sm.put_secret_value(SecretId="boto3/app-db", SecretString=V[2], ClientRequestToken=token,
                                VersionStages=["STAGING"])
        b = sm.put_secret_value(SecretId="boto3/app-db", SecretString=V[2], ClientRequestToken=token,
                                VersionStages=["STAGING"])
        eq(a.get("VersionId"), token, "VersionId is the token")
        eq(b.get("VersionId"), token, "the replay returns the same VersionId")
        raises(ex.ResourceExistsException,
               lambda: sm.put_secret_value(SecretId="boto3/app-db", SecretString=V[3], ClientRequestToken=token))
        st["staging"] = token
    suite.step("put_secret_value retried with the same ClientRequestToken is idempotent", put_idempotent)

    def create_idempotent():
        token = str(uuid.uuid4())
        a = sm.create_secret(Name="boto3/idempotent", SecretString=V[4], ClientRequestToken=token)
        b = sm.create_secret(Name="boto3/idempotent", SecretString=V[4], ClientRequestToken=token)
        eq(a.get("VersionId"), token, "VersionId is the token")
        eq(b.get("VersionId"), a.get("VersionId"), "the replay returns the same VersionId")
        eq(b.get("ARN"), a.get("ARN"), "the replay returns the same ARN")
        versions = sm.list_secret_version_ids(SecretId="boto3/idempotent", IncludeDeprecated=True)["Versions"]
        eq(len(versions), 1, "one version after the replay")
        raises(ex.ResourceExistsException,
               lambda: sm.create_secret(Name="boto3/idempotent", SecretString=V[4]))
    suite.step("create_secret retried with the same ClientRequestToken is idempotent", create_idempotent)

    def move_stage():
        raises(ex.InvalidParameterException,
               lambda: sm.update_secret_version_stage(SecretId="boto3/app-db", VersionStage="AWSCURRENT",
                                                      MoveToVersionId=st["staging"]))
        sm.update_secret_version_stage(SecretId="boto3/app-db", VersionStage="AWSCURRENT",
                                       MoveToVersionId=st["staging"], RemoveFromVersionId=st["v1"])
        cur = sm.get_secret_value(SecretId="boto3/app-db")
        same_secret(cur.get("SecretString"), V[2], "AWSCURRENT after the move")
        eq(sm.get_secret_value(SecretId="boto3/app-db", VersionStage="AWSPREVIOUS")["VersionId"], st["v1"],
           "AWSPREVIOUS follows")
    suite.step("update_secret_version_stage", move_stage)

    def update_and_describe():
        out = sm.update_secret(SecretId="boto3/app-db", Description="changed", SecretString=V[5])
        expect(looks_like_uuid(out.get("VersionId")), "a new VersionId")
        d = sm.describe_secret(SecretId="boto3/app-db")
        eq(d.get("Description"), "changed", "Description")
        eq(d.get("Tags"), [{"Key": "env", "Value": "dev"}], "Tags")
        eq(d.get("VersionIdsToStages", {}).get(out["VersionId"]), ["AWSCURRENT"], "VersionIdsToStages")
        expect(hasattr(d.get("LastChangedDate"), "year"), "LastChangedDate is a datetime")
        versions = sm.list_secret_version_ids(SecretId="boto3/app-db", IncludeDeprecated=True)["Versions"]
        eq(len(versions), 4, "list_secret_version_ids IncludeDeprecated")
    suite.step("update_secret, describe_secret, list_secret_version_ids", update_and_describe)

    def paginator():
        for i in range(5):
            sm.create_secret(Name=f"boto3/list/{i}", Tags=[{"Key": "env", "Value": "test"}])
        pages = list(sm.get_paginator("list_secrets").paginate(
            Filters=[{"Key": "name", "Values": ["boto3/list/"]}, {"Key": "tag-key", "Values": ["env"]}],
            PaginationConfig={"PageSize": 2}))
        names = sorted(s["Name"] for p in pages for s in p.get("SecretList", []))
        eq(names, [f"boto3/list/{i}" for i in range(5)], "all secrets over the pages")
        expect(len(pages) >= 3, f"pages of at most 2: got {len(pages)} pages")
        for p in pages:
            expect(len(p.get("SecretList", [])) <= 2, "a page holds at most PageSize secrets")
        expect("NextToken" not in pages[-1], "the last page has no NextToken")
    suite.step("list_secrets paginator with PageSize=2 and Filters", paginator)

    def tags():
        sm.tag_resource(SecretId="boto3/app-db", Tags=[{"Key": "owner", "Value": "bob"}])
        sm.untag_resource(SecretId="boto3/app-db", TagKeys=["env"])
        eq(sm.describe_secret(SecretId="boto3/app-db").get("Tags"), [{"Key": "owner", "Value": "bob"}], "Tags")
    suite.step("tag_resource and untag_resource", tags)

    def policies():
        account = st["arn"].split(":")[4]
        doc = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "secretsmanager:DescribeSecret", "Resource": "*"}]})
        sm.put_resource_policy(SecretId="boto3/app-db", ResourcePolicy=doc, BlockPublicPolicy=True)
        eq(json.loads(sm.get_resource_policy(SecretId="boto3/app-db")["ResourcePolicy"]), json.loads(doc), "policy")
        eq(sm.validate_resource_policy(ResourcePolicy=doc)["PolicyValidationPassed"], True, "validation")
        sm.delete_resource_policy(SecretId="boto3/app-db")
        expect("ResourcePolicy" not in sm.get_resource_policy(SecretId="boto3/app-db"), "deleted")
    suite.step("put/get/validate/delete_resource_policy", policies)

    def password():
        pw = sm.get_random_password(PasswordLength=40, ExcludeCharacters="abc")["RandomPassword"]
        eq(len(pw), 40, "length")
        expect(not set("abc") & set(pw), "ExcludeCharacters honoured")
    suite.step("get_random_password", password)

    def delete_restore():
        d = sm.delete_secret(SecretId="boto3/app-db", RecoveryWindowInDays=7)
        expect(hasattr(d.get("DeletionDate"), "year"), "DeletionDate is a datetime")
        raises(ex.InvalidRequestException, lambda: sm.get_secret_value(SecretId="boto3/app-db"))
        sm.restore_secret(SecretId="boto3/app-db")
        same_secret(sm.get_secret_value(SecretId="boto3/app-db")["SecretString"], V[5], "value after restore")
        sm.delete_secret(SecretId="boto3/blob", ForceDeleteWithoutRecovery=True)
        # The purge is asynchronous in AWS: until it runs the secret is "marked for deletion".
        gone = (ex.ResourceNotFoundException, ex.InvalidRequestException)
        raises(gone, lambda: sm.get_secret_value(SecretId="boto3/blob"))
        raises(gone, lambda: sm.restore_secret(SecretId="boto3/blob"))  # without recovery: no restore
    suite.step("delete_secret with a recovery window, restore_secret, forced delete_secret", delete_restore)

    def modeled_errors():
        raises(ex.ResourceNotFoundException, lambda: sm.get_secret_value(SecretId="boto3/no-such-secret"))
        raises(ex.ResourceExistsException, lambda: sm.create_secret(Name="boto3/app-db", SecretString=V[6]))
        raises(ex.InvalidParameterException,
               lambda: sm.create_secret(Name="boto3/both", SecretString=V[6], SecretBinary=B[0]))
        raises(ex.InvalidParameterException,
               lambda: sm.delete_secret(SecretId="boto3/app-db", RecoveryWindowInDays=7,
                                        ForceDeleteWithoutRecovery=True))
        e = raises(ex.InvalidRequestException,
                   lambda: sm.rotate_secret(SecretId="boto3/app-db", RotationRules={"AutomaticallyAfterDays": 30}))
        # No handler named (RotationLambdaARN) and none stored: AWS's refusal.
        expect("No Lambda rotation function ARN is associated with this secret." in str(e),
               "the RotateSecret message")
        c = sm.cancel_rotate_secret(SecretId="boto3/app-db")
        expect(c["Name"] == "boto3/app-db" and "VersionId" not in c, "cancel-rotate-secret with no rotation")
        # One region: replication is refused (only the class is pinned).
        raises(ex.InvalidRequestException,
               lambda: sm.replicate_secret_to_regions(SecretId="boto3/app-db",
                                                      AddReplicaRegions=[{"Region": "eu-west-1"}]))
        raises(ex.InvalidRequestException,
               lambda: sm.remove_regions_from_replication(SecretId="boto3/app-db", RemoveReplicaRegions=["eu-west-1"]))
        raises(ex.InvalidRequestException, lambda: sm.stop_replication_to_replica(SecretId="boto3/app-db"))
    suite.step("modeled errors raise client.exceptions.<Name>", modeled_errors)

    def auth_errors():
        nobody = make_client(suite, "nobody")
        raises(ClientError, lambda: nobody.get_secret_value(SecretId="boto3/app-db"), code="AccessDeniedException")
        raises(ClientError, lambda: nobody.list_secrets(), code="AccessDeniedException")
        for key, code in (("wrong_secret", "InvalidSignatureException"), ("unknown", "UnrecognizedClientException"),
                          ("inactive", "UnrecognizedClientException")):
            c = make_client(suite, key)
            e = raises(ClientError, lambda: c.describe_secret(SecretId="boto3/app-db"), code=code)
            expect(type(e) is ClientError, f"{code} is a plain ClientError (not in the service model)")
    suite.step("AccessDeniedException, InvalidSignatureException, UnrecognizedClientException as ClientError",
               auth_errors)

    rotation(suite, sm)
    suite.finish()


def stage_holders(described, stage):
    """The version ids VersionIdsToStages gives `stage`."""
    return sorted(v for v, stages in described.get("VersionIdsToStages", {}).items() if stage in stages)


def next_rotation_date(sm, described, raw):
    """DescribeSecret's NextRotationDate as a datetime. Debian's botocore 1.29
    predates the member (its model drops it), so then it is read from the raw
    JSON body (`raw`, kept by an after-call hook; DescribeSecret holds no value)."""
    if "NextRotationDate" in sm.meta.service_model.shape_for("DescribeSecretResponse").members:
        return described.get("NextRotationDate")
    seconds = json.loads(raw.get("body") or "{}").get("NextRotationDate")
    return None if seconds is None else datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)


def rotation(suite, sm):
    """RotateSecret through the runner's handler, to the end; CancelRotateSecret
    with rotation enabled and nothing in flight, then with a run in flight."""
    V, rot = suite.values, suite.cfg["rotation"]
    raw = {}  # the last DescribeSecret's raw body

    def keep_body(http_response, **_):
        raw["body"] = http_response.content
    sm.meta.events.register("after-call.secrets-manager.DescribeSecret", keep_body)
    name = rot["secrets"]["boto3"]
    new_value = V[rot["value_index"]]
    st = {}

    def rotate_to_the_end():
        first = sm.create_secret(Name=name, SecretString=V[0])
        st["arn"], st["v0"] = first["ARN"], first["VersionId"]
        st["lambda"] = f"arn:aws:lambda:{suite.region}:{first['ARN'].split(':')[4]}:function:{rot['handler']}"
        token = st["token"] = str(uuid.uuid4())
        started = datetime.datetime.now(datetime.timezone.utc)
        out = sm.rotate_secret(SecretId=name, ClientRequestToken=token, RotationLambdaARN=st["lambda"],
                               RotationRules={"AutomaticallyAfterDays": 30})
        eq((out.get("ARN"), out.get("Name"), out.get("VersionId")), (st["arn"], name, token),
           "RotateSecret's ARN, Name, VersionId (the ClientRequestToken)")
        last = {}

        def done():
            last["d"] = sm.describe_secret(SecretId=name)
            return "AWSCURRENT" in last["d"].get("VersionIdsToStages", {}).get(token, []) and \
                not stage_holders(last["d"], "AWSPENDING")
        poll_until(done, ROTATION_WAIT_S, lambda: "rotation to AWSCURRENT, AWSPENDING gone; VersionIdsToStages "
                   f"{last.get('d', {}).get('VersionIdsToStages')} (the handler's log follows the run)")
        d = last["d"]
        eq(d.get("VersionIdsToStages"), {token: ["AWSCURRENT"], st["v0"]: ["AWSPREVIOUS"]}, "VersionIdsToStages")
        eq(d.get("RotationEnabled"), True, "RotationEnabled")
        eq(d.get("RotationLambdaARN"), st["lambda"], "RotationLambdaARN")
        eq(d.get("RotationRules", {}).get("AutomaticallyAfterDays"), 30, "RotationRules.AutomaticallyAfterDays")
        rotated, nxt = d.get("LastRotatedDate"), next_rotation_date(sm, d, raw)
        expect(isinstance(rotated, datetime.datetime), f"LastRotatedDate is a datetime: {rotated!r}")
        expect(isinstance(nxt, datetime.datetime), f"NextRotationDate is a datetime: {nxt!r}")
        slack = datetime.timedelta(minutes=5)
        expect(started - slack <= rotated <= datetime.datetime.now(datetime.timezone.utc) + slack,
               f"LastRotatedDate {rotated} is the rotation's time (started {started})")
        expect(datetime.timedelta(days=29) <= nxt - started <= datetime.timedelta(days=31),
               f"NextRotationDate {nxt} is 30 days on (rotation started {started})")
        versions = sm.list_secret_version_ids(SecretId=name)["Versions"]
        eq(sorted((v["VersionId"], v.get("VersionStages")) for v in versions),
           sorted([(token, ["AWSCURRENT"]), (st["v0"], ["AWSPREVIOUS"])]), "ListSecretVersionIds")
        cur = sm.get_secret_value(SecretId=name)
        same_secret(cur.get("SecretString"), new_value, "AWSCURRENT is the handler's value")
        eq((cur.get("VersionId"), cur.get("VersionStages")), (token, ["AWSCURRENT"]), "current VersionId, stages")
        prev = sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
        same_secret(prev.get("SecretString"), V[0], "AWSPREVIOUS is the first value")
        eq(prev.get("VersionId"), st["v0"], "AWSPREVIOUS VersionId")
    suite.step("rotate_secret through a real handler (RotationLambdaARN): new AWSCURRENT, old AWSPREVIOUS, "
               "RotationEnabled, NextRotationDate", rotate_to_the_end)

    def cancel_after_rotation():
        expect("token" in st, "the rotation step did not start a rotation")
        before = sm.describe_secret(SecretId=name)
        c = sm.cancel_rotate_secret(SecretId=name)
        eq((c.get("ARN"), c.get("Name")), (st["arn"], name), "CancelRotateSecret's ARN and Name")
        expect("VersionId" not in c, f"no rotation in flight, so no VersionId: got {c.get('VersionId')!r}")
        d = sm.describe_secret(SecretId=name)
        expect(not d.get("RotationEnabled"), f"RotationEnabled after cancel: {d.get('RotationEnabled')!r}")
        # AWS: RotationRules and RotationLambdaARN stay visible; the labels stay.
        eq(d.get("RotationLambdaARN"), st["lambda"], "RotationLambdaARN after cancel")
        eq(d.get("RotationRules"), before.get("RotationRules"), "RotationRules after cancel")
        eq(d.get("VersionIdsToStages"), before.get("VersionIdsToStages"), "VersionIdsToStages after cancel")
        same_secret(sm.get_secret_value(SecretId=name).get("SecretString"), new_value, "AWSCURRENT after cancel")
    suite.step("cancel_rotate_secret with rotation enabled and none in flight: RotationEnabled false, "
               "configuration and labels kept", cancel_after_rotation)

    def cancel_in_flight():
        # The handler has no value for this secret: its createSecret fails, so
        # the run stays in flight (retried, then failed) until cancelled.
        other = f"{name}-cancel"
        first = sm.create_secret(Name=other, SecretString=V[1])
        lam = st.get("lambda") or f"arn:aws:lambda:{suite.region}:{first['ARN'].split(':')[4]}:function:" \
                                  f"{rot['handler']}"
        token = str(uuid.uuid4())
        sm.rotate_secret(SecretId=other, ClientRequestToken=token, RotationLambdaARN=lam)
        c = sm.cancel_rotate_secret(SecretId=other)
        eq((c.get("ARN"), c.get("Name"), c.get("VersionId")), (first["ARN"], other, token),
           "CancelRotateSecret's ARN, Name and VersionId (the cancelled rotation's version)")
        d = sm.describe_secret(SecretId=other)
        expect(not d.get("RotationEnabled"), f"RotationEnabled after cancel: {d.get('RotationEnabled')!r}")
        eq(d.get("RotationLambdaARN"), lam, "RotationLambdaARN after cancel")
        eq(stage_holders(d, "AWSCURRENT"), [first["VersionId"]], "AWSCURRENT stays on the first version")
        same_secret(sm.get_secret_value(SecretId=other).get("SecretString"), V[1], "value after cancel")
        # AWS leaves AWSPENDING on the cancelled version for the caller to remove
        # (Cairn removes it itself): clean up the AWS way when it is there.
        if stage_holders(d, "AWSPENDING") == [token]:
            sm.update_secret_version_stage(SecretId=other, VersionStage="AWSPENDING", RemoveFromVersionId=token)
        else:
            eq(stage_holders(d, "AWSPENDING"), [], "AWSPENDING after cancel: on the cancelled version or nowhere")
    suite.step("cancel_rotate_secret during a rotation returns its VersionId; AWSCURRENT stays", cancel_in_flight)


if __name__ == "__main__":
    main()
