// The compact schedule and version 3 tokens; see schedule.hpp for the format.
#include "schedule.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "rng.hpp"
#include "token.hpp"

namespace weft::detail {

namespace {

constexpr const char* kPrefix2 = "w2-";
constexpr const char* kPrefix3 = "w3-";

// What ScheduleLogs made on this thread record (FingerprintScope).
thread_local TokenFingerprint current_fingerprint;
enum : std::uint64_t { kLiteral = 0, kRun = 1, kDraws = 2 };

template <class Put>
void put_varint(Put&& put, std::uint64_t v) {
  do {
    std::uint8_t b = v & 0x7f;
    v >>= 7;
    put(static_cast<std::uint8_t>(v ? b | 0x80 : b));
  } while (v);
}

// Base64url without padding, fed byte by byte, writing through a fixed buffer.
class Base64Out {
 public:
  Base64Out(void (*out)(void*, const char*, std::size_t), void* ctx) : out_(out), ctx_(ctx) {}
  void text(const char* s) {
    while (*s) put_char(*s++);
  }
  void byte(std::uint8_t b) {
    acc_ = (acc_ << 8) | b;
    bits_ += 8;
    while (bits_ >= 6) {
      bits_ -= 6;
      put_char(kBase64Url[(acc_ >> bits_) & 63]);
    }
  }
  void finish() {
    if (bits_ > 0) put_char(kBase64Url[(acc_ << (6 - bits_)) & 63]);
    bits_ = 0;
    out_(ctx_, buf_, len_);
    len_ = 0;
  }

