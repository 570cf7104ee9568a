// A minimal POSIX ustar archive: a writer for regular files and a strict
// reader of untrusted bytes (header checksums, the "ustar" magic, octal
// fields, member data within the archive, the end-of-archive marker; directory
// entries are skipped). Used by cairn-audit's bundles (bundle.h); fuzzed by
// tests/fuzz/bundle_tar_fuzz.cc. Pure functions; thread-safe.
#ifndef CAIRN_TOOLS_CAIRN_AUDIT_TAR_H_
#define CAIRN_TOOLS_CAIRN_AUDIT_TAR_H_

#include <map>
#include <string>
#include <string_view>

#include "crypto/status.h"

namespace cairn::tools {

// One ustar header + data (padded to 512) for a regular file.
std::string TarMember(std::string_view name, std::string_view data);
// The end-of-archive marker: two zero blocks.
std::string TarEnd();
// Parses a whole archive into name -> data. DataLoss "truncated tar: ..." or
// "malformed tar: ..." naming the offset and the problem.
Result<std::map<std::string, std::string>> ReadTar(std::string_view archive);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_CAIRN_AUDIT_TAR_H_
