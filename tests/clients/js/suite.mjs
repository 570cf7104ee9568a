// Cairn's HTTP gateway driven by the AWS SDK for JavaScript v3
// (@aws-sdk/client-secrets-manager, pinned in package.json): all 23 operations
// of the 2017-10-17 model. Create, get, put, labels moved with
// UpdateSecretVersionStage (AWSPREVIOUS follows), UpdateSecret,
// ListSecretVersionIds, describe, the ListSecrets paginator, BatchGetSecretValue
// with per-secret errors, tags, resource policies (put, get, validate, delete,
// public and malformed ones refused), GetRandomPassword, RotateSecret without a
// handler and CancelRotateSecret, the three replication operations (refused:
// one region), delete and RestoreSecret; errors by `instanceof`; binary values
// as Uint8Array. No secret value is ever printed.
//
// Run by run_clients.py from a copy of this folder with node_modules installed:
//   node suite.mjs CONFIG
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import {
  SecretsManagerClient,
  SecretsManagerServiceException,
  BatchGetSecretValueCommand,
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  MalformedPolicyDocumentException,
  PublicPolicyException,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  RotateSecretCommand,
  StopReplicationToReplicaCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  ValidateResourcePolicyCommand,
  paginateListSecrets,
} from "@aws-sdk/client-secrets-manager";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const V = cfg.values.js.strings;
const B = cfg.values.js.binaries.map((h) => new Uint8Array(Buffer.from(h, "hex")));
const secrets = [...V, ...Object.values(cfg.keys).map((k) => k.secret)].sort((a, b) => b.length - a.length);
const redact = (text) => secrets.reduce((t, s) => (s ? t.split(s).join("<redacted>") : t), String(text));

class StepFailure extends Error {}
const expect = (cond, what) => {
  if (!cond) throw new StepFailure(what);
};
const eq = (actual, expected, what) => {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new StepFailure(`${what}: got ${a}, expected ${e}`);
};
const shape = (v) => (v == null ? String(v) : `${v.constructor?.name ?? typeof v} of length ${v.length}`);
const sameSecret = (actual, expected, what) => {
  const same = actual instanceof Uint8Array && expected instanceof Uint8Array
    ? Buffer.compare(Buffer.from(actual), Buffer.from(expected)) === 0
    : actual === expected;
  if (!same) throw new StepFailure(`${what}: value differs (${shape(actual)}, expected ${shape(expected)})`);
};
const isUuid = (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s ?? "");

const client = (key) =>
  new SecretsManagerClient({
    endpoint: cfg.endpoint,
    region: cfg.region,
    maxAttempts: 1,
    credentials: { accessKeyId: cfg.keys[key].id, secretAccessKey: cfg.keys[key].secret },
  });

// `promise` must reject with an instance of `cls` (and name `name`).
async function rejects(promise, cls, name = cls.name) {
  try {
    await promise;
  } catch (e) {
    if (!(e instanceof cls)) {
      throw new StepFailure(`expected ${cls.name}, got ${e?.constructor?.name} name=${e?.name}: ${e?.message}`);
    }
    eq(e.name, name, "error name");
    eq(e.$fault, "client", "$fault");
    expect(isUuid(e.$metadata?.requestId), "an error carries $metadata.requestId");
    return e;
  }
  throw new StepFailure(`expected ${name}, the call succeeded`);
}

