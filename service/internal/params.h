// Typed, range-checked access to a request's JSON members (API reference §2).
// A member that is absent or JSON null counts as not given. A member of the
// wrong JSON type or outside its model constraint is InvalidParameterException,
// with a message naming the member (never echoing long values).
#ifndef CAIRN_SERVICE_INTERNAL_PARAMS_H_
#define CAIRN_SERVICE_INTERNAL_PARAMS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/status.h"
#include "service/api.h"

namespace cairn::service::internal {

// Length in Unicode code points of UTF-8 text (the model's unit for strings).
size_t CodePointLength(std::string_view utf8);

// A borrowed view of Request::params; `params` must outlive it.
class Params {
 public:
  explicit Params(const Json& params) : params_(params) {}

  // The member, or nullptr when absent or null.
  const Json* Find(std::string_view name) const;
  bool Has(std::string_view name) const { return Find(name) != nullptr; }

  Result<std::optional<std::string>> String(std::string_view name, size_t min_len,
                                            size_t max_len) const;
  Result<std::string> RequiredString(std::string_view name, size_t min_len, size_t max_len) const;
  Result<std::optional<bool>> Bool(std::string_view name) const;
  Result<std::optional<int64_t>> Int(std::string_view name, int64_t min, int64_t max) const;
  // A timestamp as the model has it (epoch seconds, a JSON number, possibly
  // fractional) or as text ("2026-11-23T10:00:00Z" or epoch seconds): ms.
  Result<std::optional<int64_t>> Time(std::string_view name) const;
  // A list of strings: `min_items`..`max_items` items, each `min_len`..`max_len`.
  Result<std::optional<std::vector<std::string>>> StringList(std::string_view name,
                                                             size_t min_items, size_t max_items,
                                                             size_t min_len, size_t max_len) const;

 private:
  const Json& params_;
};

// "2026-11-23T10:00:00Z" or decimal epoch seconds as ms since the epoch;
// nullopt for anything else.
std::optional<int64_t> ParseTimeMs(const std::string& text);

// Checks one string against a length range; the message names `what`.
Status CheckLength(std::string_view what, std::string_view value, size_t min_len, size_t max_len);

}  // namespace cairn::service::internal

#endif  // CAIRN_SERVICE_INTERNAL_PARAMS_H_
