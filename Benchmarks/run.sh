#!/usr/bin/env bash
# `make bench`, second part (after Benchmarks/run-table.sh): files per second of `intake check` on one core,
# measured in process with its stage costs, beside pikepdf doing the same work, on a fresh corpus from
# scripts/make-corpus.sh. Benchmarks/README.md says what is measured and keeps the latest figures.
#
# usage: Benchmarks/run.sh [intake-bench check options…]   e.g. --json, --rounds 20, --corpus DIR
# INTAKE_BENCH=PATH uses that intake-bench (with its `intake` beside it) instead of building one.
# Exit status: that of `intake-bench check` (2 with one line on stderr when the peer could not run).
set -euo pipefail
cd "$(dirname "$0")/.."

. Benchmarks/common.sh
# pikepdf from PyPI into .venv/ (gitignored). A failed install is not fatal here: `intake-bench check` still
# prints its own figures, then says why the peer could not run and exits 2.
python=$(scripts/ensure-pikepdf.sh) || {
  echo "run.sh: could not install pikepdf into .venv" >&2
  python=.venv/bin/python
}
# Release build (.build-bench), unless INTAKE_BENCH names one; the `intake` beside it is the inspector child.
release_intake_bench
exec "$INTAKE_BENCH" check --peer-python "$python" "$@"