let passed = 0;
const failed = [];
async function step(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok    js: ${name}`);
  } catch (e) {
    failed.push(name);
    const why = e instanceof StepFailure ? e.message : `${e?.constructor?.name} ${e?.name}: ${e?.message}\n${e?.stack ?? ""}`;
    console.log(`FAIL  js: ${name}\n      ${redact(why).trimEnd().split("\n").join("\n      ")}`);
  }
}

const sm = client("admin");
const st = {};

await step("CreateSecretCommand with SecretString and Tags", async () => {
  const out = await sm.send(new CreateSecretCommand({
    Name: "js/app-db", Description: "js db creds", SecretString: V[0], Tags: [{ Key: "env", Value: "dev" }],
  }));
  eq(out.Name, "js/app-db", "Name");
  expect(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:js\/app-db-[A-Za-z0-9]{6}$/.test(out.ARN), `ARN ${out.ARN}`);
  expect(isUuid(out.VersionId), "VersionId is a UUID");
  expect(isUuid(out.$metadata.requestId), "$metadata.requestId");
  eq(out.$metadata.httpStatusCode, 200, "HTTP status");
  st.arn = out.ARN;
  st.v0 = out.VersionId;
});

await step("binary secret round trip as Uint8Array", async () => {
  await sm.send(new CreateSecretCommand({ Name: "js/blob", SecretBinary: B[0] }));
  const out = await sm.send(new GetSecretValueCommand({ SecretId: "js/blob" }));
  expect(out.SecretBinary instanceof Uint8Array, "SecretBinary is a Uint8Array");
  sameSecret(out.SecretBinary, B[0], "SecretBinary");
  expect(out.SecretString === undefined, "no SecretString");
});

await step("GetSecretValueCommand by name, ARN, VersionId and VersionStage", async () => {
  const out = await sm.send(new GetSecretValueCommand({ SecretId: "js/app-db" }));
  sameSecret(out.SecretString, V[0], "SecretString");
  eq(out.VersionStages, ["AWSCURRENT"], "VersionStages");
  expect(out.CreatedDate instanceof Date && !isNaN(out.CreatedDate), "CreatedDate is a Date");
  const put = await sm.send(new PutSecretValueCommand({ SecretId: st.arn, SecretString: V[1] }));
  eq(put.VersionStages, ["AWSCURRENT"], "PutSecretValue VersionStages");
  expect(isUuid(put.VersionId) && put.VersionId !== st.v0, "a new VersionId");
  st.v1 = put.VersionId;
  const prev = await sm.send(new GetSecretValueCommand({ SecretId: "js/app-db", VersionStage: "AWSPREVIOUS" }));
  sameSecret(prev.SecretString, V[0], "AWSPREVIOUS value");
  const byId = await sm.send(new GetSecretValueCommand({ SecretId: st.arn, VersionId: put.VersionId }));
  sameSecret(byId.SecretString, V[1], "value by VersionId");
});

await step("CreateSecretCommand retried with the same ClientRequestToken is idempotent", async () => {
  const token = randomUUID();
  const input = { Name: "js/idempotent", SecretString: V[2], ClientRequestToken: token };
  const a = await sm.send(new CreateSecretCommand(input));
  const b = await sm.send(new CreateSecretCommand(input));
  eq(a.VersionId, token, "VersionId is the token");
  eq(b.VersionId, a.VersionId, "the replay returns the same VersionId");
  await rejects(sm.send(new CreateSecretCommand({ Name: "js/idempotent", SecretString: V[2] })), ResourceExistsException);
});

await step("UpdateSecretVersionStageCommand moves AWSCURRENT (and AWSPREVIOUS follows)", async () => {
  const token = randomUUID();
  const staged = await sm.send(new PutSecretValueCommand({
    SecretId: "js/app-db", SecretString: V[7], ClientRequestToken: token, VersionStages: ["STAGING"],
  }));
  eq(staged.VersionId, token, "PutSecretValue VersionId is the token");
  eq(staged.VersionStages, ["STAGING"], "PutSecretValue VersionStages");
  const cur0 = await sm.send(new GetSecretValueCommand({ SecretId: "js/app-db" }));
  eq(cur0.VersionId, st.v1, "AWSCURRENT unchanged by a STAGING put");
  // AWSCURRENT is on a version already: moving it needs RemoveFromVersionId.
  await rejects(sm.send(new UpdateSecretVersionStageCommand({
    SecretId: "js/app-db", VersionStage: "AWSCURRENT", MoveToVersionId: token,
  })), InvalidParameterException);
  const out = await sm.send(new UpdateSecretVersionStageCommand({
    SecretId: "js/app-db", VersionStage: "AWSCURRENT", MoveToVersionId: token, RemoveFromVersionId: st.v1,
  }));
  eq(out.Name, "js/app-db", "Name");
  eq(out.ARN, st.arn, "ARN");
  const cur = await sm.send(new GetSecretValueCommand({ SecretId: "js/app-db" }));
  sameSecret(cur.SecretString, V[7], "AWSCURRENT value after the move");
  eq(cur.VersionId, token, "AWSCURRENT VersionId after the move");
  eq([...(cur.VersionStages ?? [])].sort(), ["AWSCURRENT", "STAGING"], "stages of the moved-to version");
  const prev = await sm.send(new GetSecretValueCommand({ SecretId: "js/app-db", VersionStage: "AWSPREVIOUS" }));
  eq(prev.VersionId, st.v1, "AWSPREVIOUS follows the version that was current");
  eq(prev.VersionStages, ["AWSPREVIOUS"], "AWSPREVIOUS VersionStages");
  st.staging = token;
});

await step("DescribeSecretCommand", async () => {
  const d = await sm.send(new DescribeSecretCommand({ SecretId: "js/app-db" }));
  eq(d.Name, "js/app-db", "Name");
  eq(d.Description, "js db creds", "Description");
  eq(d.Tags, [{ Key: "env", Value: "dev" }], "Tags");
  eq(Object.keys(d.VersionIdsToStages ?? {}).length, 2, "VersionIdsToStages entries");
  expect(d.LastChangedDate instanceof Date && !isNaN(d.LastChangedDate), "LastChangedDate is a Date");
  expect(d.SecretString === undefined, "no value");
});

await step("UpdateSecretCommand (description and value, then description only)", async () => {
  const out = await sm.send(new UpdateSecretCommand({ SecretId: "js/app-db", Description: "changed", SecretString: V[8] }));
  eq(out.Name, "js/app-db", "Name");
  eq(out.ARN, st.arn, "ARN");
  expect(isUuid(out.VersionId) && ![st.v0, st.v1, st.staging].includes(out.VersionId), "a new VersionId");
  st.v3 = out.VersionId;
  const cur = await sm.send(new GetSecretValueCommand({ SecretId: "js/app-db" }));
  sameSecret(cur.SecretString, V[8], "value after UpdateSecret");
  eq(cur.VersionId, st.v3, "AWSCURRENT VersionId after UpdateSecret");
  const metaOnly = await sm.send(new UpdateSecretCommand({ SecretId: "js/app-db", Description: "newer" }));
  expect(metaOnly.VersionId === undefined, "UpdateSecret without a value returns no VersionId");
  const d = await sm.send(new DescribeSecretCommand({ SecretId: "js/app-db" }));
  eq(d.Description, "newer", "Description");
  eq(d.Tags, [{ Key: "env", Value: "dev" }], "Tags kept");
  eq(d.VersionIdsToStages?.[st.v3], ["AWSCURRENT"], "VersionIdsToStages of the new version");
  eq([...(d.VersionIdsToStages?.[st.staging] ?? [])].sort(), ["AWSPREVIOUS", "STAGING"],
    "VersionIdsToStages of the previous one");
  expect(!(st.v0 in (d.VersionIdsToStages ?? {})), "a version without labels is not in VersionIdsToStages");
});

await step("ListSecretVersionIdsCommand with and without IncludeDeprecated", async () => {
  const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: "js/app-db", IncludeDeprecated: true }));
  eq(all.Name, "js/app-db", "Name");
  eq(all.ARN, st.arn, "ARN");
  const ids = Object.fromEntries((all.Versions ?? []).map((v) => [v.VersionId, [...(v.VersionStages ?? [])].sort()]));
  eq(Object.keys(ids).sort(), [st.v0, st.v1, st.staging, st.v3].sort(), "IncludeDeprecated lists every version");
  eq(ids[st.v0], [], "the oldest version has no labels");
  eq(ids[st.v3], ["AWSCURRENT"], "labels of the current version");
  eq(ids[st.staging], ["AWSPREVIOUS", "STAGING"], "labels of the previous version");
  expect((all.Versions ?? []).every((v) => v.CreatedDate instanceof Date && !isNaN(v.CreatedDate)),
    "each version's CreatedDate is a Date");
  const labelled = await sm.send(new ListSecretVersionIdsCommand({ SecretId: "js/app-db" }));
  eq((labelled.Versions ?? []).map((v) => v.VersionId).sort(), [st.staging, st.v3].sort(),
    "without IncludeDeprecated only versions with labels");
  const idem = await sm.send(new ListSecretVersionIdsCommand({ SecretId: "js/idempotent", IncludeDeprecated: true }));
  eq((idem.Versions ?? []).length, 1, "one version after an idempotent CreateSecret replay");
});

await step("paginateListSecrets with pageSize 2 and Filters", async () => {
  for (let i = 0; i < 5; i++) await sm.send(new CreateSecretCommand({ Name: `js/list/${i}`, SecretString: V[3] }));
  const pages = [];
  for await (const page of paginateListSecrets({ client: sm, pageSize: 2 }, { Filters: [{ Key: "name", Values: ["js/list/"] }] })) {
    pages.push(page);
  }
  const names = pages.flatMap((p) => (p.SecretList ?? []).map((s) => s.Name)).sort();
  eq(names, [0, 1, 2, 3, 4].map((i) => `js/list/${i}`), "all secrets over the pages");
  expect(pages.length >= 3, `pages of at most 2: got ${pages.length}`);
  expect(pages.every((p) => (p.SecretList ?? []).length <= 2), "at most pageSize per page");
  expect(pages.at(-1).NextToken === undefined, "no NextToken on the last page");
});

await step("BatchGetSecretValueCommand returns values and per-secret Errors", async () => {
  await sm.send(new CreateSecretCommand({ Name: "js/readable-a", SecretString: V[4] }));
  await sm.send(new CreateSecretCommand({ Name: "js/readable-b", SecretBinary: B[1] }));
  await sm.send(new CreateSecretCommand({ Name: "js/private", SecretString: V[5] }));
  const admin = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: ["js/readable-a", "js/no-such-secret"] }));
  eq((admin.SecretValues ?? []).map((v) => v.Name), ["js/readable-a"], "admin: SecretValues");
  sameSecret(admin.SecretValues[0].SecretString, V[4], "admin: value of js/readable-a");
  eq((admin.Errors ?? []).map((e) => [e.SecretId, e.ErrorCode]), [["js/no-such-secret", "ResourceNotFoundException"]],
    "admin: Errors");

  const reader = client("reader");
  const out = await reader.send(new BatchGetSecretValueCommand({
    SecretIdList: ["js/readable-a", "js/readable-b", "js/private", "js/readable-missing"],
  }));
  const byName = Object.fromEntries((out.SecretValues ?? []).map((v) => [v.Name, v]));
  eq(Object.keys(byName).sort(), ["js/readable-a", "js/readable-b"], "reader: SecretValues");
  sameSecret(byName["js/readable-a"].SecretString, V[4], "reader: string value");
  sameSecret(byName["js/readable-b"].SecretBinary, B[1], "reader: binary value as Uint8Array");
  eq(byName["js/readable-a"].VersionStages, ["AWSCURRENT"], "reader: VersionStages");
  const errors = Object.fromEntries((out.Errors ?? []).map((e) => [e.SecretId, e.ErrorCode]));
  eq(errors, { "js/private": "AccessDeniedException", "js/readable-missing": "ResourceNotFoundException" },
    "reader: Errors by SecretId");
  expect((out.Errors ?? []).every((e) => typeof e.Message === "string" && e.Message.length > 0), "Errors carry a Message");
  const denied = await rejects(reader.send(new GetSecretValueCommand({ SecretId: "js/private" })),
    SecretsManagerServiceException, "AccessDeniedException");
  expect(!(denied instanceof ResourceNotFoundException), "AccessDenied is not a modeled error class");
});

await step("TagResourceCommand and UntagResourceCommand", async () => {
  const tagged = await sm.send(new TagResourceCommand({ SecretId: "js/app-db", Tags: [{ Key: "team", Value: "js" }] }));
  eq(tagged.$metadata.httpStatusCode, 200, "TagResource status");
  await sm.send(new UntagResourceCommand({ SecretId: "js/app-db", TagKeys: ["env"] }));
  const d = await sm.send(new DescribeSecretCommand({ SecretId: "js/app-db" }));
  eq(d.Tags, [{ Key: "team", Value: "js" }], "Tags");
});

await step("PutResourcePolicy, GetResourcePolicy, ValidateResourcePolicy, DeleteResourcePolicy", async () => {
  const account = st.arn.split(":")[4];
  const policy = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: "secretsmanager:DescribeSecret", Resource: "*" }],
  };
  const doc = JSON.stringify(policy);
  const put = await sm.send(new PutResourcePolicyCommand({ SecretId: "js/app-db", ResourcePolicy: doc, BlockPublicPolicy: true }));
  eq(put.Name, "js/app-db", "PutResourcePolicy Name");
  eq(put.ARN, st.arn, "PutResourcePolicy ARN");
  const got = await sm.send(new GetResourcePolicyCommand({ SecretId: "js/app-db" }));
  eq(got.Name, "js/app-db", "GetResourcePolicy Name");
  eq(JSON.parse(got.ResourcePolicy ?? "null"), policy, "GetResourcePolicy returns the document");
  const valid = await sm.send(new ValidateResourcePolicyCommand({ ResourcePolicy: doc }));
  eq(valid.PolicyValidationPassed, true, "PolicyValidationPassed");
  eq(valid.ValidationErrors ?? [], [], "ValidationErrors");
  const validFor = await sm.send(new ValidateResourcePolicyCommand({ SecretId: "js/app-db", ResourcePolicy: doc }));
  eq(validFor.PolicyValidationPassed, true, "PolicyValidationPassed with a SecretId");
  const del = await sm.send(new DeleteResourcePolicyCommand({ SecretId: "js/app-db" }));
  eq(del.Name, "js/app-db", "DeleteResourcePolicy Name");
  eq(del.ARN, st.arn, "DeleteResourcePolicy ARN");
  const after = await sm.send(new GetResourcePolicyCommand({ SecretId: "js/app-db" }));
  expect(after.ResourcePolicy === undefined, "no ResourcePolicy after DeleteResourcePolicy");
  const pub = { ...policy, Statement: [{ ...policy.Statement[0], Principal: "*" }] };
  await rejects(sm.send(new PutResourcePolicyCommand({
    SecretId: "js/app-db", ResourcePolicy: JSON.stringify(pub), BlockPublicPolicy: true,
  })), PublicPolicyException);
  await rejects(sm.send(new PutResourcePolicyCommand({ SecretId: "js/app-db", ResourcePolicy: "{not json" })),
    MalformedPolicyDocumentException);
  const still = await sm.send(new GetResourcePolicyCommand({ SecretId: "js/app-db" }));
  expect(still.ResourcePolicy === undefined, "a refused policy is not stored");
});

await step("GetRandomPasswordCommand", async () => {
  // The passwords are never printed, only their properties.
  const a = (await sm.send(new GetRandomPasswordCommand({ PasswordLength: 40, ExcludeCharacters: "abc" }))).RandomPassword;
  eq(a?.length, 40, "PasswordLength 40");
  expect(![..."abc"].some((c) => a.includes(c)), "ExcludeCharacters honoured");
  const b = (await sm.send(new GetRandomPasswordCommand({
    PasswordLength: 24, ExcludePunctuation: true, RequireEachIncludedType: true,
  }))).RandomPassword;
  eq(b?.length, 24, "PasswordLength 24");
  expect(/^[A-Za-z0-9]+$/.test(b), "ExcludePunctuation: letters and digits only");
  expect(/[A-Z]/.test(b) && /[a-z]/.test(b) && /[0-9]/.test(b), "RequireEachIncludedType");
  const c = (await sm.send(new GetRandomPasswordCommand({}))).RandomPassword;
  eq(c?.length, 32, "default length");
  expect(a !== c, "two passwords differ");
});

await step("RotateSecretCommand without a handler: InvalidRequestException; CancelRotateSecretCommand succeeds", async () => {
  // No handler named (RotationLambdaARN) and none stored: AWS's refusal.
  const e = await rejects(sm.send(new RotateSecretCommand({ SecretId: "js/app-db", RotationRules: { AutomaticallyAfterDays: 30 } })),
    InvalidRequestException);
  expect(e.message.includes("No Lambda rotation function ARN is associated with this secret."), "the RotateSecret message");
  const c = await sm.send(new CancelRotateSecretCommand({ SecretId: "js/app-db" }));
  eq(c.Name, "js/app-db", "CancelRotateSecret Name");
  eq(c.ARN, st.arn, "CancelRotateSecret ARN");
  expect(c.VersionId === undefined, "CancelRotateSecret with no rotation in progress returns no VersionId");
  const d = await sm.send(new DescribeSecretCommand({ SecretId: "js/app-db" }));
  expect(!d.RotationEnabled, "RotationEnabled is not true after CancelRotateSecret");
});

await step("replication operations: InvalidRequestException (one region; cairn-replica for DR)", async () => {
  const add = await rejects(sm.send(new ReplicateSecretToRegionsCommand({
    SecretId: "js/app-db", AddReplicaRegions: [{ Region: "eu-west-1" }],
  })), InvalidRequestException);
  expect(add.message.includes("cairn-replica"), "the ReplicateSecretToRegions message names cairn-replica");
  const remove = await rejects(sm.send(new RemoveRegionsFromReplicationCommand({
    SecretId: "js/app-db", RemoveReplicaRegions: ["eu-west-1"],
  })), InvalidRequestException);
  expect(remove.message.includes("cairn-replica"), "the RemoveRegionsFromReplication message names cairn-replica");
  const stop = await rejects(sm.send(new StopReplicationToReplicaCommand({ SecretId: "js/app-db" })),
    InvalidRequestException);
  expect(stop.message.includes("is not a replica secret"), "the StopReplicationToReplica message");
  await rejects(sm.send(new ReplicateSecretToRegionsCommand({
    SecretId: "js/no-such-secret", AddReplicaRegions: [{ Region: "eu-west-1" }],
  })), ResourceNotFoundException);
});

await step("errors are instances of the modeled exception classes", async () => {
  await rejects(sm.send(new GetSecretValueCommand({ SecretId: "js/no-such-secret" })), ResourceNotFoundException);
  await rejects(sm.send(new CreateSecretCommand({ Name: "js/app-db", SecretString: V[6] })), ResourceExistsException);
  await rejects(sm.send(new CreateSecretCommand({ Name: "js/both", SecretString: V[6], SecretBinary: B[0] })),
    InvalidParameterException);
  await rejects(sm.send(new DeleteSecretCommand({ SecretId: "js/app-db", RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })),
    InvalidParameterException);
  // Rotation (RotateSecret refused without a handler, CancelRotateSecret) and
  // replication (refused: one region) have their own steps above.
  const nobody = client("nobody");
  await rejects(nobody.send(new DescribeSecretCommand({ SecretId: "js/app-db" })), SecretsManagerServiceException,
    "AccessDeniedException");
  await rejects(client("wrong_secret").send(new DescribeSecretCommand({ SecretId: "js/app-db" })),
    SecretsManagerServiceException, "InvalidSignatureException");
  await rejects(client("unknown").send(new DescribeSecretCommand({ SecretId: "js/app-db" })),
    SecretsManagerServiceException, "UnrecognizedClientException");
  await rejects(client("inactive").send(new DescribeSecretCommand({ SecretId: "js/app-db" })),
    SecretsManagerServiceException, "UnrecognizedClientException");
});

await step("DeleteSecretCommand with a recovery window, RestoreSecretCommand, and forced", async () => {
  const d = await sm.send(new DeleteSecretCommand({ SecretId: "js/app-db", RecoveryWindowInDays: 7 }));
  expect(d.DeletionDate instanceof Date && !isNaN(d.DeletionDate), "DeletionDate is a Date");
  const days = (d.DeletionDate - Date.now()) / 86400e3;
  expect(days > 6.9 && days < 7.1, `DeletionDate is 7 days away (${days.toFixed(3)})`);
  await rejects(sm.send(new GetSecretValueCommand({ SecretId: "js/app-db" })), InvalidRequestException);
  const scheduled = await sm.send(new DescribeSecretCommand({ SecretId: "js/app-db" }));
  expect(scheduled.DeletedDate instanceof Date && !isNaN(scheduled.DeletedDate), "DescribeSecret shows DeletedDate");
  const restored = await sm.send(new RestoreSecretCommand({ SecretId: "js/app-db" }));
  eq(restored.Name, "js/app-db", "RestoreSecret Name");
  eq(restored.ARN, st.arn, "RestoreSecret ARN");
  const back = await sm.send(new GetSecretValueCommand({ SecretId: "js/app-db" }));
  sameSecret(back.SecretString, V[8], "value after RestoreSecret");
  const undeleted = await sm.send(new DescribeSecretCommand({ SecretId: "js/app-db" }));
  expect(undeleted.DeletedDate === undefined, "no DeletedDate after RestoreSecret");
  await sm.send(new DeleteSecretCommand({ SecretId: "js/blob", ForceDeleteWithoutRecovery: true }));
  // The purge is asynchronous in AWS: until it runs the secret is "marked for deletion".
  const gone = async (what, promise) => {
    let err;
    try {
      await promise;
    } catch (e) {
      err = e;
    }
    expect(err instanceof ResourceNotFoundException || err instanceof InvalidRequestException,
      `${what} of a force-deleted secret: expected ResourceNotFoundException or InvalidRequestException, got ${
        err ? err.name : "success"}`);
  };
  await gone("GetSecretValue", sm.send(new GetSecretValueCommand({ SecretId: "js/blob" })));
  // Without recovery means no RestoreSecret, purged or not.
  await gone("RestoreSecret", sm.send(new RestoreSecretCommand({ SecretId: "js/blob" })));
});

const version = JSON.parse(readFileSync(new URL("./node_modules/@aws-sdk/client-secrets-manager/package.json", import.meta.url)))
  .version;
console.log(`js (@aws-sdk/client-secrets-manager ${version}): ${passed} steps passed, ${failed.length} failed`);
for (const name of failed) console.log(`  failed: ${name}`);
process.exit(failed.length ? 1 : 0);
