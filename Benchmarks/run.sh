#!/usr/bin/env bash
# `make bench`: files per second of `intake check` on one core, beside pikepdf doing the same work, on a fresh
# corpus from scripts/make-corpus.sh. Benchmarks/README.md says what is measured and keeps the latest figures.
#
# usage: Benchmarks/run.sh [intake-bench check options…]   e.g. --json, --rounds 20, --corpus DIR
# Exit status: that of `intake-bench check` (2 with one line on stderr when the peer could not run).
set -euo pipefail
cd "$(dirname "$0")/.."

# pikepdf comes from PyPI into .venv/ (gitignored). Debian's python3 needs python3-venv for `-m venv`.
if ! .venv/bin/python -c 'import pikepdf' 2>/dev/null; then
  if ! python3 -c 'import ensurepip' 2>/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends python3-venv
  fi
  # A failed install is not fatal here: `intake-bench check` still prints its own figures, then says why the peer
  # could not run and exits 2.
  { python3 -m venv .venv && .venv/bin/pip install --quiet pikepdf; } ||
    echo "run.sh: could not install pikepdf into .venv" >&2
fi

# Release build in its own scratch path, so it neither replaces the debug build in .build nor waits on its lock.
# Both products: the benchmark runs the inspector child as `intake inspect-server` from the same build folder.
swift build -c release --scratch-path .build-bench --product intake
swift build -c release --scratch-path .build-bench --product intake-bench
exec .build-bench/release/intake-bench check --peer-python .venv/bin/python "$@"
