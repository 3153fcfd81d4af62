#!/usr/bin/env bash
# Make the interpreter bench.py uses for the Pillow-SIMD peer.
#
# Pillow-SIMD installs under the import name PIL, so it cannot share an
# interpreter with Pillow 13. This makes a virtual environment that sees the
# system site-packages (numpy, torch, torchvision) but has its own Pillow-SIMD,
# which shadows Pillow there, and its own pixelpact from this checkout, so the
# subprocess times the same pixelpact build as the main process.
#
#   benchmarks/setup_pillow_simd.sh [VENV]     (default benchmarks/.venv-pillow-simd)
#
# Needs a C compiler and the libjpeg and zlib headers (Debian: apt-get install
# libjpeg-dev zlib1g-dev). Pillow-SIMD's SIMD paths are chosen at compile time:
# its setup.py adds only -msse4, so AVX2 needs CC="cc -mavx2", as its README says.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
venv=${1:-$here/.venv-pillow-simd}
python=${PYTHON:-python3}
version=${PILLOW_SIMD_VERSION:-12.1.1.post0}
cc_flags=${PILLOW_SIMD_CC:-cc -mavx2}

"$python" -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
CC="$cc_flags" "$venv/bin/python" -m pip install --no-cache-dir --force-reinstall --no-deps \
    "pillow-simd==$version"
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$root"
"$venv/bin/python" - <<'EOF'
import sys
from importlib import metadata
import PIL, pixelpact
simd = metadata.version("pillow-simd")
if PIL.__version__ != simd:
    sys.exit(f"PIL {PIL.__version__} from {PIL.__file__} shadows Pillow-SIMD {simd}")
print(f"Pillow-SIMD {simd} ({PIL.__file__}), pixelpact {pixelpact.__version__} ({pixelpact.__file__})")
EOF
echo "interpreter: $venv/bin/python"
