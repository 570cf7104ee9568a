// A minimal POSIX ustar writer and a strict reader (see tar.h).
#include "tools/cairn_audit/tar.h"

#include <cstring>

namespace cairn::tools {
namespace {

constexpr size_t kBlock = 512;

std::string Octal(uint64_t value, size_t width) {  // width-1 digits then NUL
  std::string digits(width - 1, '0');
  for (size_t i = width - 1; i-- > 0 && value > 0; value >>= 3) digits[i] = static_cast<char>('0' + (value & 7));
  return digits;
}

void Put(std::string& header, size_t offset, std::string_view value) {
  std::memcpy(header.data() + offset, value.data(), value.size());
}

std::string OffsetText(size_t offset) { return " at offset " + std::to_string(offset); }

Result<uint64_t> ParseOctal(std::string_view field, const std::string& what, size_t offset) {
  uint64_t v = 0;
  size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  bool any = false;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (v > (UINT64_MAX >> 3)) return DataLossError("malformed tar: " + what + " overflows" + OffsetText(offset));
    v = (v << 3) | static_cast<uint64_t>(field[i] - '0');
    any = true;
  }
  for (; i < field.size(); ++i) {
    if (field[i] != '\0' && field[i] != ' ') {
      return DataLossError("malformed tar: " + what + " is not octal" + OffsetText(offset));
    }
  }
  if (!any) return DataLossError("malformed tar: empty " + what + OffsetText(offset));
  return v;
}

std::string CString(std::string_view field) { return std::string(field.substr(0, field.find('\0'))); }

}  // namespace

std::string TarMember(std::string_view name, std::string_view data) {
  std::string header(kBlock, '\0');
  Put(header, 0, name.substr(0, 100));
  Put(header, 100, Octal(0644, 8));
  Put(header, 108, Octal(0, 8));
  Put(header, 116, Octal(0, 8));
  Put(header, 124, Octal(data.size(), 12));
  Put(header, 136, Octal(0, 12));
  Put(header, 148, "        ");
  header[156] = '0';
  Put(header, 257, std::string_view("ustar\0", 6));
  Put(header, 263, "00");
  Put(header, 265, "cairn");
  Put(header, 297, "cairn");
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  std::string chk = Octal(sum, 7);  // 6 digits, NUL, then a space
  Put(header, 148, chk);
  header[148 + 6] = '\0';
  header[148 + 7] = ' ';
  std::string out = header;
  out.append(data);
  out.append((kBlock - data.size() % kBlock) % kBlock, '\0');
  return out;
}

std::string TarEnd() { return std::string(2 * kBlock, '\0'); }

Result<std::map<std::string, std::string>> ReadTar(std::string_view archive) {
  std::map<std::string, std::string> members;
  size_t pos = 0;
  for (;;) {
    if (pos + kBlock > archive.size()) {
      return DataLossError("truncated tar: archive ends" + OffsetText(archive.size()) +
                           " without the end-of-archive marker");
    }
    std::string_view header = archive.substr(pos, kBlock);
    if (header.find_first_not_of('\0') == std::string_view::npos) {
      if (pos + 2 * kBlock > archive.size()) {
        return DataLossError("truncated tar: archive ends" + OffsetText(archive.size()) +
                             " inside the end-of-archive marker");
      }
      if (archive.substr(pos + kBlock, kBlock).find_first_not_of('\0') != std::string_view::npos) {
        return DataLossError("malformed tar: a zero block followed by data" + OffsetText(pos));
      }
      return members;
    }
    ASSIGN_OR_RETURN(uint64_t stored_sum, ParseOctal(header.substr(148, 8), "header checksum", pos));
    uint64_t sum = 0;
    for (size_t i = 0; i < kBlock; ++i) {
      sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
    }
    if (sum != stored_sum) {
      return DataLossError("malformed tar: header checksum mismatch" + OffsetText(pos) + " (stored " +
                           std::to_string(stored_sum) + ", computed " + std::to_string(sum) + ")");
    }
    if (header.substr(257, 5) != "ustar") return DataLossError("malformed tar: no ustar magic" + OffsetText(pos));
    std::string name = CString(header.substr(0, 100));
    const std::string prefix = CString(header.substr(345, 155));
    if (!prefix.empty()) name = prefix + "/" + name;
    ASSIGN_OR_RETURN(uint64_t size, ParseOctal(header.substr(124, 12), "size of " + name, pos));
    const char type = header[156];
    const size_t data_at = pos + kBlock;
    const uint64_t padded = (size + kBlock - 1) / kBlock * kBlock;
    if (size > archive.size() || data_at + padded > archive.size()) {
      return DataLossError("truncated tar: member " + name + " needs " + std::to_string(size) + " bytes" +
                           OffsetText(data_at) + " but the archive has " + std::to_string(archive.size()));
    }
    if (type == '0' || type == '\0') {
      if (name.empty()) return DataLossError("malformed tar: member with an empty name" + OffsetText(pos));
      if (!members.emplace(name, std::string(archive.substr(data_at, size))).second) {
        return DataLossError("malformed tar: duplicate member " + name + OffsetText(pos));
      }
    } else if (type != '5') {
      return DataLossError("malformed tar: member " + name + " has unsupported type '" + std::string(1, type) +
                           "'" + OffsetText(pos));
    }
    pos = data_at + padded;
  }
}

}  // namespace cairn::tools
