#!/usr/bin/env bash
# Regenerates the golden outputs (expected/) from the inputs (input/) with a built
# weft-instrument. Review the diff before committing it.
#   tests/instrument/regenerate.sh [path/to/weft-instrument]
# (default: build/release/instrument/weft-instrument)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tool=${1:-$repo/build/release/instrument/weft-instrument}
"$tool" --root "$here/input" -o "$here/expected" --prefix-map="$here/input/=" \
  "$here"/input/*.cpp -- -std=c++20
# Two translation units sharing one header, instrumented in one run.
"$tool" --root "$here/input" -o "$here/expected" --prefix-map="$here/input/=" \
  --header-filter="^$here/input/multi/" "$here"/input/multi/*.cpp -- -std=c++20
echo "regenerated goldens in $here/expected"
