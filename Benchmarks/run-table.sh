#!/usr/bin/env bash
# `make bench`, first part: the issue-15 table. Every goal's figure beside its peer or baseline, with the ratio,
# the goal, whether it is met, and the machine's facts, in one run: `intake check` of 210 variants of a real
# 36-page PDF and of 60 scans beside pikepdf, `intake work` beside `intake check`, `intake reprocess`
# (Benchmarks/run-reprocess.sh) and splitting (Benchmarks/run-split.sh). Benchmarks/table.py says how each row is
# measured; Benchmarks/README.md keeps the figures. Never fails on a figure.
#
# usage: Benchmarks/run-table.sh [--quick] [--rounds N]
#   --rounds N  runs of each side of rows 1–3 after the warm-up (default 5, or BENCH_ROUNDS)
#   --quick     1 run of each side of rows 1–3 and 3 splits for row 5
# INTAKE=PATH and INTAKE_BENCH=PATH use those binaries instead of building them (release, .build-bench).
# The corpora are cached in .build-bench/corpus/KEY (KEY: a hash of the scripts that make them).
# Exit status: 0; 1 with a line on stderr when a command failed (not a figure); 2 on a usage error.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${BENCH_ROUNDS:-5}
split=()
while (($#)); do
  case "$1" in
    --quick) rounds=1 split=(--split-rounds 3) ;;
    --rounds) rounds=${2:?--rounds needs a number}; shift ;;
    *) echo "usage: $0 [--quick] [--rounds N]" >&2; exit 2 ;;
  esac
  shift
done

. Benchmarks/common.sh
# The real PDF is Debian's libtasn1 manual; qpdf encrypts; pdftoppm (poppler-utils) renders the scans.
apt_install libtasn1-doc qpdf poppler-utils
# pikepdf (the peer) and img2pdf (for the scans) from PyPI into .venv/, never a dependency of intake.
python=$(scripts/ensure-pikepdf.sh)
"$python" -c 'import img2pdf' 2>/dev/null || "$python" -m pip install --quiet img2pdf >&2
release_intake
release_intake_bench

key=$(cat Benchmarks/make-table-corpus.sh Benchmarks/http_load.py | sha256sum | cut -c1-12)
corpus=.build-bench/corpus/$key
if [ ! -f "$corpus/.done" ]; then
  echo "run-table.sh: making the corpora in $corpus…" >&2
  Benchmarks/make-table-corpus.sh "$corpus" "$python"
fi
exec "$python" Benchmarks/table.py --intake "$INTAKE" --intake-bench "$INTAKE_BENCH" --python "$python" \
  --corpus "$corpus" --rounds "$rounds" "${split[@]}"
