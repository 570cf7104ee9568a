// The aws CLI / SDK credentials file `cairnd --dev` writes for its admin
// (<data-dir>/dev-aws-credentials, mode 0600): a [default] profile with
// aws_access_key_id, aws_secret_access_key and region. cairnd writes it; the
// daemon tests and http_bench read it to sign their own requests.
#ifndef CAIRN_TOOLS_COMMON_DEV_CREDENTIALS_H_
#define CAIRN_TOOLS_COMMON_DEV_CREDENTIALS_H_

#include <string>

#include "crypto/status.h"

namespace cairn::tools {

struct DevAwsCredentials {
  std::string access_key_id, secret_access_key, region;
};

std::string DevAwsCredentialsPath(const std::string& data_dir);  // <data-dir>/dev-aws-credentials
// Its `key = value` lines; NotFound if the file cannot be read, DataLoss if
// it names no access key id or secret.
Result<DevAwsCredentials> ReadDevAwsCredentials(const std::string& data_dir);

}  // namespace cairn::tools

#endif  // CAIRN_TOOLS_COMMON_DEV_CREDENTIALS_H_
