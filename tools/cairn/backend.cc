#include "tools/cairn/backend.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>

#include "crypto/master_key.h"
#include "crypto/random.h"
#include "service/engine.h"
#include "tools/common/passphrase.h"

namespace cairn::tools {
ledger::Actor LocalActor() {
  std::string user = "uid-" + std::to_string(::geteuid());
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr) user = pw->pw_name;
  return ledger::Actor{"user:" + user, "LocalUser", "embedded:pid=" + std::to_string(::getpid()),
                       crypto::NewUuidV4(crypto::SystemRandom()), kUserAgent};
}

namespace {

class Embedded : public Backend {
 public:
  explicit Embedded(std::unique_ptr<service::Engine> engine) : engine_(std::move(engine)) {}
  ~Embedded() override {
    auto note = engine_->SignCheckpoint();
    if (!note.ok()) {
      std::fprintf(stderr, "cairn: warning: could not sign a checkpoint: %s\n", note.status().message().c_str());
    }
  }
  Result<service::Response> Execute(const service::Request& request) override {
    return engine_->Execute(request, LocalActor());
  }

 private:
  std::unique_ptr<service::Engine> engine_;
};

class Networked : public Backend {
 public:
  Networked(Profile profile, std::unique_ptr<Remote> remote)
      : profile_(std::move(profile)), remote_(std::move(remote)) {}
  Result<service::Response> Execute(const service::Request& request) override {
    return remote_->Execute(request);
  }
  Remote* remote() override { return remote_.get(); }
  const Profile* profile() const override { return &profile_; }

 private:
  Profile profile_;
  std::unique_ptr<Remote> remote_;
};

}  // namespace

Result<std::unique_ptr<Backend>> OpenEmbedded(const std::string& data_dir, const std::string& passphrase_file) {
  service::OpenOptions options;
  options.data_dir = data_dir;
  ASSIGN_OR_RETURN(auto passphrase, PassphraseFromFileOrEnv(passphrase_file));
  auto needs = crypto::MasterKeyFileNeedsPassphrase(service::KeyFilePath(data_dir));
  if (needs.ok() && *needs && !passphrase.has_value()) {
    ASSIGN_OR_RETURN(auto prompted, PromptPassphrase("Passphrase for " + data_dir + ": "));
    passphrase = std::move(prompted);
  }
  options.passphrase = passphrase.has_value() ? &*passphrase : nullptr;
  ASSIGN_OR_RETURN(auto engine, service::Engine::Open(options));
  RETURN_IF_ERROR(engine->RunMaintenance());
  return std::unique_ptr<Backend>(new Embedded(std::move(engine)));
}

Result<std::unique_ptr<Backend>> OpenRemote(const std::string& profile_path, uint32_t deadline_ms) {
  ASSIGN_OR_RETURN(Profile profile, ReadProfile(profile_path));
  ASSIGN_OR_RETURN(auto remote, Remote::Connect(profile, kUserAgent, deadline_ms));
  return std::unique_ptr<Backend>(new Networked(std::move(profile), std::move(remote)));
}

}  // namespace cairn::tools
