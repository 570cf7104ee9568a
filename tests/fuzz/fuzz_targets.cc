#include "tests/fuzz/fuzz_targets.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "bus/publisher.h"
#include "bus/wire.h"
#include "crypto/keyring.h"
#include "crypto/master_key.h"
#include "crypto/random.h"
#include "crypto/signing.h"
#include "gateway/aws_json.h"
#include "gateway/sigv4.h"
#include "ledger/checkpoint.h"
#include "ledger/record.h"
#include "ledger/verify.h"
#include "projections/iam/policy.h"
#include "projections/secrets.h"
#include "service/decide.h"
#include "service/internal/event_reader.h"
#include "service/snapshot.h"
#include "tools/cairn_audit/tar.h"

namespace cairn::fuzz {
namespace {

std::string Bytes(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

crypto::SecureBuffer FixedMaster() { return crypto::SecureBuffer(32); }

// A state with one secret in it, built through Decide so it is realistic.
struct World {
  projections::SecretsView view;
  std::unique_ptr<crypto::Keyring> keyring;
  std::unique_ptr<crypto::RandomSource> rng = crypto::NewDeterministicRandom(7);
  std::vector<std::string> payloads;
  uint64_t seq = 0;

  World() {
    keyring = std::make_unique<crypto::Keyring>(std::move(crypto::Keyring::Create(FixedMaster(), *rng).value()));
    Run("CreateSecret", {{"Name", "fuzz/db"}, {"ClientRequestToken", "00000000-0000-4000-8000-000000000001"}}, "v1");
    Run("PutSecretValue", {{"SecretId", "fuzz/db"}, {"ClientRequestToken", "00000000-0000-4000-8000-000000000002"},
                           {"VersionStages", {"AWSPENDING"}}}, "v2");
  }
  service::Decision Decide(const service::Request& request) {
    static const uint8_t kTokenKey[32] = {1};
    service::DecideEnv env{1'763'800'000'000, rng.get(), keyring.get(), crypto::ByteView(kTokenKey, 32)};
    return service::Decide(request, view, env);
  }
  void Run(const std::string& op, service::Json params, const std::string& value) {
    service::Request r{op, std::move(params), std::nullopt};
    if (!value.empty()) {
      r.value = service::SecretValue{projections::ValueKind::kString, crypto::SecureBuffer::FromString(value)};
    }
    service::Decision d = Decide(r);
    payloads.push_back(d.payload);
    auto event = service::internal::ReadEvent(d.payload);
    std::vector<std::string> touched;
    if (event.ok()) (void)view.Apply(seq++, 1'763'800'000'000, **event, &touched);
  }
};

World& SharedWorld() {
  static World world;
  return world;
}

// The checkpoint log key: seed 00..1f, as in reference/verifiable-log.md §2.9.
const crypto::Ed25519PrivateKey& CheckpointKey() {
  static const crypto::Ed25519PrivateKey key = [] {
    crypto::SecureBuffer seed(32);
    for (uint8_t i = 0; i < 32; ++i) seed.data()[i] = i;
    return std::move(crypto::Ed25519PrivateKey::FromSeed(std::move(seed)).value());
  }();
  return key;
}

const ledger::NoteVerifier& CheckpointVerifier() {
  static const ledger::NoteVerifier verifier =
      ledger::MakeNoteVerifier("example.com/testlog", CheckpointKey().PublicKey()).value();
  return verifier;
}

bool SameValue(const bus::WireValue& a, const bus::WireValue& b) {
  return a.index == b.index && a.kind == b.kind && a.bytes.size() == b.bytes.size() && a.bytes.Equals(b.bytes.view());
}

bool SameRequest(const bus::ApiRequestMsg& a, const bus::ApiRequestMsg& b) {
  return a.request_id == b.request_id && a.operation == b.operation && a.params_json == b.params_json &&
         a.value.has_value() == b.value.has_value() && (!a.value || SameValue(*a.value, *b.value)) &&
         a.deadline_ms == b.deadline_ms && a.user_agent == b.user_agent;
}

bool SameResponse(const bus::ApiResponseMsg& a, const bus::ApiResponseMsg& b) {
  if (a.request_id != b.request_id || a.error_code != b.error_code || a.error_message != b.error_message ||
      a.body_json != b.body_json || a.seq != b.seq || a.leaf_hash != b.leaf_hash ||
      a.values.size() != b.values.size() || a.records.size() != b.records.size()) {
    return false;
  }
  for (size_t i = 0; i < a.values.size(); ++i) {
    if (!SameValue(a.values[i], b.values[i])) return false;
  }
  for (size_t i = 0; i < a.records.size(); ++i) {
    if (a.records[i].seq != b.records[i].seq || a.records[i].bytes != b.records[i].bytes) return false;
  }
  return true;
}

}  // namespace

bool FuzzApiResponse(const uint8_t* data, size_t size) {
  auto response = bus::DecodeResponse(crypto::ByteView(data, size));
  if (!response.ok()) return false;
  // What decodes re-encodes to a buffer that decodes to the same message.
  auto again = bus::DecodeResponse(bus::EncodeResponse(*response).view());
  if (!again.ok() || !SameResponse(*response, *again)) __builtin_trap();
  return true;
}

bool FuzzApiRequest(const uint8_t* data, size_t size) {
  const bool as_response = FuzzApiResponse(data, size);  // the same bytes must not crash either decoder
  auto request = bus::DecodeRequest(crypto::ByteView(data, size));
  if (!request.ok()) return as_response;
  auto again = bus::DecodeRequest(bus::EncodeRequest(*request).view());
  if (!again.ok() || !SameRequest(*request, *again)) __builtin_trap();
  return true;
}

bool FuzzBatch(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto records = bus::SplitBatch(body);
  if (!records.ok()) return false;
  // Every record lies inside the body, and the records encode back to it.
  std::vector<std::string> copies;
  for (std::string_view r : *records) {
    if (r.data() < body.data() || r.data() + r.size() > body.data() + body.size()) __builtin_trap();
    copies.emplace_back(r);
  }
  if (bus::EncodeBatch(copies) != body) __builtin_trap();
  return true;
}

std::vector<std::string> BatchSeeds() {
  std::vector<std::string> records = RecordSeeds();
  std::vector<std::string> seeds = {bus::EncodeBatch(records), bus::EncodeBatch({records.front()}),
                                    bus::EncodeBatch({"", "x"})};
  return seeds;
}

bool FuzzRecord(const uint8_t* data, size_t size) {
  const std::string bytes = Bytes(data, size);
  auto record = ledger::DecodeRecord(bytes);
  if (record.ok()) (void)ledger::RecordLeafHash(bytes);
  ledger::ChainVerifier verifier;
  verifier.Add(ledger::SeqKey(0), bytes);
  verifier.Add(bytes.substr(0, 8), bytes);
  (void)verifier.Finish(std::nullopt);
  return record.ok();
}

bool FuzzEvent(const uint8_t* data, size_t size) {
  const std::string bytes = Bytes(data, size);
  auto event = service::internal::ReadEvent(bytes);
  if (!event.ok()) return false;
  projections::SecretsView view = SharedWorld().view;  // a copy: targets stay independent
  std::vector<std::string> touched;
  if (view.Apply(view.applied_seq(), 1'763'800'000'000, **event, &touched).ok()) {
    ledger::WriteSet out;
    view.WriteTouched(touched, out);
  }
  return true;
}

bool FuzzKeyFile(const uint8_t* data, size_t size) {
  char path[] = "/tmp/cairn-fuzz-keyfile-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return false;
  fchmod(fd, 0600);
  (void)!write(fd, data, size);
  close(fd);
  crypto::SecureBuffer passphrase = crypto::SecureBuffer::FromString("fuzz");
  const bool plain = crypto::ReadMasterKeyFile(path, nullptr).ok();
  const bool sealed = crypto::ReadMasterKeyFile(path, &passphrase).ok();
  (void)crypto::MasterKeyFileNeedsPassphrase(path);
  unlink(path);
  const bool keyring = crypto::Keyring::Load(FixedMaster(), crypto::ByteView(data, size)).ok();
  return plain || sealed || keyring;
}

bool FuzzRequest(const uint8_t* data, size_t size) {
  static const char* kOps[] = {"CreateSecret", "GetSecretValue", "BatchGetSecretValue", "PutSecretValue",
                               "UpdateSecret", "UpdateSecretVersionStage", "DescribeSecret", "ListSecrets",
                               "ListSecretVersionIds", "DeleteSecret", "RestoreSecret", "TagResource",
                               "UntagResource", "GetRandomPassword", "NoSuchOperation"};
  if (size == 0) return false;
  service::Request request;
  request.operation = kOps[data[0] % (sizeof(kOps) / sizeof(kOps[0]))];
  request.params = service::Json::parse(data + 1, data + size, nullptr, /*allow_exceptions=*/false);
  if (request.params.is_discarded()) return false;
  if (data[0] & 0x80) {
    request.value = service::SecretValue{projections::ValueKind::kString, crypto::SecureBuffer::FromString("x")};
  }
  service::Decision d = SharedWorld().Decide(request);
  if (!service::internal::ReadEvent(d.payload).ok()) __builtin_trap();  // Decide must emit a valid event
  return !d.error.has_value();
}

bool FuzzCheckpoint(const uint8_t* data, size_t size) {
  const std::string bytes = Bytes(data, size);
  auto body = ledger::ParseCheckpointBody(bytes);
  // Strict parsing means one spelling: what parses formats back to the input.
  if (body.ok() && ledger::FormatCheckpointBody(*body) != bytes) __builtin_trap();
  auto opened = ledger::OpenSignedCheckpoint(bytes, CheckpointVerifier());
  if (opened.ok() && bytes.rfind(ledger::FormatCheckpointBody(*opened) + "\n", 0) != 0) {
    __builtin_trap();  // the checkpoint must be the signed text at the head of the note
  }
  // A replica snapshot's line (service/snapshot.h) is strict too: what parses
  // is the one cairn-snapshot line, spelled as FormatSnapshotExtension spells it.
  for (const auto* checkpoint : {body.ok() ? &*body : nullptr, opened.ok() ? &*opened : nullptr}) {
    if (checkpoint == nullptr) continue;
    auto claim = service::ParseSnapshotClaim(*checkpoint);
    if (!claim.ok()) continue;
    const std::string line = service::FormatSnapshotExtension(*claim);
    if (std::count(checkpoint->extensions.begin(), checkpoint->extensions.end(), line) != 1) __builtin_trap();
  }
  return body.ok() || opened.ok();
}

bool FuzzTar(const uint8_t* data, size_t size) {
  auto members = tools::ReadTar(Bytes(data, size));
  if (!members.ok()) return false;
  // What the reader accepts, written again, reads back the same.
  std::string again;
  for (const auto& [name, contents] : *members) again += tools::TarMember(name, contents);
  again += tools::TarEnd();
  auto reread = tools::ReadTar(again);
  if (!reread.ok() || *reread != *members) __builtin_trap();
  return true;
}

std::vector<std::string> TarSeeds() {
  return {tools::TarEnd(),
          tools::TarMember("MANIFEST.json", "{\"format\":\"cairn-audit-bundle/v1\"}\n") +
              tools::TarMember("records/00000000000000000000.bin", std::string(100, '\x01')) + tools::TarEnd(),
          tools::TarMember("checkpoints/00000000000000000001.note", "origin\n1\nroot\n\n") + tools::TarEnd()};
}

std::vector<std::string> RecordSeeds() {
  std::vector<std::string> seeds;
  crypto::Digest prev{};
  for (const std::string& payload : SharedWorld().payloads) {
    ledger::RecordInput input{1'763'800'000'000, {"user:fuzz", "LocalUser", "fuzz", "req", "ua"}, "E", payload};
    seeds.push_back(ledger::EncodeRecord(seeds.size(), prev, input));
    prev = ledger::RecordLeafHash(seeds.back());
  }
  return seeds;
}

std::vector<std::string> EventSeeds() { return SharedWorld().payloads; }

std::vector<std::string> KeyFileSeeds() {
  std::vector<std::string> seeds;
  auto rng = crypto::NewDeterministicRandom(3);
  crypto::SecureBuffer master = crypto::NewMasterKey(*rng);
  crypto::SecureBuffer passphrase = crypto::SecureBuffer::FromString("fuzz");
  const crypto::SecureBuffer* passphrases[] = {nullptr, &passphrase};
  for (const crypto::SecureBuffer* p : passphrases) {
    std::string path = "/tmp/cairn-fuzz-seed-" + std::to_string(getpid()) + (p ? "-p" : "-k");
    unlink(path.c_str());
    if (crypto::WriteMasterKeyFile(path, master, p, *rng, crypto::ScryptParams{1024, 8, 1}).ok()) {
      FILE* f = std::fopen(path.c_str(), "rb");
      std::string bytes;
      for (int c; f && (c = std::fgetc(f)) != EOF;) bytes.push_back(static_cast<char>(c));
      if (f) std::fclose(f);
      seeds.push_back(bytes);
    }
    unlink(path.c_str());
  }
  auto keyring = crypto::Keyring::Create(FixedMaster(), *rng);
  if (keyring.ok()) {
    auto s = keyring->Serialize();
    seeds.emplace_back(s.begin(), s.end());
  }
  return seeds;
}

std::vector<std::string> RequestSeeds() {
  return {
      std::string(1, 0) + R"({"Name":"a/b","ClientRequestToken":"00000000-0000-4000-8000-00000000000a","Tags":[{"Key":"k","Value":"v"}]})",
      std::string(1, 1) + R"({"SecretId":"fuzz/db","VersionStage":"AWSPENDING"})",
      std::string(1, 2) + R"({"SecretIdList":["fuzz/db","nope"]})",
      std::string(1, 7) + R"({"Filters":[{"Key":"all","Values":["!fuzz"]}],"MaxResults":1})",
      std::string(1, 5) + R"({"SecretId":"fuzz/db","VersionStage":"AWSCURRENT","RemoveFromVersionId":"00000000-0000-4000-8000-000000000001","MoveToVersionId":"00000000-0000-4000-8000-000000000002"})",
      std::string(1, 13) + R"({"PasswordLength":12,"ExcludeCharacters":"abc","IncludeSpace":true})",
  };
}

std::vector<std::string> ApiRequestSeeds() {
  bus::ApiRequestMsg plain;
  plain.request_id = "00000000-0000-4000-8000-000000000001";
  plain.operation = "ListSecrets";
  bus::ApiRequestMsg with_value;
  with_value.request_id = "00000000-0000-4000-8000-000000000002";
  with_value.operation = "PutSecretValue";
  with_value.params_json = R"({"SecretId":"fuzz/db"})";
  with_value.value = bus::WireValue{0, 1, crypto::SecureBuffer::FromString("v3")};
  with_value.deadline_ms = 1000;
  with_value.user_agent = "cairn-cli/0.2";
  std::vector<std::string> seeds;
  for (const bus::ApiRequestMsg* r : {&plain, &with_value}) {
    seeds.emplace_back(bus::EncodeRequest(*r).as_string_view());
  }
  return seeds;
}

std::vector<std::string> ApiResponseSeeds() {
  bus::ApiResponseMsg error;
  error.request_id = "00000000-0000-4000-8000-000000000001";
  error.error_code = "ResourceNotFoundException";
  error.error_message = "no such secret";
  bus::ApiResponseMsg full;
  full.request_id = "00000000-0000-4000-8000-000000000002";
  full.body_json = R"({"Name":"fuzz/db"})";
  full.values.push_back(bus::WireValue{0, 1, crypto::SecureBuffer::FromString("v1")});
  full.values.push_back(bus::WireValue{1, 2, crypto::SecureBuffer::FromString(std::string("\0\1", 2))});
  full.seq = 42;
  full.leaf_hash[0] = 1;
  full.records.push_back({41, "record-41"});
  std::vector<std::string> seeds;
  for (const bus::ApiResponseMsg* r : {&error, &full}) {
    seeds.emplace_back(bus::EncodeResponse(*r).as_string_view());
  }
  return seeds;
}

std::vector<std::string> CheckpointSeeds() {
  const ledger::Checkpoint size8{
      "example.com/testlog",
      8,
      crypto::DigestFromHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
          .value(),
      {}};
  ledger::Checkpoint extended = size8;
  extended.size = 0;
  extended.root = crypto::Sha256({});
  extended.extensions = {"ext-a", "ext b"};
  ledger::Checkpoint snapshot = size8;
  snapshot.extensions = {service::FormatSnapshotExtension({12, crypto::Sha256({}), size8.root})};
  auto cosigner_rng = crypto::NewDeterministicRandom(5);
  const crypto::Ed25519PrivateKey cosigner = crypto::Ed25519PrivateKey::Generate(*cosigner_rng);
  const std::string body = ledger::FormatCheckpointBody(size8);
  const std::string note = ledger::SignNote(body, "example.com/testlog", CheckpointKey()).value();
  const std::string cosigned = ledger::SignNote(body, "witness.example/w", cosigner).value();
  return {
      body,
      note,
      note + cosigned.substr(body.size() + 1),  // a second signature line, by an unknown key
      ledger::SignNote(ledger::FormatCheckpointBody(extended), "example.com/testlog",
                       CheckpointKey())
          .value(),
      ledger::SignNote(ledger::FormatCheckpointBody(snapshot), "example.com/testlog", CheckpointKey()).value(),
  };
}

namespace {

// Aborts (a crash to libFuzzer and to the smoke test) when an invariant fails.
void Require(bool holds) {
  if (!holds) std::abort();
}

// A fixed request with every key present, and one with every key missing.
iam::RequestContext PolicyContext(bool full) {
  static const iam::Tags principal_tags = {{"team", "dev"}, {"level", "3"}};
  static const iam::Tags resource_tags = {{"env", "dev"}};
  static const std::vector<std::string> tag_keys = {"env", "team"};
  iam::RequestContext ctx;
  ctx.action = "secretsmanager:GetSecretValue";
  ctx.resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/db-AbCdEf";
  ctx.principal_arn = "arn:aws:iam::111122223333:user/alice";
  if (!full) return ctx;
  ctx.principal_tags = &principal_tags;
  ctx.resource_tags = &resource_tags;
  ctx.request_tags = &resource_tags;
  ctx.secret_name = "dev/db";
  ctx.secret_id = "dev/db";
  ctx.version_stage = "AWSCURRENT";
  ctx.tag_keys = &tag_keys;
  ctx.source_ip = "10.1.2.3";
  ctx.current_time_ms = 1795392000000;
  return ctx;
}

// Compiles `doc` as `kind`; checks Validate agrees and Evaluate's invariants.
bool CheckPolicy(std::string_view doc, iam::PolicyKind kind) {
  const iam::CompileOptions options{kind, "111122223333"};
  auto compiled = iam::Compile(doc, options);
  const std::vector<iam::Finding> findings = iam::Validate(doc, options);
  if (!compiled.ok()) {
    Require(compiled.status().code() == StatusCode::kInvalidArgument);
    Require(findings.size() == 1 && findings[0].check_name == "SYNTAX_CHECKS" &&
            findings[0].message == compiled.status().message());
    return false;
  }
  const bool is_public = iam::GrantsPublicAccess(**compiled);
  Require(findings.size() == (is_public ? 1u : 0u));
  static const std::shared_ptr<const iam::CompiledPolicy> admin =
      iam::Compile(R"({"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}})", {}).value();
  for (bool full : {true, false}) {
    const iam::RequestContext ctx = PolicyContext(full);
    const iam::NamedPolicy self{"fuzz", compiled->get()};
    const iam::NamedPolicy both[] = {self, {"admin", admin.get()}};
    const bool identity = kind == iam::PolicyKind::kIdentity;
    const iam::Decision d = identity ? iam::Evaluate({&self, 1}, nullptr, ctx) : iam::Evaluate({}, &self, ctx);
    Require((d.verdict == iam::Verdict::kImplicitDeny) == d.statement.empty());
    // An explicit Deny stays the same Deny whatever Allow is added after it.
    const iam::Decision with_admin =
        identity ? iam::Evaluate(both, nullptr, ctx) : iam::Evaluate({&both[1], 1}, &self, ctx);
    if (d.verdict == iam::Verdict::kExplicitDeny) {
      Require(with_admin.verdict == iam::Verdict::kExplicitDeny && with_admin.statement == d.statement);
    } else {
      Require(with_admin.verdict == iam::Verdict::kAllow);
    }
  }
  return true;
}

}  // namespace

