// Fuzz targets for every parser of untrusted bytes. Each function takes any
// bytes and must neither crash nor trip a sanitizer. They run two ways: as
// libFuzzer binaries (cmake -DCAIRN_FUZZ=ON with clang; see README), and as a
// bounded mutation smoke test in the default suite (fuzz_smoke_test.cc).
#ifndef CAIRN_TESTS_FUZZ_FUZZ_TARGETS_H_
#define CAIRN_TESTS_FUZZ_FUZZ_TARGETS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cairn::fuzz {

bool FuzzRecord(const uint8_t* data, size_t size);    // ledger::DecodeRecord + ChainVerifier
bool FuzzEvent(const uint8_t* data, size_t size);     // event verifier + SecretsView::Apply
bool FuzzKeyFile(const uint8_t* data, size_t size);   // master key file + keyring parsers
bool FuzzRequest(const uint8_t* data, size_t size);   // JSON request params -> Decide
bool FuzzCheckpoint(const uint8_t* data, size_t size);  // checkpoint body + signed note
bool FuzzApiRequest(const uint8_t* data, size_t size);   // bus::DecodeRequest (+ DecodeResponse), round trip
bool FuzzApiResponse(const uint8_t* data, size_t size);  // bus::DecodeResponse, round trip
bool FuzzTar(const uint8_t* data, size_t size);          // cairn-audit's bundle reader (ustar), round trip
bool FuzzPolicy(const uint8_t* data, size_t size);       // iam::Compile (both kinds) + Validate + Evaluate
bool FuzzSigV4(const uint8_t* data, size_t size);        // gateway SigV4: parse, canonicalise, check, verify
bool FuzzAwsJson(const uint8_t* data, size_t size);      // gateway: X-Amz-Target + AWS JSON body -> Request -> Decide
bool FuzzBatch(const uint8_t* data, size_t size);        // bus::SplitBatch (events bus batch body), round trip

// Valid inputs to start mutating from.
std::vector<std::string> RecordSeeds();
std::vector<std::string> EventSeeds();
std::vector<std::string> KeyFileSeeds();
std::vector<std::string> RequestSeeds();
std::vector<std::string> AwsJsonSeeds();
std::vector<std::string> CheckpointSeeds();
std::vector<std::string> ApiRequestSeeds();
std::vector<std::string> ApiResponseSeeds();
std::vector<std::string> TarSeeds();
std::vector<std::string> PolicySeeds();
std::vector<std::string> SigV4Seeds();
std::vector<std::string> BatchSeeds();

}  // namespace cairn::fuzz

#endif  // CAIRN_TESTS_FUZZ_FUZZ_TARGETS_H_
