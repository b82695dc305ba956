#!/usr/bin/env bash
# Splitting bundles: seconds per split of a 540-page bundle into 10 documents on one core, beside pikepdf splitting
# the same page ranges; then peak resident memory of both splitting a bundle of about 220 MB (20 scanned pages).
# Benchmarks/README.md ("Splitting bundles") says what is measured and keeps the latest figures.
#
# usage: Benchmarks/run-split.sh [--json] [--rounds N]   (--rounds applies to the first measurement only)
# With --json, one JSON document: {"split": …, "peak_memory": …}, each as `intake-bench split --json` prints it.
# Exit status: 0, or that of the first `intake-bench split` that failed (2 with one line on stderr).
set -euo pipefail
cd "$(dirname "$0")/.."

json=()
speed=()
while (($#)); do
  case "$1" in
    --json) json=(--json) ;;
    --rounds) speed+=(--rounds "${2:?--rounds needs a number}"); shift ;;
    *) echo "usage: $0 [--json] [--rounds N]" >&2; exit 2 ;;
  esac
  shift
done

if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
# The 540-page bundle is Debian's libtasn1 manual, 15 times.
if [ ! -f /usr/share/doc/libtasn1-doc/libtasn1.pdf ]; then
  $sudo apt-get update >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends libtasn1-doc >&2
fi
# pikepdf from PyPI into .venv/ (gitignored), as for `make bench`. A failed install is not fatal here: each
# `intake-bench split` still prints its own figures, then says why the peer could not run and exits 2.
python=$(scripts/ensure-pikepdf.sh) || {
  echo "run-split.sh: could not install pikepdf into .venv" >&2
  python=.venv/bin/python
}

# Release build in its own scratch path, so it neither replaces the debug build in .build nor waits on its lock.
# `split` needs only the benchmark; the product is built too, as by the other scripts, so .build-bench always
# holds an `intake` that matches `intake-bench`.
swift build -c release --scratch-path .build-bench --product intake >&2
swift build -c release --scratch-path .build-bench --product intake-bench >&2
bench=.build-bench/release/intake-bench

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

status=0
((${#json[@]})) && printf '{"split": '
# 1. Time: the default bundle (540 pages), as many splits as fill 3 s unless --rounds.
"$bench" split --peer-python "$python" "${speed[@]}" "${json[@]}" || status=$?
if ((${#json[@]})); then printf ', "peak_memory": '; else echo; fi
# 2. Memory: one split of the big bundle after the warm-up; each side reports its own process's high-water mark.
"$bench" split --bundle "$work/scans.pdf" --rounds 1 --peer-python "$python" "${json[@]}" ||
  { s=$?; ((status)) || status=$s; }
((${#json[@]})) && printf '}\n'
exit "$status"
