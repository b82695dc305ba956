#!/usr/bin/env bash
# Builds the corpora of the issue-15 table (Benchmarks/run-table.sh) from real tools, into OUT:
#   OUT/variants/  210 files: Debian's libtasn1 manual (pdfTeX, 36 pages, 263 kB) in 7 variants × 30 copies —
#                  plain; R2 (RC4 40-bit); R3 (RC4 128-bit) with --print=none; R4 (AES-128) with --extract=n;
#                  R6 (AES-256); R6 with --print=none --extract=n; R6 with a user password (all qpdf --encrypt)
#   OUT/scans/     60 scanned 12-page PDFs of about 1.8 MB: the manual's pages rendered by pdftoppm (JPEG,
#                  150 dpi, quality 50), 12 a file, joined by img2pdf; 20 plain, 20 AES-128 and 20 AES-256
#   OUT/one-page/  1,000 one-page PDFs of about 20 kB (Benchmarks/http_load.py's make_pdf, one seed each)
# Every copy ends in its own `%copy N` comment after %%EOF, so no two files have the same bytes. The recipe is
# deterministic (fixed IDs and AES IVs; img2pdf's internal engine without dates, as its pikepdf engine draws an ID
# from the clock), except the salts of AES-256 (R6) files, which qpdf always draws at random. Writes OUT/.done
# last: a folder without it is incomplete.
#
# usage: Benchmarks/make-table-corpus.sh OUT PYTHON   (PYTHON: an interpreter with img2pdf, e.g. .venv/bin/python)
# Exit status: 0, or that of the first tool that failed.
set -euo pipefail
out=${1:?usage: $0 OUT PYTHON}
python=${2:?usage: $0 OUT PYTHON}
cd "$(dirname "$0")/.."
manual=/usr/share/doc/libtasn1-doc/libtasn1.pdf
rm -rf "$out"
mkdir -p "$out/variants" "$out/scans" "$out/one-page" "$out/work"

# copy SOURCE TARGET N: SOURCE's bytes and a comment of its own after %%EOF (readers ignore what follows it).
copy() { { cat "$1"; printf '%%copy %d\n' "$3"; } >"$2"; }
# encrypt SOURCE TARGET USER BITS [qpdf restriction options…]: owner password "owner"; R2 and R3 are RC4, which
# qpdf writes only when told weak crypto is allowed.
encrypt() {
  local source=$1 target=$2 user=$3 bits=$4
  shift 4
  qpdf --allow-weak-crypto --static-id --static-aes-iv --encrypt "$user" owner "$bits" "$@" -- "$source" "$target"
}

# 1. Variants of the 36-page manual.
work=$out/work
cp "$manual" "$work/plain.pdf"
encrypt "$manual" "$work/r2.pdf" "" 40
encrypt "$manual" "$work/r3-noprint.pdf" "" 128 --use-aes=n --print=none
encrypt "$manual" "$work/r4-nocopy.pdf" "" 128 --use-aes=y --extract=n
encrypt "$manual" "$work/r6.pdf" "" 256
encrypt "$manual" "$work/r6-noprint-nocopy.pdf" "" 256 --print=none --extract=n
encrypt "$manual" "$work/r6-user.pdf" user 256
for variant in plain r2 r3-noprint r4-nocopy r6 r6-noprint-nocopy r6-user; do
  for n in $(seq -w 1 30); do copy "$work/$variant.pdf" "$out/variants/$variant-$n.pdf" "$((10#$n))"; done
done

# 2. Scans: scan k (0–59) holds pages 5k … 5k+11 of the manual, counted round its 36 pages.
pdftoppm -jpeg -jpegopt quality=50 -r 150 "$manual" "$work/page"
pages=("$work"/page-*.jpg)
for k in $(seq 0 59); do
  images=()
  for j in $(seq 0 11); do images+=("${pages[$(((5 * k + j) % ${#pages[@]}))]}"); done
  "$python" -m img2pdf --engine internal --nodate "${images[@]}" -o "$work/scan.pdf"
  name=$(printf 'scan-%02d' "$k")
  case $((k % 3)) in
    0) copy "$work/scan.pdf" "$out/scans/$name-plain.pdf" "$k" ;;
    1) encrypt "$work/scan.pdf" "$work/scan-enc.pdf" "" 128 --use-aes=y
       copy "$work/scan-enc.pdf" "$out/scans/$name-aes128.pdf" "$k" ;;
    2) encrypt "$work/scan.pdf" "$work/scan-enc.pdf" "" 256
       copy "$work/scan-enc.pdf" "$out/scans/$name-aes256.pdf" "$k" ;;
  esac
done

# 3. One-page PDFs, as Benchmarks/run-reprocess.sh submits them.
python3 - "$out/one-page" <<'EOF'
import sys
sys.path.insert(0, "Benchmarks")
from http_load import make_pdf
for index in range(1000):
    with open(f"{sys.argv[1]}/doc-{index + 1:04d}.pdf", "wb") as handle:
        handle.write(make_pdf(20_000 + 10 * (index % 100), index))
EOF

rm -rf "$work"
touch "$out/.done"
