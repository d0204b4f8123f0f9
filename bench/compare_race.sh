#!/usr/bin/env bash
# compare_race.sh — weft's race detector side by side with ThreadSanitizer (issue 4's
# evidence). Builds nothing: run `cmake --build --preset release` first.
#
#   bench/compare_race.sh [--rounds R] [--reps K] [--dir build/release/bench] [--run]
#
# The workloads of bench/race_workloads.hpp (a mutex-protected parallel histogram and a
# shared-read-heavy lookup table) run, in R alternating rounds:
#   std::thread side: race_threads (-O2) and race_threads_tsan (-O2 -fsanitize=thread), each
#     workload in its own process (K reps, median), with the workers running in parallel
#     ("2 threads") and one at a time (--serial 1, "serial": the shape of weft's scheduler);
#   weft side: race_bench (Google Benchmark; BM_Race, detection on and off, 3 runs each) for
#     time, and race_rss (one run in its own process, on and off) for peak RSS. By default
#     the goroutines run under weft::explore (one thread); with --run they run on weft::run
#     at 2 processors (BM_RaceRun, race_rss --run 1), in parallel like TSan's "2 threads".
# Slowdown = tsan/plain and weft on/off, computed per round (the pair ran back to back) from
# wall time and from CPU time (user + system, all threads), then the median over rounds.
# Memory = peak RSS (ru_maxrss) tsan/plain and weft on/off, median over rounds.
set -euo pipefail

rounds=5
reps=3
dir=build/release/bench
bm=BM_Race
rss_mode=(--run 0)
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --run) bm=BM_RaceRun; rss_mode=(--run 1 --procs 2); shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "compare_race: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for b in race_threads race_threads_tsan race_bench race_rss; do
  [ -x "$dir/$b" ] || { echo "compare_race: $dir/$b missing; run: cmake --build --preset release" >&2; exit 1; }
done

# ThreadSanitizer maps its shadow at fixed addresses; on some kernels (high mmap ASLR
# entropy) it aborts with "unexpected memory mapping". Then run it with ASLR disabled.
tsan=("$dir/race_threads_tsan")
probe() { "${tsan[@]}" --workload lookup --workers 2 --table 64 --reads 1000 2>&1; }
if ! out=$(probe) || grep -q "ThreadSanitizer" <<<"$out"; then
  if grep -q "unexpected memory mapping" <<<"$out"; then
    tsan=(setarch "$(uname -m)" -R "$dir/race_threads_tsan")
    echo "compare_race: TSan needs ASLR off here; using setarch -R" >&2
    if ! out=$(probe) || grep -q "ThreadSanitizer" <<<"$out"; then
      echo "compare_race: race_threads_tsan fails even with setarch -R:" >&2; echo "$out" >&2; exit 1
    fi
  else
    echo "compare_race: race_threads_tsan failed:" >&2; echo "$out" >&2; exit 1
  fi
fi

raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
# Lines: <round> <workload> <variant> <metric> <value>
emit_threads() {  # round workload variant serial cmd...
  local r=$1 w=$2 v=$3 s=$4; shift 4
  "$@" --workload "$w" --reps "$reps" --serial "$s" |
    awk -v r="$r" -v w="$w" -v v="$v" '{ sub(/^[a-z]+\./, "", $1); print r, w, v, $1, $2 }' >>"$raw"
}

start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= rounds; r++)); do
  echo "compare_race: round $r/$rounds" >&2
  for w in histogram lookup; do
    wi=$([ "$w" = histogram ] && echo 0 || echo 1)
    for s in 0 1; do
      var=$([ "$s" = 0 ] && echo threads || echo serial)
      emit_threads "$r" "$w" "plain_$var" "$s" "$dir/race_threads"
      emit_threads "$r" "$w" "tsan_$var" "$s" "${tsan[@]}"
    done
    "$dir/race_bench" --benchmark_filter="^$bm/workload:$wi/" --benchmark_format=json 2>/dev/null |
      python3 -c '
