// The files cairn-replica keeps in a DR replica's data directory, which the
// `cairn` CLI reads too (`cairn replica status --data-dir`): replica.json,
// the primary it follows (its presence marks the directory a replica), and
// replica-status.json, what its follow loop writes.
#ifndef CAIRN_TOOLS_COMMON_REPLICA_FILES_H_
#define CAIRN_TOOLS_COMMON_REPLICA_FILES_H_

#include <string>

namespace cairn::tools {

std::string ReplicaConfigPath(const std::string& data_dir);  // <data-dir>/replica.json
std::string ReplicaStatusPath(const std::string& data_dir);  // <data-dir>/replica-status.json
std::string ReadTextFile(const std::string& path);           // "" if it cannot be read
std::string ReadStatusText(const std::string& data_dir);     // replica-status.json's text, "" if none

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_COMMON_REPLICA_FILES_H_
