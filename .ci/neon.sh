#!/usr/bin/env bash
# NEON is tested, not assumed: cross-compile the C++ tests for AArch64 with
# Debian's g++-aarch64-linux-gnu, run them under qemu-aarch64 (Debian's
# qemu-user), and compare the NEON output bytes with the x86 reference's.
#   1. ctest under qemu: unit tests, the shared vectors (expected tensors from
#      torchvision, byte for byte) and test_isa (neon vs reference on the target);
#   2. a digest of the test_isa pipeline sweep's outputs: reference on this x86
#      machine == neon under qemu.
# Installs the cross toolchain and qemu with apt-get if missing (needs root).
# Build trees: build/neon (AArch64) and build/neon-host (x86 reference digest);
# logs: build/neon-*.log.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSROOT=/usr/aarch64-linux-gnu
QEMU=(qemu-aarch64 -L "$SYSROOT")
start=$SECONDS
step() { echo "== neon: $* ($((SECONDS - start)) s)"; }
# Runs a command with its output in build/neon-<name>.log, shown only on failure.
quiet() {
  local name=$1
  shift
  mkdir -p build
  "$@" >"build/neon-$name.log" 2>&1 || { cat "build/neon-$name.log"; return 1; }
}

packages=()
command -v aarch64-linux-gnu-g++ >/dev/null || packages+=(g++-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null || packages+=(qemu-user)
# nlohmann_json is header-only: the host's Debian headers serve the target too.
[ -f /usr/include/nlohmann/json.hpp ] || packages+=(nlohmann-json3-dev)
if [ ${#packages[@]} -gt 0 ]; then
  step "installing ${packages[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "neon.sh: missing ${packages[*]}; install them (apt-get, as root) or run this as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

step "cross-compiling for AArch64"
quiet configure cmake -S . -B build/neon "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake \
  -DPIXELPACT_NLOHMANN_DIR=/usr/include -DPIXELPACT_BUILD_TESTS=ON
quiet build cmake --build build/neon --parallel

step "ctest under qemu-aarch64"
log=build/neon-ctest.log
quiet ctest ctest --test-dir build/neon --output-on-failure -V
grep -E "Test command|vs reference|supported:|vectors,|tests passed" "$log"
# Prove the target build compared its NEON kernels, not only the reference.
grep -q "supported: neon reference" "$log"
grep -qE "neon vs reference: [0-9]+ kernel cases, 0 differ" "$log"
grep -qE "neon vs reference: [0-9]+ pipeline cases, 0 differ" "$log"

step "x86 reference digest vs AArch64 neon digest"
quiet host-configure cmake -S . -B build/neon-host "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DPIXELPACT_BUILD_TESTS=ON
quiet host-build cmake --build build/neon-host --parallel --target pixelpact_isa_tests
host=$(build/neon-host/cpp/tests/pixelpact_isa_tests --digest reference)
target=$("${QEMU[@]}" build/neon/cpp/tests/pixelpact_isa_tests --digest neon)
echo "x86-64 : $host"
echo "aarch64: $target"
if [ "${host%% on *}" != "${target%% on *}" ]; then
  echo "neon.sh: NEON outputs under qemu differ from the x86 reference outputs" >&2
  exit 1
fi
step "ok"