import json, sys
r, w = sys.argv[1], sys.argv[2]
for b in json.load(sys.stdin)["benchmarks"]:
    v = "weft_on" if "/detect:1" in b["name"] else "weft_off"
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
    print(r, w, v, "ns", b["real_time"] * scale)
    print(r, w, v, "cpu_ns", b["cpu_time"] * scale)
    print(r, w, v, "accesses", b["accesses"])' "$r" "$w" >>"$raw"
    for d in 0 1; do
      v=$([ "$d" = 1 ] && echo weft_on || echo weft_off)
      "$dir/race_rss" --workload "$w" --detect "$d" "${rss_mode[@]}" |
        awk -v r="$r" -v w="$w" -v v="$v" '$1 == "maxrss_kb" { print r, w, v, $1, $2 }' >>"$raw"
    done
  done
done
elapsed=$(($(date +%s) - start))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
weft_side=$([ "$bm" = BM_RaceRun ] && echo "weft::run, 2 processors" || echo "weft::explore")

python3 - "$raw" "$rounds" "$reps" "$elapsed" "$weft_side" "$load_before" "$load_after" <<'EOF'
import statistics, sys
from collections import defaultdict
raw, rounds, reps, elapsed, weft_side = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
load_before, load_after = sys.argv[6], sys.argv[7]
d = defaultdict(dict)  # (workload, variant, metric) -> {round: value}
for line in open(raw):
    r, w, v, m, x = line.split()
    d[(w, v, m)][int(r)] = float(x)

def med(w, v, m):
    return statistics.median(d[(w, v, m)].values())

def ratio(w, num, den, m):
    a, b = d[(w, num, m)], d[(w, den, m)]
    return statistics.median(a[r] / b[r] for r in a if r in b)

print(f"rounds: {rounds} (medians), std::thread reps per process: {reps}, took {elapsed} s")
print(f"weft side: {weft_side}; load average before: {load_before}, after: {load_after}\n")
print("| workload | TSan slowdown (tsan/plain) | weft slowdown (detect on/off) "
      "| TSan memory (RSS tsan/plain) | weft memory (RSS on/off) |")
print("|---|---|---|---|---|")
for w in ("histogram", "lookup"):
    for var, label in (("threads", "2 threads"), ("serial", "serial")):
        ts = f"{ratio(w, 'tsan_' + var, 'plain_' + var, 'ns'):.1f}x (CPU {ratio(w, 'tsan_' + var, 'plain_' + var, 'cpu_ns'):.1f}x)"
        ws = f"{ratio(w, 'weft_on', 'weft_off', 'ns'):.1f}x (CPU {ratio(w, 'weft_on', 'weft_off', 'cpu_ns'):.1f}x)"
        tm = f"{ratio(w, 'tsan_' + var, 'plain_' + var, 'maxrss_kb'):.1f}x"
        wm = f"{ratio(w, 'weft_on', 'weft_off', 'maxrss_kb'):.1f}x"
        print(f"| {w}, TSan side {label} | {ts} | {ws} | {tm} | {wm} |")

print("\nAbsolute medians (ms wall / ms CPU / peak RSS MiB):\n")
print("| workload | plain 2 thr | TSan 2 thr | plain serial | TSan serial | weft off | weft on | weft ns/access (on-off) wall / CPU |")
print("|---|---|---|---|---|---|---|---|")
for w in ("histogram", "lookup"):
    cells = []
    for v in ("plain_threads", "tsan_threads", "plain_serial", "tsan_serial", "weft_off", "weft_on"):
        cells.append(f"{med(w, v, 'ns') / 1e6:.1f} / {med(w, v, 'cpu_ns') / 1e6:.1f} / {med(w, v, 'maxrss_kb') / 1024:.1f}")
    acc = med(w, "weft_on", "accesses")
    pa = lambda m: statistics.median(
        (d[(w, "weft_on", m)][r] - d[(w, "weft_off", m)][r]) / acc for r in d[(w, "weft_on", m)])
    cells.append(f"{pa('ns'):.0f} / {pa('cpu_ns'):.0f} ({acc:.0f} accesses)")
    print(f"| {w} | " + " | ".join(cells) + " |")
EOF
