#!/usr/bin/env bash
# Lays out the sample applications for `intake demo`, one folder per application, from the corpus that
# scripts/make-corpus.sh builds with real tools (groff, qpdf, poppler-utils). The small files are committed;
# the two 13 MB scans of the over-the-limit application are generated into SampleDocs/generated/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT

small="$here/APP-2026-0001"
big="$here/generated/APP-2026-0002"
if [ -f "$big/02-tax-return-scan.pdf" ] && [ -f "$small/bundles/09-evidence-bundle.pdf" ] \
  && [ -f "$here/archives/sample.zip" ] && [ "${1:-}" != "--force" ]; then
  exit 0
fi
"$here/../scripts/make-corpus.sh" "$corpus" --big >/dev/null

mkdir -p "$small" "$big"
if [ ! -f "$small/bundles/09-evidence-bundle.pdf" ] || [ "${1:-}" = "--force" ]; then
  cp "$corpus/plain.pdf"            "$small/01-certificate-of-employment.pdf"   # clean: accepted
  cp "$corpus/r6-user.pdf"          "$small/02-employment-contract.pdf"         # needs a password to open
  cp "$corpus/r4-noprint.pdf"       "$small/03-tax-certificate.pdf"             # printing forbidden
  cp "$corpus/r6-nocopy.pdf"        "$small/04-bank-statement.pdf"              # copying forbidden
  cp "$corpus/jpeg.pdf"             "$small/05-diploma.pdf"                     # a JPEG named .pdf
  cp "$corpus/r4-open.pdf"          "$small/06-letter-of-guarantee.pdf"         # owner password only: warning
  cp "$corpus/javascript.pdf"       "$small/07-residence-certificate.pdf"       # JavaScript: warning
  cp "$corpus/drm-fopn.pdf"         "$small/08-lease-contract.pdf"              # rights management (FOPN_foweb)
  mkdir -p "$small/additional" "$small/bundles"
  cp "$corpus/bundle-outline.pdf"   "$small/bundles/09-evidence-bundle.pdf"     # three documents, bookmarked
  cp "$corpus/contract.pdf"         "$small/additional/01-tax-payment-certificate.pdf"  # asked for later (追加資料)
fi
# The bulk archive (一括申請): three applications in one ZIP, with a bad row of each common kind.
if [ ! -f "$here/archives/sample.zip" ] || [ "${1:-}" = "--force" ]; then
  mkdir -p "$here/archives"
  python3 "$here/../scripts/make-archives.py" "$corpus/archives" "$small"
  cp "$corpus/archives/sample.zip" "$here/archives/sample.zip"
fi
cp "$corpus/scan-13mb-a.pdf" "$big/01-bank-passbook-scan.pdf"
cp "$corpus/scan-13mb-b.pdf" "$big/02-tax-return-scan.pdf"
echo "sample applications ready under $here"
