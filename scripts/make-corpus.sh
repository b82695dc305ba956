#!/usr/bin/env bash
# Builds Intake's test and benchmark corpus from real tools: groff/gropdf writes the documents, qpdf encrypts them
# with every Standard security handler revision and permission set that matters, poppler-utils and ghostscript
# make the disguised files. Python (standard library only) does the two things no packaged tool does: an
# incremental update that adds a script, and relabelling a security handler as rights management.
#
# usage: scripts/make-corpus.sh OUTDIR [--big]
#   --big also writes the multi-megabyte scans used by the size-limit samples (about 26 MB).
set -euo pipefail
out=${1:?usage: make-corpus.sh OUTDIR [--big]}
big=${2:-}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here=$(cd "$(dirname "$0")" && pwd)

# --- Documents written by groff (gropdf) -----------------------------------------------------------------------
document() { # name title pages
  local name=$1 title=$2 pages=$3
  {
    printf '.TL\n%s\n.AU\nIntake sample corpus\n' "$title"
    for ((p = 1; p <= pages; p++)); do
      printf '.NH\nSection %d of %s\n.PP\n' "$p" "$title"
      printf 'This page stands in for evidence attached to a residence application. '
      printf 'It carries ordinary text so that copying and extraction can be tested. Page %d of %d.\n' "$p" "$pages"
      [ "$p" -lt "$pages" ] && printf '.bp\n'
    done
  } > "$work/$name.ms"
  groff -ms -Tpdf "$work/$name.ms" > "$out/$name.pdf"
}
document plain "Certificate of employment" 3
document contract "Employment contract" 12
document letter "Letter of guarantee" 1

# A bundle with top-level bookmarks (gropdf writes the outline): three documents on pages 1, 2–3 and 4.
printf '.LP\n.pdfbookmark 1 "Passport copy"\nPassport, data page.\n.bp\n.pdfbookmark 1 "Employment contract"\nContract, page one.\n.bp\nContract, page two.\n.bp\n.pdfbookmark 1 "Tax certificate"\nTax certificate.\n' > "$work/bundle.ms"
groff -ms -mpdfmark -Tpdf "$work/bundle.ms" > "$out/bundle-outline.pdf"

# A bundle with separator sheets and a blank page, no bookmarks: contract (1–2), SEPARATOR (3), tax
# certificate (4), blank (5), bank statement (6). Page numbers off, so the blank page carries no ink.
printf '.ds CH\n.LP\nEmployment contract, page one.\n.bp\nEmployment contract, page two.\n.bp\n.ce\nSEPARATOR\n.bp\nTax certificate.\n.bp\n\\&\n.bp\nBank statement.\n' > "$work/separated.ms"
groff -ms -Tpdf "$work/separated.ms" > "$out/bundle-separators.pdf"

# A bundle concatenated by qpdf, no bookmarks: certificate (1–3), letter (4), contract (5–16); split by manifest.
qpdf --empty --pages "$out/plain.pdf" "$out/letter.pdf" "$out/contract.pdf" -- "$out/bundle-qpdf.pdf"

# A bundle written by pikepdf (a different producer), when the project's .venv has it (`make test` makes it).
if [ -x "$here/../.venv/bin/python" ] && "$here/../.venv/bin/python" -c 'import pikepdf' 2>/dev/null; then
  "$here/../.venv/bin/python" "$here/pikepdf-bundle.py" "$out/bundle-pikepdf.pdf" \
    "Employment contract=$out/contract.pdf" "Letter of guarantee=$out/letter.pdf" "Certificate=$out/plain.pdf"
fi

