// The recorded schedule of an iteration, kept compact as it is recorded, and the version 3
// replay token it serialises to (versions 1 and 2 are still read).
//
// A schedule is the sequence of choices the strategy made. Recorded naively it grows 4 bytes
// per decision (131 MiB for a 20 M-decision livelock); its token grows a byte per decision.
// Here it is a sequence of operations, each a varint header h (kind = h & 3, count = h >> 2)
// and its operands, all unsigned LEB128:
//   kind 0, literal: `count` choices follow, one varint each;
//   kind 1, run:     one varint v follows: `count` choices, all v;
//   kind 2, draws:   varints seed and first follow: `count` choices, the k-th (from 0) being
//                    draw number first + k of Rng(seed), reduced to the options there as
//                    Rng::below does (a choice among n is (draw * n) >> 64).
// The random strategy's choices are exactly such draws, so a whole random iteration is one
// `draws` operation of a few bytes whatever its length; other strategies' choices are
// literal, with repeats folded into runs.
//
// Token: "w3-" + base64url of the fingerprint, then the operations. The fingerprint says
// what the choices were recorded against, so that a token replayed against anything else
// fails clearly instead of running some other schedule (and passing):
//   varint  schedule semantics (kScheduleSemantics of the weft that recorded it);
//   varint  schedule space and what the exploration reported, kSpace* bits: bit 0 set;
//           bit 1 = memory accesses were scheduling points (ExploreOptions::schedule_accesses);
//           bit 2 = condition variables could wake spuriously (WEFT_SPURIOUS_WAKEUPS, a choice
//           at each wait); bit 3 = bits 4 and 5 are recorded: bit 4 = the race detector ran
//           (ExploreOptions::detect_races), bit 5 = lock-order inversions warned instead of
//           failing (ExploreOptions::lock_order; only with bit 4); bit 6 = a call site follows
//           the test;
//   4 bytes the test: test_fingerprint() of ExploreOptions::name, little-endian; 0 when the
//           exploration had no name;
//   with bit 6: 4 bytes call_site_fingerprint() of the weft::explore() call, little-endian;
//           written only when the exploration had no name. (Not its line: a token is the
//           same whichever line of the function explored it, and a replay records it again.)
// A w3 token written before bits 3 to 6 existed has them clear: the detector settings and
// the call site are not checked for it. Version 2 ("w2-": the operations alone) was written
// before the fingerprint; it reads as schedule semantics 1 with the space and the test
// unknown (not checked).
//
// Invariants:
//  - the closed operations (bytes_) followed by the open ones (pending_bytes) are the
//    whole schedule, in order; no memory beyond the closed operations' bytes grows;
//  - stream_token allocates nothing (a crash handler calls it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <source_location>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace weft::detail {

class Rng;

// The meaning of a schedule's choices: which operations of a goroutine are scheduling points
// (where the controlled scheduler asks the strategy for a choice) and in what order the
// choices are asked. BUMP IT WHEN THE SET OF SCHEDULING POINTS CHANGES (an operation becomes
// or stops being one, a choice is added or moved): a token recorded under another number
// is refused ("recorded by an older weft; re-run the exploration to get a new token")
// rather than replayed as some other schedule. Version 1: the points of weft 0.1. Version 2:
// unlocks are not scheduling points, and a try-lock of a mutex released since the trying
// goroutine's point is a choice (controlled.hpp). Version 3: RWMutex and std::shared_mutex
// unlocks are not points either (with the same try-lock choice), and a try-lock right after
// one that failed that way may fail as if before a release since the first one's point.
inline constexpr std::uint32_t kScheduleSemantics = 3;

// The bits of TokenFingerprint::space (the "w3-" header above).
enum : std::uint32_t {
  kSpaceKnown = 1,             // set in every version 3 fingerprint
  kSpaceAccesses = 2,          // memory accesses were scheduling points
  kSpaceSpurious = 4,          // condition variables could wake spuriously
  kSpaceDetectorKnown = 8,     // kSpaceRaces and kSpaceLockOrderWarn are recorded
  kSpaceRaces = 16,            // the race detector ran (data races, lock-order inversions)
  kSpaceLockOrderWarn = 32,    // lock-order inversions warned (LockOrderMode::warn)
  kSpaceSite = 64,             // the explore() call site follows the test
};