bool FuzzPolicy(const uint8_t* data, size_t size) {
  const std::string doc = Bytes(data, size);
  const bool identity = CheckPolicy(doc, iam::PolicyKind::kIdentity);
  const bool resource = CheckPolicy(doc, iam::PolicyKind::kResource);
  return identity || resource;
}

std::vector<std::string> PolicySeeds() {
  return {
      R"({"Version":"2012-10-17","Statement":[{"Sid":"ReadDev","Effect":"Allow",)"
      R"("Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"*",)"
      R"("Condition":{"StringEquals":{"secretsmanager:ResourceTag/env":"dev"}}}]})",
      R"({"Version":"2012-10-17","Statement":[{"Sid":"NoProd","Effect":"Deny","NotAction":"cairn:*",)"
      R"("Resource":["arn:aws:secretsmanager:*:*:secret:prod/*","dev/*"],"Condition":{)"
      R"("NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},)"
      R"("DateLessThanIfExists":{"aws:CurrentTime":"2026-12-01T00:00:00Z"},)"
      R"("ForAllValues:StringLike":{"aws:TagKeys":["env","team*"]},"Null":{"aws:RequestTag/x":"true"}}}]})",
      R"({"Version":"2012-10-17","Statement":[{"Sid":"Bob","Effect":"Allow",)"
      R"("Principal":{"AWS":["arn:aws:iam::111122223333:user/bob","999988887777"]},)"
      R"("Action":"secretsmanager:Get*","Resource":"*","Condition":{"NumericLessThan":)"
      R"({"aws:PrincipalTag/level":5},"Bool":{"aws:PrincipalTag/admin":true}}},)"
      R"({"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*",)"
      R"("NotResource":"arn:aws:iam::*:user/*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/?x*"}}}]})",
  };
}

namespace {

constexpr char kSigV4Secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// FuzzSigV4's input: "<Authorization value>\n<path>\n<query>\n" then
// "<name>:<value>\n" header lines up to an empty line, then the body.
struct SigV4Input {
  std::string path, query, body;
  std::vector<std::pair<std::string, std::string>> headers;
  gateway::HttpRequestView View() const { return {"POST", path, query, headers, body}; }
};

SigV4Input SplitSigV4(std::string_view in) {
  SigV4Input out;
  const auto next_line = [&in] {
    const size_t end = std::min(in.find('\n'), in.size());
    std::string line(in.substr(0, end));
    in.remove_prefix(std::min(end + 1, in.size()));
    return line;
  };
  out.headers.emplace_back("Authorization", next_line());
  out.path = next_line();
  out.query = next_line();
  while (!in.empty()) {
    const std::string line = next_line();
    if (line.empty()) break;
    const size_t colon = line.find(':');
    out.headers.emplace_back(line.substr(0, colon),
                             colon == std::string::npos ? "" : line.substr(colon + 1));
  }
  out.body = std::string(in);
  return out;
}

// No message may carry the secret key, unless the client sent it itself: the
// errors quote the client's own Authorization header, as AWS's do, and a
// fuzzer soon learns to put the key there.
template <typename T>
void CheckMessage(const gateway::SigV4Result<T>& result, std::string_view input) {
  if (!result.ok() && result.error.message.find(kSigV4Secret) != std::string::npos &&
      input.find(kSigV4Secret) == std::string_view::npos)
    __builtin_trap();
}

std::string SignedSigV4Seed(SigV4Input input, const std::vector<std::string>& names,
                            const std::string& region) {
  const std::string date = "20261122T200723Z";
  input.headers.emplace_back("X-Amz-Date", date);
  const gateway::CredentialScope scope{"AKIDEXAMPLE", date.substr(0, 8), region, "secretsmanager"};
  std::string seed =
      gateway::SignRequest(input.View(), names, scope, date, crypto::AsBytes(kSigV4Secret));
  seed += "\n" + input.path + "\n" + input.query + "\n";
  for (const auto& [name, value] : input.headers) seed += name + ":" + value + "\n";
  return seed + "\n" + input.body;
}

}  // namespace

bool FuzzSigV4(const uint8_t* data, size_t size) {
  const std::string_view sent(reinterpret_cast<const char*>(data), size);
  const SigV4Input input = SplitSigV4(Bytes(data, size));
  const gateway::HttpRequestView request = input.View();
  const std::string& authorization = input.headers.front().second;
  (void)gateway::CanonicalUri(input.path);
  (void)gateway::CanonicalQuery(input.query);
  const auto parsed = gateway::ParseAuthorization(authorization);
  CheckMessage(parsed, sent);
  const crypto::ByteView secret = crypto::AsBytes(kSigV4Secret);
  if (parsed.ok()) {
    CheckMessage(
        gateway::CanonicalRequest(request, parsed.value.signed_headers, "UNSIGNED-PAYLOAD"), sent);
    // Even if CheckRequest would refuse.
    CheckMessage(gateway::VerifySignature(request, parsed.value, secret), sent);
  }
  gateway::VerifyOptions options;
  options.region = "us-east-1";
  for (int64_t now : {INT64_MIN, int64_t{0}, INT64_MAX}) {  // clock extremes must not overflow
    options.now_unix_seconds = now;
    CheckMessage(gateway::CheckRequest(request, options), sent);
  }
  const std::string_view* date = gateway::FindHeader(request, "x-amz-date");
  if (date == nullptr || !gateway::ParseAmzDate(*date, &options.now_unix_seconds)) return false;
  const auto checked = gateway::CheckRequest(request, options);
  CheckMessage(checked, sent);
  if (!checked.ok()) return false;
  const auto verified = gateway::VerifySignature(request, checked.value, secret);
  CheckMessage(verified, sent);
  return verified.ok();
}

std::vector<std::string> SigV4Seeds() {
  const std::string body = R"({"SecretId": "dummy/app-db"})";
  SigV4Input boto{"/",
                  "",
                  body,
                  {{"Host", "127.0.0.1:42855"},
                   {"X-Amz-Target", "secretsmanager.GetSecretValue"},
                   {"Content-Type", "application/x-amz-json-1.1"},
                   {"User-Agent", "aws-cli/2.9.19 Python/3.11.2 (unsigned)"}}};
  SigV4Input js = boto;
  js.headers.emplace_back("x-amz-content-sha256",
                          crypto::ToHex(crypto::Sha256(crypto::AsBytes(body))));
  js.headers.emplace_back("X-Amz-Security-Token", "DUMMY-SESSION-TOKEN/EXAMPLE+token==");
  SigV4Input odd{"/a/./b/../c%20d//",
                 "b=2&a=1&c&%E1%88%B4=x+y",
                 "",
                 {{"Host", "example.com"}, {"My-Header", " a   b "}, {"my-header", "c"}}};
  return {
      SignedSigV4Seed(boto, {"content-type", "host", "x-amz-date", "x-amz-target"}, "us-east-1"),
      SignedSigV4Seed(js,
                      {"content-type", "host", "x-amz-content-sha256", "x-amz-date",
                       "x-amz-security-token", "x-amz-target"},
                      "us-east-1"),
      SignedSigV4Seed(odd, {"host", "my-header", "x-amz-date"}, "us-east-1"),
  };
}

// The first line is the X-Amz-Target value, the rest the body. An accepted
// input is one that decodes without a decode error; the Request it makes
// then runs through Decide against an empty state, as the daemon would.
bool FuzzAwsJson(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view target = input.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  std::optional<std::string> operation = gateway::OperationFromTarget(target);
  if (!operation.has_value()) return false;
  service::Request request = gateway::ParseRequestBody(*operation, body);
  for (const char* member : {"SecretString", "SecretBinary"}) {
    auto it = request.params.find(member);
    if (it != request.params.end() && !(it->is_string() && it->get_ref<const std::string&>().empty())) {
      std::abort();  // a value left in the params would reach the audit
    }
  }
  projections::SecretsView state;
  service::DecideEnv env;
  env.now_ms = 1'700'000'000'000;
  env.rng = &crypto::SystemRandom();
  service::Decision decision = service::Decide(request, state, env);
  (void)decision;
  return !request.decode_error.has_value();
}

std::vector<std::string> AwsJsonSeeds() {
  return {
      "secretsmanager.CreateSecret\n{\"Name\":\"a/b\",\"ClientRequestToken\":\"11111111-2222-4333-8444-555555555555\","
      "\"SecretString\":\"v\",\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}",
      "secretsmanager.PutSecretValue\n{\"SecretId\":\"a\",\"SecretBinary\":\"AAECAw==\",\"VersionStages\":[\"X\"]}",
      "secretsmanager.ListSecrets\n{\"Filters\":[{\"Key\":\"name\",\"Values\":[\"a\"]}],\"MaxResults\":2}",
      "secretsmanager.GetSecretValue\n{\"SecretId\": \"a\", \"VersionStage\": \"AWSPREVIOUS\"}",
  };
}

}  // namespace cairn::fuzz
