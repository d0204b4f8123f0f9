// kvcache/protocol.cpp — parsing commands and formatting replies.
#include "kvcache/protocol.hpp"

#include <charconv>

namespace kvcache {

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > 250) return false;
  for (char c : key)
    if (c <= ' ' || c == 0x7f) return false;
  return true;
}

std::string escape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (c == ' ') out += "%20";
    else if (c == '%') out += "%25";
    else out += c;
  }
  return out;
}

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      std::string_view code = text.substr(i + 1, 2);
      if (code == "20") {
        out += ' ';
        i += 2;
        continue;
      }
      if (code == "25") {
        out += '%';
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

namespace {
Command invalid(std::string why) {
  Command c;
  c.op = Op::invalid;
  c.error = std::move(why);
  return c;
}

bool upper_equals(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i]) return false;
  }
  return true;
}
}  // namespace

Command parse_command(std::string_view line) {
  std::vector<std::string_view> w = split_words(line);
  if (w.empty()) return invalid("empty command");
  Command c;
  std::string_view verb = w[0];
  std::size_t want_min = 1, want_max = 1;
  if (upper_equals(verb, "GET")) {
    c.op = Op::get;
    want_min = want_max = 2;
  } else if (upper_equals(verb, "SET")) {
    c.op = Op::set;
    want_min = 3;
    want_max = 4;
  } else if (upper_equals(verb, "DEL")) {
    c.op = Op::del;
    want_min = want_max = 2;
  } else if (upper_equals(verb, "APPEND")) {
    c.op = Op::append;
    want_min = want_max = 3;
  } else if (upper_equals(verb, "STATS")) {
    c.op = Op::stats;
  } else if (upper_equals(verb, "PING")) {
    c.op = Op::ping;
  } else {
    return invalid("unknown command '" + std::string(verb) + "'");
  }
  if (w.size() < want_min || w.size() > want_max)
    return invalid("wrong number of arguments for " + std::string(op_name(c.op)));
  if (w.size() >= 2) {
    if (!valid_key(w[1])) return invalid("bad key");
    c.key = std::string(w[1]);
  }
  if (w.size() >= 3) c.value = unescape(w[2]);
  if (w.size() == 4) {
    std::int64_t ttl = 0;
    auto [end, ec] = std::from_chars(w[3].data(), w[3].data() + w[3].size(), ttl);
    if (ec != std::errc() || end != w[3].data() + w[3].size() || ttl < 0)
      return invalid("bad ttl '" + std::string(w[3]) + "'");
    c.ttl_ms = ttl;
  }
  return c;
}

std::string_view op_name(Op op) {
  switch (op) {
    case Op::get: return "GET";
    case Op::set: return "SET";
    case Op::del: return "DEL";
    case Op::append: return "APPEND";
    case Op::stats: return "STATS";
    case Op::ping: return "PING";
    case Op::invalid: break;
  }
  return "INVALID";
}

std::string format_reply(const Reply& r) {
  switch (r.status) {
    case Status::value: return "VALUE " + escape(r.body);
    case Status::not_found: return "NOT_FOUND";
    case Status::stored: return "STORED";
    case Status::updated: return "UPDATED";
    case Status::deleted: return "DELETED";
    case Status::length: return "LENGTH " + r.body;
    case Status::stats: return "STATS " + r.body;
    case Status::pong: return "PONG";
    case Status::error: break;
  }
  return "ERROR " + r.body;
}

}  // namespace kvcache
