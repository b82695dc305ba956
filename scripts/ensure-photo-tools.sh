#!/usr/bin/env bash
# Makes .venv/ (gitignored) with scikit-image, Pillow and matplotlib from PyPI, if missing: the producers of the
# face-photo fixtures (scripts/make-photos.py), whose source photographs ship inside the scikit-image and matplotlib
# wheels and the thumbor 7.8.0 sdist (Wikimedia portraits, CC BY-SA; kept as a file in .venv/sources, never
# installed). Never a runtime dependency of the worker. Prints the interpreter's path.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c 'import skimage, PIL, importlib.util as u; assert u.find_spec("matplotlib")' 2>/dev/null; then
  if [ ! -x .venv/bin/python ]; then
    if ! python3 -c 'import ensurepip' 2>/dev/null; then
      if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
      $sudo apt-get update >&2
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends python3-venv >&2
    fi
    python3 -m venv .venv >&2
  fi
  .venv/bin/pip install --quiet scikit-image Pillow >&2
  # Only for its sample data (grace_hopper.jpg): no dependencies, never imported.
  .venv/bin/pip install --quiet --no-deps matplotlib >&2
fi
# Only for its test photographs (tests/fixtures/images, thumbor/fixtures/filters): the source archive, not installed.
if [ ! -f .venv/sources/thumbor-7.8.0.tar.gz ]; then
  .venv/bin/pip download --quiet --no-deps --no-binary :all: thumbor==7.8.0 -d .venv/sources >&2
fi
echo "$PWD/.venv/bin/python"
