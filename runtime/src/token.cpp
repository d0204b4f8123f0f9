// Replay tokens: a version tag, then the schedule's choices as unsigned LEB128 varints,
// base64url without padding. Most choices are below 128, so a choice costs one byte
// before encoding. Version 1: "w1-<base64url>".
#include <stdexcept>
#include <string>

#include "token.hpp"

namespace weft::detail {

namespace {
constexpr const char* kPrefix = "w1-";

}  // namespace

int base64url_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::string encode_token(std::span<const std::uint32_t> choices) {
  std::string bytes;
  for (std::uint32_t c : choices) {
    do {
      std::uint8_t b = c & 0x7f;
      c >>= 7;
      bytes.push_back(static_cast<char>(c ? b | 0x80 : b));
    } while (c);
  }
  std::string out = kPrefix;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64Url[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kBase64Url[(acc << (6 - bits)) & 63]);
  return out;
}

std::vector<std::uint32_t> decode_token(const std::string& token) {
  const std::string prefix = kPrefix;
  if (token.rfind("w", 0) == 0 && token.size() > 1 && token.rfind(prefix, 0) != 0 &&
      token.find('-') != std::string::npos)
    throw std::invalid_argument("replay token '" + token.substr(0, 16) +
                                "' has an unknown version; this weft reads w1-, w2- and w3- "
                                "tokens (was it written by a newer weft?)");
  if (token.rfind(prefix, 0) != 0)
    throw std::invalid_argument("replay token must start with 'w1-', 'w2-' or 'w3-' (got '" +
                                token.substr(0, 16) + "'); copy it whole from the report");
  std::string bytes;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = prefix.size(); i < token.size(); ++i) {
    int v = base64url_value(token[i]);
    if (v < 0)
      throw std::invalid_argument("replay token has an invalid character '" +
                                  std::string(1, token[i]) + "' at position " +
                                  std::to_string(i) + "; copy it whole from the report");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // The encoder pads the last byte with 2 or 4 zero bits; 6 leftover bits (one character
  // too many or too few) or non-zero padding cannot come from it.
  if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
    throw std::invalid_argument(
        "replay token is truncated or corrupt (its length or last character is wrong); copy "
        "it whole from the report");
  std::vector<std::uint32_t> out;
  std::uint64_t value = 0;
  int shift = 0;
  bool open = false;
  for (unsigned char b : bytes) {
    value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    open = true;
    if (b & 0x80) {
      shift += 7;
      if (shift > 28) throw std::invalid_argument("replay token is corrupt (choice too large)");
      continue;
    }
    out.push_back(static_cast<std::uint32_t>(value));
    value = 0;
    shift = 0;
    open = false;
  }
  if (open) throw std::invalid_argument("replay token is truncated; copy it whole from the report");
  return out;
}

}  // namespace weft::detail
