#!/usr/bin/env bash
# Makes .venv/ (gitignored) with pikepdf from PyPI, if missing: a producer for the test corpus and the peer of
# the benchmarks. Never a runtime dependency of the worker. Prints the interpreter's path.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c 'import pikepdf' 2>/dev/null; then
  if ! python3 -c 'import ensurepip' 2>/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
    $sudo apt-get update >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends python3-venv >&2
  fi
  python3 -m venv .venv >&2
  .venv/bin/pip install --quiet pikepdf >&2
fi
echo "$PWD/.venv/bin/python"
