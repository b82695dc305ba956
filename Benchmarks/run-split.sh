#!/usr/bin/env bash
# Splitting bundles: seconds per split of a 540-page bundle into 10 documents on one core, beside pikepdf splitting
# the same page ranges; then peak resident memory of both splitting a bundle of about 220 MB (20 scanned pages).
# Benchmarks/README.md ("Splitting bundles") says what is measured and keeps the latest figures.
#
# usage: Benchmarks/run-split.sh [--json] [--rounds N] [--time-only]   (--rounds applies to the first measurement;
# --time-only skips the second, and the writing of its big bundle)
# With --json, one JSON document: {"split": …, "peak_memory": …}, each as `intake-bench split --json` prints it
# (no "peak_memory" with --time-only). INTAKE_BENCH=PATH uses that intake-bench instead of building one.
# Exit status: 0, or that of the first `intake-bench split` that failed (2 with one line on stderr).
set -euo pipefail
cd "$(dirname "$0")/.."

json=()
speed=()
memory=1
while (($#)); do
  case "$1" in
    --json) json=(--json) ;;
    --rounds) speed+=(--rounds "${2:?--rounds needs a number}"); shift ;;
    --time-only) memory=0 ;;
    *) echo "usage: $0 [--json] [--rounds N] [--time-only]" >&2; exit 2 ;;
  esac
  shift
done

. Benchmarks/common.sh
# The 540-page bundle is Debian's libtasn1 manual, 15 times.
apt_install libtasn1-doc qpdf
# pikepdf from PyPI into .venv/ (gitignored), as for `make bench`. A failed install is not fatal here: each
# `intake-bench split` still prints its own figures, then says why the peer could not run and exits 2.
python=$(scripts/ensure-pikepdf.sh) || {
  echo "run-split.sh: could not install pikepdf into .venv" >&2
  python=.venv/bin/python
}

# Release build (Benchmarks/common.sh), unless INTAKE_BENCH names one. `split` needs only the benchmark; the
# product is built too, as by the other scripts, so .build-bench always holds an `intake` that matches it.
release_intake_bench
bench=$INTAKE_BENCH

status=0
((${#json[@]})) && printf '{"split": '
# 1. Time: the default bundle (540 pages), as many splits as fill 3 s unless --rounds.
"$bench" split --peer-python "$python" "${speed[@]}" "${json[@]}" || status=$?
if ((!memory)); then
  ((${#json[@]})) && printf '}\n'
  exit "$status"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/intake-split-XXXXXX")
trap 'rm -rf "$work"' EXIT
# 20 colour "scans" of about 11 MB of noise each (incompressible, like real scans), concatenated by qpdf, which
# flate-compresses the raw images as a scanner's PDF would have them: about 220 MB in all. Separate files, so
# nothing is shared between pages.
echo "run-split.sh: writing a bundle of 20 scanned pages (about 220 MB)…" >&2
for seed in $(seq 1 20); do
  python3 scripts/pdf-noise-scan.py "$work/scan-$seed.pdf" 11000000 "$seed"
done
qpdf --empty --pages $(for seed in $(seq 1 20); do echo "$work/scan-$seed.pdf"; done) -- "$work/scans.pdf"
rm "$work"/scan-*.pdf

if ((${#json[@]})); then printf ', "peak_memory": '; else echo; fi
# 2. Memory: one split of the big bundle after the warm-up; each side reports its own process's high-water mark.
"$bench" split --bundle "$work/scans.pdf" --rounds 1 --peer-python "$python" "${json[@]}" ||
  { s=$?; ((status)) || status=$s; }
((${#json[@]})) && printf '}\n'
exit "$status"
