// cairn-audit bundle / verify --bundle: a self-contained, offline-verifiable
// export of a ledger as a POSIX ustar archive.
//
// Members (in this order):
//   MANIFEST.json       {"format":"cairn-audit-bundle/v1","origin","records","head","root","verifier_key"}
//   verifier.key        the ledger's C2SP verifier key line ("<name>+<hex id>+<base64>\n")
//   records/<seq>.bin   the exact stored record bytes; seq as 20-digit zero-padded decimal
//   checkpoints/<size>.note  every stored signed note; size as 20-digit zero-padded decimal
//
// The archive is ustar (tools/cairn_audit/tar.h: a strict reader, fuzzed).
#ifndef CAIRN_TOOLS_CAIRN_AUDIT_BUNDLE_H_
#define CAIRN_TOOLS_CAIRN_AUDIT_BUNDLE_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/status.h"
#include "ledger/store.h"
#include "tools/cairn_audit/tar.h"

namespace cairn::tools {

inline constexpr char kBundleFormat[] = "cairn-audit-bundle/v1";

// Writes the bundle of `store` (opened read-only) to `out_path`. Exit code.
int BundleCommand(const ledger::Store& store, const std::string& out_path);
// Verifies a bundle offline. Exit 0 ok, 1 does not verify, 2 cannot read it.
int VerifyBundleCommand(const std::string& path, const std::string& pin_key, bool json);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_AUDIT_BUNDLE_H_
