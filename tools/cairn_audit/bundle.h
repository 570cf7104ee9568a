// cairn-audit bundle / verify --bundle: a self-contained, offline-verifiable
// export of a ledger as a POSIX ustar archive.
//
// Members (in this order):
//   MANIFEST.json       {"format":"cairn-audit-bundle/v1","origin","records","head","root","verifier_key"}
//   verifier.key        the ledger's C2SP verifier key line ("<name>+<hex id>+<base64>\n")
//   records/<seq>.bin   the exact stored record bytes; seq as 20-digit zero-padded decimal
//   checkpoints/<size>.note  every stored signed note; size as 20-digit zero-padded decimal
//
// The tar code is a minimal ustar writer/reader (regular files only; the reader
// also skips directory entries). Reading is strict: header checksums, the
// "ustar" magic, octal fields, member data within the archive and the
// end-of-archive marker are all checked.
#ifndef CAIRN_TOOLS_CAIRN_AUDIT_BUNDLE_H_
#define CAIRN_TOOLS_CAIRN_AUDIT_BUNDLE_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/status.h"
#include "ledger/store.h"

namespace cairn::tools {

inline constexpr char kBundleFormat[] = "cairn-audit-bundle/v1";

// One ustar header + data (padded to 512) for a regular file.
std::string TarMember(std::string_view name, std::string_view data);
// The end-of-archive marker: two zero blocks.
std::string TarEnd();
// Parses a whole archive into name -> data. DataLoss "truncated tar: ..." or
// "malformed tar: ..." naming the offset and the problem.
Result<std::map<std::string, std::string>> ReadTar(std::string_view archive);

// Writes the bundle of `store` (opened read-only) to `out_path`. Exit code.
int BundleCommand(const ledger::Store& store, const std::string& out_path);
// Verifies a bundle offline. Exit 0 ok, 1 does not verify, 2 cannot read it.
int VerifyBundleCommand(const std::string& path, const std::string& pin_key, bool json);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_AUDIT_BUNDLE_H_