# --- Encryption: every revision, with the permission sets that matter --------------------------------------------
src="$out/plain.pdf"
enc() { # out user owner bits [permission flags…]
  local target=$1 user=$2 owner=$3 bits=$4
  shift 4
  qpdf --allow-weak-crypto --encrypt "$user" "$owner" "$bits" "$@" -- "$src" "$out/$target"
}
# R2 (40-bit RC4)
enc r2-open.pdf "" owner 40
enc r2-noprint.pdf "" owner 40 --print=n
enc r2-nocopy.pdf "" owner 40 --extract=n
enc r2-user.pdf secret owner 40
# R3 (128-bit RC4)
enc r3-open.pdf "" owner 128 --use-aes=n
enc r3-noprint.pdf "" owner 128 --use-aes=n --print=none
enc r3-lowres.pdf "" owner 128 --use-aes=n --print=low
enc r3-nocopy.pdf "" owner 128 --use-aes=n --extract=n
enc r3-user.pdf secret owner 128 --use-aes=n
# R4 (128-bit AES)
enc r4-open.pdf "" owner 128 --use-aes=y
enc r4-noprint.pdf "" owner 128 --use-aes=y --print=none
enc r4-nocopy.pdf "" owner 128 --use-aes=y --extract=n
enc r4-nomodify.pdf "" owner 128 --use-aes=y --modify=none
enc r4-user.pdf secret owner 128 --use-aes=y
# R5 (256-bit AES, the deprecated Adobe extension level 3 revision)
enc r5-open.pdf "" owner 256 --force-R5
enc r5-noprint.pdf "" owner 256 --force-R5 --print=none
enc r5-user.pdf secret owner 256 --force-R5
# R6 (256-bit AES, ISO 32000-2)
enc r6-open.pdf "" owner 256
enc r6-noprint.pdf "" owner 256 --print=none
enc r6-lowres.pdf "" owner 256 --print=low
enc r6-nocopy.pdf "" owner 256 --extract=n
enc r6-noprint-nocopy.pdf "" owner 256 --print=none --extract=n
enc r6-user.pdf secret owner 256
# Same password for user and owner: opening needs it.
enc r6-same.pdf same same 256
# Object streams and a cross-reference stream (PDF 1.5 structure), encrypted and not.
qpdf --object-streams=generate "$src" "$out/objstm.pdf"
qpdf --object-streams=generate --encrypt "" owner 256 --print=none -- "$src" "$out/objstm-r6-noprint.pdf"

# --- Structure ---------------------------------------------------------------------------------------------------
qpdf --empty "$out/zero-pages.pdf"
head -c 3000 "$out/contract.pdf" > "$out/truncated.pdf"
python3 -c 'import random,sys; random.seed(7); sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range(40000)))' > "$out/garbage.pdf"
printf '%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%%%EOF\n' > "$out/header-only.pdf"
# Damaged files poppler "opens" with zero pages, as found in public test suites: a root object that is not a
# catalog, and a page tree node claiming 213,804,087 pages (the edit moves every offset, so the xref is rebuilt).
printf '%%PDF-1.7\n1 0 obj\n<< /Producer (none) >>\nendobj\n' > "$out/no-catalog.pdf"
printf 'trailer\n<< /Root 1 0 R >>\n%%%%EOF\n' >> "$out/no-catalog.pdf"
qpdf --qdf --object-streams=disable "$out/plain.pdf" "$work/plain-qdf.pdf"
sed 's|^  /Count [0-9]*$|  /Count 213804087|' "$work/plain-qdf.pdf" > "$out/page-count-impossible.pdf"

# A decompression bomb: a 200 KB file whose object stream inflates to 1 GB.
python3 "$here/pdf-objstm-bomb.py" "$out/bomb-objstm.pdf" 1024

# --- Disguised files: not PDFs, named .pdf -----------------------------------------------------------------------
printf 'Certificate of employment\nThis is plain text saved with a .pdf name.\n' > "$out/text.pdf"
printf '<!DOCTYPE html>\n<html><head><title>Residence</title></head><body><p>Not a PDF</p></body></html>\n' > "$out/html.pdf"
python3 - "$out/zip.pdf" "$src" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as archive:
    archive.write(sys.argv[2], "inside.pdf")   # a PDF stored uncompressed: poppler would open it if asked
PY
pdftoppm -jpeg -r 40 -f 1 -l 1 -singlefile "$src" "$work/page"
cp "$work/page.jpg" "$out/jpeg.pdf"
cp "$work/page.jpg" "$out/photo.jpg"

# --- Active content ----------------------------------------------------------------------------------------------
python3 "$here/pdf-add-script.py" "$src" "$work/js-raw.pdf"
qpdf "$work/js-raw.pdf" "$out/javascript.pdf"
qpdf --object-streams=generate "$work/js-raw.pdf" "$out/javascript-objstm.pdf"
printf 'attached data\n' > "$work/note.txt"
qpdf "$src" --add-attachment "$work/note.txt" -- "$out/attachment.pdf"

# --- Rights management: a non-Standard security handler ----------------------------------------------------------
python3 "$here/pdf-relabel-handler.py" "$out/r4-open.pdf" "$out/drm-fopn.pdf" FOPN_foweb
python3 "$here/pdf-relabel-handler.py" "$out/r4-open.pdf" "$out/drm-adobe-aps.pdf" Adobe.APS

# --- Large scans, for size limits ----------------------------------------------------------------------------------
if [ "$big" = "--big" ]; then
  python3 "$here/pdf-noise-scan.py" "$work/scan-a.pdf" 13000000 1
  python3 "$here/pdf-noise-scan.py" "$work/scan-b.pdf" 13000000 2
  qpdf "$work/scan-a.pdf" "$out/scan-13mb-a.pdf"
  qpdf "$work/scan-b.pdf" "$out/scan-13mb-b.pdf"
fi
ls "$out" | wc -l | xargs echo "corpus files:"
