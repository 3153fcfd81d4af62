#!/usr/bin/env bash
# The AVX-512 kernels are tested on any CPU, not only on machines that have
# AVX-512: compile them against SIMDe (CMake option PIXELPACT_EMULATE_AVX512,
# shim in cpp/tests/emulation) and compare them with the reference kernels:
#   1. ctest -R isa: test_isa.cpp's kernel, pipeline and stride sweeps, avx512
#      included (and proven to run: its kernels report "avx512 (emulated)");
#   2. tests/isa/test_isa_parity.py's avx512 cases through the Python package built with
#      the option, installed into build/avx512-emulated-py and put first on
#      PYTHONPATH (the environment's own pixelpact is not touched).
# This checks the kernels' logic (lanes, shuffles, masks, tails, what they read
# and write) as far as SIMDe follows Intel's semantics, not that real AVX-512
# hardware gives the same bytes: runs on machines that have it still do that.
# Needs libsimde-dev and a Python environment with the test extra (numpy,
# pytest, cmake, ninja); pip builds the package in isolation as usual.
# Build tree: build/avx512-emulated.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
step() { echo "== avx512 emulated: $* ($((SECONDS - start)) s)"; }

# SIMDe comes from Debian (.ci/run's DEB_PACKAGES installs it on a fresh machine).
if [ ! -f /usr/include/simde/x86/avx512.h ]; then
  echo "avx512-emulated.sh: SIMDe is missing: apt-get install libsimde-dev (as root)" >&2
  exit 1
fi

# One build tree for both: the library is compiled once, into the Python
# package and into the C++ ISA tests.
step "building (pixelpact._core and pixelpact_isa_tests)"
site=build/avx512-emulated-py
rm -rf "$site"
python -m pip install --quiet --no-deps --target "$site" . -C build-dir=build/avx512-emulated \
  -C cmake.define.PIXELPACT_EMULATE_AVX512=ON -C cmake.define.PIXELPACT_BUILD_TESTS=ON \
  -C "build.targets=_core;pixelpact_isa_tests"

step "C++ ISA tests (ctest -R isa)"
log=build/avx512-emulated/isa.log
status=0
ctest --test-dir build/avx512-emulated -R '^isa$' -V >"$log" 2>&1 || status=$?
grep -E "vs reference|supported:|emulated with SIMDe|^[^ ]*: *(ok|FAIL) |crashed|wrong at|differs from|tests passed|failed" "$log" |
  sed -E 's/^[0-9]+: //' | cut -c1-300 || true
[ "$status" = 0 ] || { echo "avx512-emulated.sh: the emulated avx512 kernels fail the ISA tests (full log: $log)" >&2; exit 1; }
# Prove the avx512 kernels ran, not only avx2 and the reference.
grep -q "supported: avx512 " "$log"
for sweep in kernel "chain writer" pipeline stride; do
  grep -qE "avx512 vs reference: [0-9]+ $sweep cases, 0 differ" "$log"
done

step "Python ISA tests (tests/isa/test_isa_parity.py -k avx512)"
PYTHONPATH="$PWD/$site" python -c "
import pixelpact
assert pixelpact.__file__.startswith('$PWD/$site'), pixelpact.__file__
kernels = pixelpact.load(open('tests/contracts/resnet50_imagenet_eval.json').read(), isa='avx512').kernels
assert 'avx512 (emulated)' in kernels.values(), kernels
print('pixelpact', pixelpact.__file__, pixelpact.supported_isas())"
PYTHONPATH="$PWD/$site" python -m pytest -q -p no:cacheprovider tests/isa/test_isa_parity.py -k avx512
step "ok"
