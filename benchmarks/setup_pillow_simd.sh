#!/usr/bin/env bash
# Make the interpreter bench.py uses for the Pillow-SIMD peer.
#
# Pillow-SIMD installs under the import name PIL, so it cannot share an
# interpreter with Pillow 13. This makes a virtual environment that has its own
# Pillow-SIMD and sees every package of the interpreter that runs this script
# (the active virtual environment: numpy, torch, torchvision, pixelpact ...):
# a .pth file in the new venv adds the invoking interpreter's site-packages
# (site.addsitedir, so their own .pth files work too) *after* the venv's own
# site-packages, where Pillow-SIMD shadows Pillow. pixelpact comes from the
# invoking environment as well, so the subprocess times the very same build as
# bench.py's main process; only if that environment has no pixelpact is one
# installed from this checkout into the new venv.
#
#   benchmarks/setup_pillow_simd.sh [VENV]     (default benchmarks/.venv-pillow-simd)
#
# Run it with the environment bench.py uses active (or PYTHON=/path/to/python).
# Needs a C compiler and the libjpeg and zlib headers (Debian: apt-get install
# libjpeg-dev zlib1g-dev). Pillow-SIMD's SIMD paths are chosen at compile time:
# its setup.py adds only -msse4, so AVX2 needs CC="cc -mavx2", as its README says
# (PILLOW_SIMD_CC overrides it). Rerunning the script rebuilds the venv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
venv=${1:-$here/.venv-pillow-simd}
python=${PYTHON:-python3}
version=${PILLOW_SIMD_VERSION:-12.1.1.post0}
cc_flags=${PILLOW_SIMD_CC:-cc -mavx2}

command -v "$python" >/dev/null || { echo "no interpreter '$python' (set PYTHON)" >&2; exit 2; }
# The invoking interpreter's site directories, in its own order (user site
# included when it is enabled), and whether it already has the peers.
sites=$("$python" - <<'EOF'
import os, site
dirs = list(site.getsitepackages())
if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
    dirs.append(site.getusersitepackages())
print("\n".join(d for d in dirs if os.path.isdir(d)))
EOF
)
missing=$("$python" - <<'EOF'
import importlib.util
print(" ".join(m for m in ("numpy", "torch", "torchvision") if importlib.util.find_spec(m) is None))
EOF
)
if [ -n "$missing" ]; then
    echo "$python lacks $missing: activate the environment bench.py runs in (pip install \".[test]\")," \
         "or set PYTHON" >&2
    exit 2
fi

if [ -e "$venv" ]; then
    [ -f "$venv/pyvenv.cfg" ] || { echo "$venv exists and is not a virtual environment: not replacing it" >&2; exit 2; }
    rm -rf "$venv"
fi
"$python" -m venv "$venv"
# The venv's own site-packages: where Pillow-SIMD goes, ahead of the shared ones.
own=$("$venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')
{
    echo "# made by setup_pillow_simd.sh: the packages of $("$python" -c 'import sys; print(sys.executable)')"
    while IFS= read -r dir; do
        [ -n "$dir" ] && printf 'import site; site.addsitedir(%s)\n' \
            "$("$python" -c 'import sys; print(repr(sys.argv[1]))' "$dir")"
    done <<< "$sites"
} > "$own/_invoking_env.pth"

"$venv/bin/python" -m pip install --quiet --upgrade pip
CC="$cc_flags" "$venv/bin/python" -m pip install --no-cache-dir --force-reinstall --no-deps \
    "pillow-simd==$version"
if ! "$venv/bin/python" -c 'import pixelpact' 2>/dev/null; then
    echo "the invoking environment has no pixelpact: installing this checkout into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --no-deps "$root"
fi
"$venv/bin/python" - "$own" <<'EOF'
import os, sys
from importlib import metadata
import PIL, numpy, pixelpact, torch, torchvision
simd = metadata.version("pillow-simd")
if PIL.__version__ != simd:
    sys.exit(f"PIL {PIL.__version__} from {PIL.__file__} shadows Pillow-SIMD {simd}")
if not os.path.realpath(PIL.__file__).startswith(os.path.realpath(sys.argv[1])):
    sys.exit(f"PIL comes from {PIL.__file__}, not from this venv's {sys.argv[1]}")
print(f"Pillow-SIMD {simd} ({PIL.__file__}), pixelpact {pixelpact.__version__} ({pixelpact.__file__}), "
      f"torch {torch.__version__}, torchvision {torchvision.__version__}, numpy {numpy.__version__}")
EOF
echo "interpreter: $venv/bin/python"
