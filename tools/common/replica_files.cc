#include "tools/common/replica_files.h"

#include <fstream>
#include <sstream>

namespace cairn::tools {

std::string ReplicaConfigPath(const std::string& data_dir) { return data_dir + "/replica.json"; }
std::string ReplicaStatusPath(const std::string& data_dir) { return data_dir + "/replica-status.json"; }

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ReadStatusText(const std::string& data_dir) { return ReadTextFile(ReplicaStatusPath(data_dir)); }

}  // namespace cairn::tools
