// Decide against a live SecretsView: every Decision's event is verified and fed
// back through SecretsView::Apply at increasing seqs, its key writes go to an
// in-memory `keys` family, and the engine's maintenance pass runs after every
// call. Values can be opened again from the recorded ciphertext, as the engine
// does, to check what a read would return.
#ifndef CAIRN_TESTS_SERVICE_HARNESS_H_
#define CAIRN_TESTS_SERVICE_HARNESS_H_

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/keyring.h"
#include "crypto/random.h"
#include "ledger/record.h"
#include "projections/secrets.h"
#include "schema/events_generated.h"
#include "service/api.h"
#include "service/decide.h"

namespace cairn::service::testing {

inline constexpr int64_t kHourMs = 60LL * 60 * 1000;
inline constexpr int64_t kDayMs = 24 * kHourMs;
inline constexpr int64_t kT0 = 1709658180123;  // 2024-03-05T17:03:00.123Z
inline constexpr char kRegion[] = "eu-west-1";
inline constexpr char kAccount[] = "123456789012";
inline constexpr char kArnPrefix[] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:";

// A ClientRequestToken: 36 characters, distinct per `n`.
inline std::string Token(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

inline SecretValue StringValue(const std::string& s) {
  return SecretValue{projections::ValueKind::kString, crypto::SecureBuffer::FromString(s)};
}
inline SecretValue BinaryValue(const std::string& s) {
  return SecretValue{projections::ValueKind::kBinary, crypto::SecureBuffer::FromString(s)};
}

// The verified event of a payload; borrows `payload`.
inline const schema::Event* EventOf(const std::string& payload) {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  REQUIRE(schema::VerifyEventBuffer(verifier));
  return schema::GetEvent(payload.data());
}
inline const schema::Event* EventOf(const Decision& d) { return EventOf(d.payload); }
// The verified event of a stored record; borrows `record`.
inline const schema::Event* EventOf(const ledger::RecordFields& record) { return EventOf(record.payload); }
// The record's Audit.error_code ("" on success).
inline std::string ErrorCodeOf(const ledger::RecordFields& record) {
  const schema::Audit* audit = EventOf(record)->audit();
  return audit && audit->error_code() ? audit->error_code()->str() : "";
}

inline std::string Str(const flatbuffers::String* s) { return s == nullptr ? "" : s->str(); }

// The error code of a decision ("" on success), and its message.
inline std::string ErrorCode(const Decision& d) { return d.error.has_value() ? d.error->code : ""; }
inline std::string ErrorMessage(const Decision& d) {
  return d.error.has_value() ? d.error->message : "";
}

class Harness {
 public:
  Harness() : rng_(crypto::NewDeterministicRandom(7)), keyring_(MakeKeyring(*rng_)) {
    token_key_.assign(32, 0x5A);
    flatbuffers::FlatBufferBuilder fbb;
    auto body = schema::CreateLedgerInitializedDirect(fbb, "ledger-1", kRegion, kAccount, "mk");
    auto audit = schema::CreateAuditDirect(fbb, "InitLedger", "", false, "AwsServiceEvent");
    schema::FinishEventBuffer(
        fbb, schema::CreateEvent(fbb, audit, schema::Body::LedgerInitialized, body.Union()));
    Decision init;
    init.payload.assign(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
    Apply(init);
  }

  DecideEnv Env() {
    DecideEnv env;
    env.now_ms = now_ms;
    env.rng = rng_.get();
    env.keyring = &keyring_;
    env.token_key = crypto::ByteView(token_key_);
    return env;
  }

  // Decides `op`, applies its event and the maintenance pass that follows.
  Decision Call(const std::string& op, Json params,
                std::optional<SecretValue> value = std::nullopt) {
    Request request;
    request.operation = op;
    request.params = std::move(params);
    request.value = std::move(value);
    DecideEnv env = Env();
    Decision d = Decide(request, view, env);
    Apply(d);
    if (auto_maintain) Maintain();
    return d;
  }

  std::vector<Decision> Maintain() {
    DecideEnv env = Env();
    std::vector<Decision> purges = DecideMaintenance(view, env);
    for (const Decision& d : purges) Apply(d);
    return purges;
  }

  void Apply(const Decision& d) {
    const schema::Event* event = EventOf(d);
    std::vector<std::string> touched;
    Status s = view.Apply(seq, now_ms, *event, &touched);
    INFO(s.ToString());
    REQUIRE(s.ok());
    payloads[seq] = d.payload;
    ++seq;
    for (const ledger::WriteOp& op : d.key_writes.ops()) {
      REQUIRE(op.family == ledger::Family::kKeys);
      if (op.is_delete) {
        keys.erase(op.key);
      } else {
        keys[op.key] = op.value;
      }
    }
    decisions.push_back(d.payload);
  }

  // What the engine would return for `v`: the ciphertext from the record at
  // value_seq, the wrapped DEK from `keys`, opened under the keyring.
  std::string Open(const ValueToOpen& v) {
    const schema::Event* event = EventOf(payloads.at(v.value_seq));
    const schema::VersionWritten* written = nullptr;
    if (auto* c = event->body_as_SecretCreated()) written = c->version();
    if (auto* p = event->body_as_SecretValuePut()) written = p->version();
    if (auto* m = event->body_as_SecretMetadataUpdated()) written = m->version();
    REQUIRE(written != nullptr);
    REQUIRE(Str(written->version_id()) == v.version_id);
    auto entry = keys.find(KeyEntryKey(v.arn, v.version_id));
    REQUIRE(entry != keys.end());
    const std::string& e = entry->second;
    REQUIRE(e.size() > 4);
    uint32_t kek = (uint32_t{static_cast<uint8_t>(e[0])} << 24) |
                   (uint32_t{static_cast<uint8_t>(e[1])} << 16) |
                   (uint32_t{static_cast<uint8_t>(e[2])} << 8) |
                   uint32_t{static_cast<uint8_t>(e[3])};
    REQUIRE(kek == v.kek_version);
    Result<crypto::SecureBuffer> plain = keyring_.OpenValue(
        crypto::ByteView(written->ciphertext()->data(), written->ciphertext()->size()),
        crypto::AsBytes(std::string_view(e).substr(4)), kek, ValueContext(v.arn, v.version_id));
    REQUIRE(plain.ok());
    return std::string(plain->as_string_view());
  }

  // Convenience calls.
  Decision Create(const std::string& name, const std::string& value, int token = 1,
                  Json extra = Json::object()) {
    extra["Name"] = name;
    extra["ClientRequestToken"] = Token(token);
    return Call("CreateSecret", std::move(extra), StringValue(value));
  }
  Decision Put(const std::string& id, const std::string& value, int token,
               Json extra = Json::object()) {
    extra["SecretId"] = id;
    extra["ClientRequestToken"] = Token(token);
    return Call("PutSecretValue", std::move(extra), StringValue(value));
  }
  // The value GetSecretValue returns (REQUIREs success).
  std::string GetValue(const std::string& id, Json extra = Json::object()) {
    extra["SecretId"] = id;
    Decision d = Call("GetSecretValue", std::move(extra));
    INFO(ErrorCode(d) + " " + ErrorMessage(d));
    REQUIRE_FALSE(d.error.has_value());
    REQUIRE(d.to_open.size() == 1);
    return Open(d.to_open[0]);
  }
  const projections::Secret& SecretNamed(const std::string& name) {
    const projections::Secret* s = view.FindByName(name);
    REQUIRE(s != nullptr);
    return *s;
  }

  void Advance(int64_t ms) { now_ms += ms; }

  projections::SecretsView view;
  bool auto_maintain = true;  // run DecideMaintenance after every call, as the engine does
  uint64_t seq = 0;
  int64_t now_ms = kT0;
  std::map<std::string, std::string> keys;   // the `keys` family
  std::map<uint64_t, std::string> payloads;  // the `log` family, events only
  std::vector<std::string> decisions;        // every payload, in order

 private:
  static crypto::Keyring MakeKeyring(crypto::RandomSource& rng) {
    crypto::SecureBuffer master(32);
    for (size_t i = 0; i < 32; ++i) master.data()[i] = static_cast<uint8_t>(i * 7 + 1);
    Result<crypto::Keyring> k = crypto::Keyring::Create(std::move(master), rng);
    REQUIRE(k.ok());
    return std::move(k).value();
  }

  std::unique_ptr<crypto::RandomSource> rng_;
  crypto::Keyring keyring_;
  std::vector<uint8_t> token_key_;
};

// Labels of `version_id` as the projection holds them, e.g. "AWSCURRENT,AWSPENDING".
inline std::string Labels(const projections::Secret& s, const std::string& version_id) {
  const projections::Version* v = s.FindVersion(version_id);
  if (v == nullptr) return "<absent>";
  std::string out;
  for (const std::string& l : v->stages) out += (out.empty() ? "" : ",") + l;
  return out;
}

}  // namespace cairn::service::testing

#endif  // CAIRN_TESTS_SERVICE_HARNESS_H_
