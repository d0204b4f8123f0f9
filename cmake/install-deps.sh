#!/usr/bin/env bash
# Installs, with apt-get, the Debian 12 packages weft builds against, skipping any already
# present. Run as root on a fresh machine:   cmake/install-deps.sh
#   --bench   also the side-by-side anchors' toolchains (Go 1.19, Boost.Fiber 1.81)
#   --no-clang  skip Clang/LLVM 16 (weft-instrument is then skipped by CMake)
#   --no-browser  skip Chromium (the HTML trace's browser test is then skipped)
set -euo pipefail

packages=(
  g++ cmake make libgtest-dev libbenchmark-dev
  libboost-context1.81-dev nlohmann-json3-dev libcli11-dev libfmt-dev
)
with_clang=1
with_browser=1
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(golang-1.19-go libboost-fiber1.81-dev) ;;
    --no-clang) with_clang=0 ;;
    --no-browser) with_browser=0 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done
[ "$with_clang" = 1 ] && packages+=(clang-16 libclang-16-dev llvm-16-dev)
# Headless Chromium loads the HTML trace in tests/tools/browser_test.cpp.
[ "$with_browser" = 1 ] && packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: need root to install: ${missing[*]} (run with sudo)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
