// The replay-token text codec shared by both token versions: base64url digits and the
// version 1 format (read, no longer written; version 2 is in schedule.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace weft::detail {

// The 64 base64url digits, in value order.
inline constexpr char kBase64Url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// The value of one base64url character, or -1.
int base64url_value(char c) noexcept;

// "w1-" followed by the choices as unsigned LEB128 in base64url.
std::string encode_token(std::span<const std::uint32_t> choices);
// Throws std::invalid_argument naming what is wrong with the token.
std::vector<std::uint32_t> decode_token(const std::string& token);

}  // namespace weft::detail
