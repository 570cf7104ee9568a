#include "tools/common/dev_credentials.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cairn::tools {

std::string DevAwsCredentialsPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "dev-aws-credentials").string();
}

Result<DevAwsCredentials> ReadDevAwsCredentials(const std::string& data_dir) {
  const std::string path = DevAwsCredentialsPath(data_dir);
  std::ifstream in(path);
  if (!in) return NotFoundError("cannot read " + path);
  DevAwsCredentials c;
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 3);
    if (key == "aws_access_key_id") c.access_key_id = value;
    if (key == "aws_secret_access_key") c.secret_access_key = value;
    if (key == "region") c.region = value;
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) return DataLossError("no access key in " + path);
  return c;
}

}  // namespace cairn::tools