// What a token was recorded against (the "w3-" header above).
struct TokenFingerprint {
  std::uint32_t semantics = kScheduleSemantics;
  std::uint32_t space = 0;  // kSpace* bits; 0: unknown (a version 1 or 2 token)
  std::uint32_t test = 0;   // test_fingerprint(name); 0: unknown
  std::uint32_t site = 0;   // with kSpaceSite: call_site_fingerprint() of the explore() call
  bool operator==(const TokenFingerprint&) const = default;
};

// A test's name as the fingerprint keeps it: 32-bit FNV-1a of its bytes (0 is made 1; ""
// is 0, no name). The weft CLI computes the same to name the test a token came from.
std::uint32_t test_fingerprint(std::string_view name) noexcept;

// A weft::explore() call as the fingerprint keeps it: 32-bit FNV-1a of the last component of
// its file's path and its function's name (never 0). Not the line, so that an edit above the
// call (a fix of the bug the token shows) keeps its tokens replayable; two calls in one
// function share it.
std::uint32_t call_site_fingerprint(const std::source_location& where) noexcept;
std::uint32_t call_site_fingerprint(std::string_view file, std::string_view function) noexcept;

// The settings a token's fingerprint records.
struct TokenSettings {
  std::string_view name;           // ExploreOptions::name
  bool schedule_accesses = true;   // ExploreOptions::schedule_accesses
  bool spurious_wakeups = true;    // WEFT_SPURIOUS_WAKEUPS
  bool detect_races = true;        // ExploreOptions::detect_races
  bool lock_order_warn = false;    // ExploreOptions::lock_order == warn
  const std::source_location* where = nullptr;  // the explore() call (kept without a name)
};

// The fingerprint of an exploration with these settings.
TokenFingerprint make_fingerprint(const TokenSettings& settings) noexcept;
// The fingerprint a w3 token recorded before the detector settings and the call site were
// kept (kSpaceDetectorKnown and kSpaceSite clear): tests make old tokens with it.
TokenFingerprint make_fingerprint(std::string_view name, bool schedule_accesses,
                                  bool spurious_wakeups) noexcept;

// Why a token recorded with `token` cannot be replayed by an exploration with `here` (named
// `name`, called at `where`), or "". The call site is checked when the token names no test
// and both sides know their call site; the detector settings when both sides recorded them.
std::string fingerprint_mismatch(const TokenFingerprint& token, const TokenFingerprint& here,
                                 std::string_view name,
                                 const std::source_location* where = nullptr);

// While one lives, ScheduleLogs made on this thread record `f` (explore() sets its own for
// its iterations; a nested one restores the outer one's when it ends).
class FingerprintScope {
 public:
  explicit FingerprintScope(const TokenFingerprint& f) noexcept;
  ~FingerprintScope();
  FingerprintScope(const FingerprintScope&) = delete;
  FingerprintScope& operator=(const FingerprintScope&) = delete;

 private:
  TokenFingerprint saved_;
};

class ScheduleLog {
 public:
  // Records the fingerprint of this thread's FingerprintScope (or the default one).
  ScheduleLog() noexcept;
  // A choice the strategy made by its own rule.
  void push(std::uint32_t choice) {
    if (run_count_ && choice == run_value_ && !draw_count_) {  // the common case, inline
      ++run_count_;
      ++size_;
      return;
    }
    if (run_count_ == 1 && !draw_count_ && nlits_ < kMaxLiterals) {
      // A choice that differs from a lone one (goroutines taking turns): the lone one
      // becomes a literal, as push_slow's close_run would make it.
      lits_[nlits_++] = run_value_;
      run_value_ = choice;
      ++size_;
      return;
    }
    push_slow(choice);
  }
  // A choice that is draw number `index` of Rng(seed), reduced to the options.
  void push_drawn(std::uint64_t seed, std::uint64_t index) {
    if (draw_count_ && seed == draw_seed_ && index == draw_first_ + draw_count_) {
      ++draw_count_;
      ++size_;
      return;
    }
    push_drawn_slow(seed, index);
  }
  // Choices recorded.
  std::uint64_t size() const noexcept { return size_; }
  // Bytes held by closed operations (memory use grows with these only).
  std::size_t encoded_bytes() const noexcept { return bytes_.size(); }

