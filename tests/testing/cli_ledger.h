// A ledger made by the real `cairn init` in a temporary directory, with helpers
// to run `cairn` and `cairn-audit` on it as a user would.
#ifndef CAIRN_TESTS_TESTING_CLI_LEDGER_H_
#define CAIRN_TESTS_TESTING_CLI_LEDGER_H_

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace cairn::testing {

// No passphrase from the environment: the dev key file is used.
inline const std::map<std::string, std::string> kNoPassphraseEnv = {{"CAIRN_PASSPHRASE", ""}};

struct CliLedger {
  TempDir tmp;
  std::string dir = tmp.sub("d");

  CliLedger() { REQUIRE(Run({ToolPath("cairn"), "init", "--data-dir", dir}, kNoPassphraseEnv).exit_code == 0); }

  // cairn --data-dir <dir> <args...>
  RunResult Cairn(std::vector<std::string> args) const {
    args.insert(args.begin(), {ToolPath("cairn"), "--data-dir", dir});
    return Run(args, kNoPassphraseEnv);
  }
  // The same, requiring success.
  void Call(std::vector<std::string> args) const { REQUIRE(Cairn(std::move(args)).exit_code == 0); }
  // cairn-audit <verb> --data-dir <dir> <rest...>
  RunResult Audit(std::vector<std::string> args) const {
    args.insert(args.begin(), ToolPath("cairn-audit"));
    args.insert(args.begin() + 2, {"--data-dir", dir});
    return Run(args);
  }
  // Writes `text` to a file in the temporary directory; returns its path.
  std::string Save(const std::string& name, const std::string& text) const {
    std::ofstream(tmp.sub(name), std::ios::binary) << text;
    return tmp.sub(name);
  }
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_TESTING_CLI_LEDGER_H_