 private:
  void put_char(char c) {
    if (len_ == sizeof buf_) {
      out_(ctx_, buf_, len_);
      len_ = 0;
    }
    buf_[len_++] = c;
  }
  void (*out_)(void*, const char*, std::size_t);
  void* ctx_;
  char buf_[256];
  std::size_t len_ = 0;
  std::uint32_t acc_ = 0;
  int bits_ = 0;
};

std::invalid_argument bad_token(const std::string& why) {
  return std::invalid_argument("replay token " + why + "; copy it whole from the report");
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Fingerprints.

std::uint32_t test_fingerprint(std::string_view name) noexcept {
  if (name.empty()) return 0;
  std::uint32_t h = 2166136261u;
  for (unsigned char c : name) {
    h ^= c;
    h *= 16777619u;
  }
  return h == 0 ? 1 : h;
}

TokenFingerprint make_fingerprint(std::string_view name, bool schedule_accesses,
                                  bool spurious_wakeups) noexcept {
  return {kScheduleSemantics,
          1u | (schedule_accesses ? 2u : 0u) | (spurious_wakeups ? 4u : 0u),
          test_fingerprint(name)};
}

std::string fingerprint_mismatch(const TokenFingerprint& token, const TokenFingerprint& here,
                                 std::string_view name) {
  if (token.semantics != here.semantics)
    return fmt::format(
        "replay token was recorded by {} weft (schedule semantics {}; this weft's is {}): the "
        "operations that are scheduling points changed since, so its choices would replay "
        "another schedule; re-run the exploration to get a new token",
        token.semantics < here.semantics ? "an older" : "a newer", token.semantics,
        here.semantics);
  if (token.test != 0 && here.test != 0 && token.test != here.test)
    return fmt::format(
        "replay token was recorded for another test (test fingerprint {:08x}), not for '{}' "
        "({:08x}): replay it against the test that reported it (its report's replay command "
        "names it)",
        token.test, name, here.test);
  if (token.space != 0 && here.space != 0 && token.space != here.space) {
    const std::uint32_t bit = ((token.space ^ here.space) & 2) ? 2 : 4;
    auto on = [bit](std::uint32_t space) { return (space & bit) ? "on" : "off"; };
    return fmt::format(
        "replay token was recorded with {} {}, and this exploration has them {}: its choices "
        "belong to another schedule space; replay it with the settings that recorded it",
        bit == 2 ? "memory accesses as scheduling points (ExploreOptions::schedule_accesses)"
                 : "spurious wake-ups of condition variables (WEFT_SPURIOUS_WAKEUPS)",
        on(token.space), on(here.space));
  }
  return {};
}

FingerprintScope::FingerprintScope(const TokenFingerprint& f) noexcept
    : saved_(current_fingerprint) {
  current_fingerprint = f;
}

FingerprintScope::~FingerprintScope() { current_fingerprint = saved_; }

// ---------------------------------------------------------------------------------------
// Recording.

ScheduleLog::ScheduleLog() noexcept : fingerprint_(current_fingerprint) {}

void ScheduleLog::push_slow(std::uint32_t c) {
  ++size_;
  if (draw_count_) close_draws();
  if (run_count_ && c == run_value_) {
    ++run_count_;
    return;
  }
  close_run();
  run_value_ = c;
  run_count_ = 1;
}

void ScheduleLog::push_drawn_slow(std::uint64_t seed, std::uint64_t index) {
  ++size_;
  close_run();
  flush_literals();
  close_draws();
  draw_seed_ = seed;
  draw_first_ = index;
  draw_count_ = 1;
}

void ScheduleLog::close_run() {
  if (run_count_ == 0) return;
  auto put = [this](std::uint8_t b) { bytes_.push_back(b); };
  if (run_count_ >= kMinRun) {
    flush_literals();
    put_varint(put, run_count_ << 2 | kRun);
    put_varint(put, run_value_);
  } else {
    for (std::uint64_t i = 0; i < run_count_; ++i) {
      if (nlits_ == kMaxLiterals) flush_literals();
      lits_[nlits_++] = run_value_;
    }
  }
  run_count_ = 0;
}

void ScheduleLog::flush_literals() {
  if (nlits_ == 0) return;
  std::uint8_t buf[2 + kMaxLiterals * 5];  // a one- or two-byte header, 32-bit varints
  std::size_t n = 0;
  auto put = [&](std::uint8_t b) { buf[n++] = b; };
  put_varint(put, std::uint64_t{nlits_} << 2 | kLiteral);
  for (std::size_t i = 0; i < nlits_; ++i) put_varint(put, lits_[i]);
  bytes_.insert(bytes_.end(), buf, buf + n);
  nlits_ = 0;
}

void ScheduleLog::close_draws() {
  if (draw_count_ == 0) return;
  auto put = [this](std::uint8_t b) { bytes_.push_back(b); };
  put_varint(put, draw_count_ << 2 | kDraws);
  put_varint(put, draw_seed_);
  put_varint(put, draw_first_);
  draw_count_ = 0;
}

// The open operations as close_run/flush_literals/close_draws would write them. At most one
// of {literals + short run, run, draws} is non-empty besides the literals: a short run
// adds at most kMinRun - 1 literals, so at most two literal headers.
std::size_t ScheduleLog::pending_bytes(std::uint8_t* out) const noexcept {
  std::size_t n = 0;
  auto put = [&](std::uint8_t b) { out[n++] = b; };
  std::uint32_t lits[kMaxLiterals + kMinRun];
  std::size_t nl = nlits_;
  for (std::size_t i = 0; i < nlits_; ++i) lits[i] = lits_[i];
  bool long_run = run_count_ >= kMinRun;
  if (!long_run)
    for (std::uint64_t i = 0; i < run_count_; ++i) lits[nl++] = run_value_;
  for (std::size_t at = 0; at < nl;) {
    std::size_t k = nl - at < kMaxLiterals ? nl - at : kMaxLiterals;
    put_varint(put, std::uint64_t{k} << 2 | kLiteral);
    for (std::size_t i = 0; i < k; ++i) put_varint(put, lits[at + i]);
    at += k;
  }
  if (long_run) {
    put_varint(put, run_count_ << 2 | kRun);
    put_varint(put, run_value_);
  }
  if (draw_count_) {
    put_varint(put, draw_count_ << 2 | kDraws);
    put_varint(put, draw_seed_);
    put_varint(put, draw_first_);
  }
  return n;
}

void ScheduleLog::stream_token(void (*out)(void*, const char*, std::size_t),
                               void* ctx) const noexcept {
  Base64Out b64(out, ctx);
  b64.text(kPrefix3);
  auto put = [&b64](std::uint8_t b) { b64.byte(b); };
  put_varint(put, fingerprint_.semantics);
  put_varint(put, fingerprint_.space);
  for (int k = 0; k < 4; ++k) b64.byte(static_cast<std::uint8_t>(fingerprint_.test >> (8 * k)));
  for (std::uint8_t b : bytes_) b64.byte(b);
  std::uint8_t pending[kPendingMax];
  std::size_t n = pending_bytes(pending);
  for (std::size_t i = 0; i < n; ++i) b64.byte(pending[i]);
  b64.finish();
}

std::string ScheduleLog::token() const {
  std::string s;
  stream_token([](void* ctx, const char* p, std::size_t n) {
    static_cast<std::string*>(ctx)->append(p, n);
  }, &s);
  return s;
}

// ---------------------------------------------------------------------------------------
// Replaying.

ScheduleTape::ScheduleTape() = default;
ScheduleTape::~ScheduleTape() = default;
ScheduleTape::ScheduleTape(ScheduleTape&&) noexcept = default;
ScheduleTape& ScheduleTape::operator=(ScheduleTape&&) noexcept = default;

ScheduleTape ScheduleTape::literal(std::vector<std::uint32_t> choices) {
  ScheduleTape t;
  t.size_ = choices.size();
  if (!choices.empty()) t.ops_.push_back({Kind::literal, choices.size(), 0, 0});
  t.literals_ = std::move(choices);
  return t;
}

std::uint64_t ScheduleTape::take(std::size_t n) {
  while (in_op_ == ops_[op_].count) {
    ++op_;
    in_op_ = 0;
  }
  const Op& op = ops_[op_];
  drawn_ = false;
  std::uint64_t c = 0;
  switch (op.kind) {
    case Kind::literal: c = literals_[op.a + in_op_]; break;
    case Kind::run: c = op.a; break;
    case Kind::draws:
      if (in_op_ == 0) {
        rng_ = std::make_unique<Rng>(op.a);
        for (std::uint64_t i = 0; i < op.b; ++i) rng_->next();
      }
      c = rng_->below(n);
      drawn_ = true;
      drawn_seed_ = op.a;
      drawn_index_ = op.b + in_op_;
      break;
  }
  ++in_op_;
  ++pos_;
  return c;
}

bool ScheduleTape::last_drawn(std::uint64_t& seed, std::uint64_t& index) const noexcept {
  if (!drawn_) return false;
  seed = drawn_seed_;
  index = drawn_index_;
  return true;
}

ScheduleTape decode_schedule(const std::string& token) {
  const bool v3 = token.rfind(kPrefix3, 0) == 0;
  if (!v3 && token.rfind(kPrefix2, 0) != 0) return ScheduleTape::literal(decode_token(token));

  // Base64url to bytes; the checks are those of version 1 (token.cpp).
  std::vector<std::uint8_t> bytes;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 3; i < token.size(); ++i) {
    int v = base64url_value(token[i]);
    if (v < 0)
      throw bad_token("has an invalid character '" + std::string(1, token[i]) +
                      "' at position " + std::to_string(i));
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
    throw bad_token("is truncated or corrupt (its length or last character is wrong)");

  std::size_t at = 0;
  auto varint = [&](int max_bits) -> std::uint64_t {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (at == bytes.size()) throw bad_token("is truncated (it ends inside an operation)");
      if (shift >= 64) throw bad_token("is corrupt (a number too large)");
      std::uint8_t b = bytes[at++];
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (b & 0x80) continue;
      if (max_bits < 64 && v >> max_bits) throw bad_token("is corrupt (a choice too large)");
      return v;
    }
  };
  ScheduleTape t;
  if (v3) {
    t.fingerprint_.semantics = static_cast<std::uint32_t>(varint(32));
    t.fingerprint_.space = static_cast<std::uint32_t>(varint(32));
    if (bytes.size() - at < 4) throw bad_token("is truncated (it ends inside its fingerprint)");
    t.fingerprint_.test = 0;
    for (int k = 0; k < 4; ++k) t.fingerprint_.test |= std::uint32_t{bytes[at++]} << (8 * k);
  }
  while (at < bytes.size()) {
    std::uint64_t h = varint(64);
    std::uint64_t count = h >> 2;
    if (count == 0) throw bad_token("is corrupt (an empty operation)");
    switch (h & 3) {
      case kLiteral: {
        if (count > bytes.size() - at) throw bad_token("is truncated (it ends inside a list)");
        t.ops_.push_back({ScheduleTape::Kind::literal, count, t.literals_.size(), 0});
        for (std::uint64_t i = 0; i < count; ++i)
          t.literals_.push_back(static_cast<std::uint32_t>(varint(32)));
        break;
      }
      case kRun: t.ops_.push_back({ScheduleTape::Kind::run, count, varint(32), 0}); break;
      case kDraws: {
        std::uint64_t seed = varint(64);
        std::uint64_t first = varint(64);
        if (first > (std::uint64_t{1} << 40))
          throw bad_token("is corrupt (a draw number too large)");
        t.ops_.push_back({ScheduleTape::Kind::draws, count, seed, first});
        break;
      }
      default: throw bad_token("is corrupt (an unknown operation)");
    }
    if (t.size_ + count < t.size_) throw bad_token("is corrupt (too many choices)");
    t.size_ += count;
  }
  return t;
}

}  // namespace weft::detail
