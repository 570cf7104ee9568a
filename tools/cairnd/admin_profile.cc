#include "tools/cairnd/admin_profile.h"

#include <cstdio>
#include <filesystem>

#include "ledger/checkpoint.h"
#include "service/checkpointer.h"
#include "tools/common/profile.h"

namespace cairn::tools {
namespace {

namespace fs = std::filesystem;
constexpr char kAdminName[] = "admin";

std::string ProfilePath(const DaemonOptions& options) {
  if (!options.admin_profile.empty()) return options.admin_profile;
  return (fs::path(options.data_dir) / (options.dev ? "dev-profile" : "admin-profile")).string();
}

// Replaces the file at `path` with `profile`, atomically.
Status ReplaceProfile(const std::string& path, const Profile& profile) {
  const std::string fresh = path + ".new";
  std::error_code ec;
  fs::remove(fresh, ec);
  RETURN_IF_ERROR(WriteProfile(fresh, profile));
  if (std::rename(fresh.c_str(), path.c_str()) != 0) {
    fs::remove(fresh, ec);
    return InternalError("cannot replace " + path);
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> EnsureAdminProfile(service::Engine& engine, const DaemonOptions& options,
                                       const std::string& server_public_key, const std::string& api_endpoint,
                                       const std::string& events_endpoint, Logger& log) {
  const std::string path = ProfilePath(options);
  Profile wanted;
  wanted.api_endpoint = api_endpoint;
  wanted.events_endpoint = events_endpoint;
  wanted.server_public_key = server_public_key;
  // The ledger's checkpoint verifier key, pinned in the profile for receipts.
  auto verifier = service::ReadLedgerVerifier(engine.ledger().store());
  if (!verifier.ok()) return verifier.status().WithContext("reading the checkpoint key for the admin profile");
  wanted.checkpoint_key = ledger::FormatVerifierKey(*verifier);
  if (!engine.HasPrincipals()) {
    ASSIGN_OR_RETURN(wanted.key, bus::NewCurveKeyPair());
    wanted.principal = kAdminName;
    RETURN_IF_ERROR(WriteProfile(path, wanted).WithContext("writing the admin profile"));
    Status enrolled = engine.EnrolFirstAdmin(kAdminName, wanted.key.public_z85);
    if (!enrolled.ok()) {
      std::error_code ec;
      fs::remove(path, ec);
      return enrolled;
    }
    log.Info("enrolled the first administrator; its profile holds a secret key, keep it safe",
             {{"principal", kAdminName}, {"profile", path}});
    return path;
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::string();
  ASSIGN_OR_RETURN(Profile existing, ReadProfile(path));
  if (existing.api_endpoint == api_endpoint && existing.events_endpoint == events_endpoint &&
      existing.server_public_key == server_public_key &&
      existing.checkpoint_key == wanted.checkpoint_key) {
    return path;
  }
  wanted.principal = existing.principal;
  wanted.key = std::move(existing.key);
  RETURN_IF_ERROR(ReplaceProfile(path, wanted));
  log.Info("updated the endpoints and checkpoint key in the admin profile", {{"profile", path}});
  return path;
}

}  // namespace cairn::tools