  // "w3-...".
  std::string token() const;
  // Writes the token in pieces to out(ctx, text, length); allocates nothing.
  void stream_token(void (*out)(void* ctx, const char* s, std::size_t n), void* ctx) const noexcept;

 private:
  static constexpr std::size_t kMaxLiterals = 31;  // a literal header then fits one byte
  static constexpr std::uint64_t kMinRun = 3;      // shorter repeats stay literal
  // Writes the open operations into `out` (room for kPendingMax bytes); returns the length.
  static constexpr std::size_t kPendingMax = 320;
  std::size_t pending_bytes(std::uint8_t* out) const noexcept;
  void push_slow(std::uint32_t choice);
  void push_drawn_slow(std::uint64_t seed, std::uint64_t index);
  void close_run();
  void close_draws();
  void flush_literals();

  TokenFingerprint fingerprint_;
  std::vector<std::uint8_t> bytes_;  // closed operations
  std::uint64_t size_ = 0;
  std::uint32_t lits_[kMaxLiterals] = {};  // open literal operation
  std::size_t nlits_ = 0;
  std::uint32_t run_value_ = 0;  // open run (its count may still be below kMinRun)
  std::uint64_t run_count_ = 0;
  std::uint64_t draw_seed_ = 0;  // open draws operation
  std::uint64_t draw_first_ = 0;
  std::uint64_t draw_count_ = 0;
};

// A schedule decoded from a token, read front to back by the replay strategy.
class ScheduleTape {
 public:
  ScheduleTape();
  ~ScheduleTape();
  ScheduleTape(ScheduleTape&&) noexcept;
  ScheduleTape& operator=(ScheduleTape&&) noexcept;
  // From a plain list of choices (a version 1 token).
  static ScheduleTape literal(std::vector<std::uint32_t> choices);
  // Choices on the tape.
  std::uint64_t size() const noexcept { return size_; }
  std::uint64_t position() const noexcept { return pos_; }
  bool at_end() const noexcept { return pos_ >= size_; }
  // The next choice among `n` options (it may be >= n for a literal: the caller checks).
  // Requires !at_end().
  std::uint64_t take(std::size_t n);
  // If the choice just taken came from a draws operation: its seed and draw number.
  bool last_drawn(std::uint64_t& seed, std::uint64_t& index) const noexcept;
  // What the token was recorded against (version 1 and 2: semantics 1, the rest unknown).
  const TokenFingerprint& fingerprint() const noexcept { return fingerprint_; }

 private:
  friend ScheduleTape decode_schedule(const std::string& token);
  enum class Kind : std::uint8_t { literal, run, draws };
  struct Op {
    Kind kind;
    std::uint64_t count;
    std::uint64_t a;  // literal: index of its first choice in literals_; run: value; draws: seed
    std::uint64_t b;  // draws: number of the first draw
  };
  std::vector<Op> ops_;
  std::vector<std::uint32_t> literals_;
  std::uint64_t size_ = 0;
  std::uint64_t pos_ = 0;
  std::size_t op_ = 0;      // current operation
  std::uint64_t in_op_ = 0;  // choices taken from it
  std::unique_ptr<Rng> rng_;  // draws: the generator, positioned after the last draw taken
  bool drawn_ = false;
  std::uint64_t drawn_seed_ = 0, drawn_index_ = 0;
  TokenFingerprint fingerprint_{1, 0, 0, 0};
};

// Decodes a "w3-" or "w2-" token, or a "w1-" one (token.cpp); throws std::invalid_argument
// naming what is wrong.
ScheduleTape decode_schedule(const std::string& token);

}  // namespace weft::detail
