#!/usr/bin/env bash
# Installs the Debian packages Intake builds, tests and runs with, if any is missing. Needs root (CI runs as root).
set -euo pipefail
packages=(
  pkg-config
  libpoppler-glib-dev   # PDF parsing: permissions, pages, outline (poppler-glib)
  libqpdf-dev           # lossless PDF writing: page ranges as new documents
  libmagic-dev          # type sniffing
  libsqlite3-dev        # the embedded store (GRDB links it)
  sqlite3               # tests: watching a worker's progress from outside the test process
  zlib1g-dev            # inflating object streams for the active-content scan
  libssl-dev            # SHA-256 of uploads (libcrypto)
  libturbojpeg0-dev     # face photos: JPEG decoding (libjpeg-turbo)
  libpng-dev            # face photos: PNG decoding
  libdlib-dev           # face photos: HOG face detector and 68-point landmarks (C++)
  libblas-dev           # dlib links BLAS and LAPACK; libdlib-dev does not pull in their .so links
  liblapack-dev
  libdlib-data          # face photos: dlib's 68-point landmark model, an operator's option (/usr/share/dlib, 95 MB)
  libopencv-dnn-dev     # face photos: OpenCV 4.6's DNN module runs the default MediaPipe models (ONNX)
  libopencv-imgproc-dev #   and its image resizing and warping
  qpdf                  # test corpus: encryption with every revision and permission set
  poppler-utils         # test corpus: pdftoppm (disguised JPEG), pdfinfo
  groff                 # test corpus: gropdf writes the sample documents
  python3               # test corpus helpers (standard library only)
  curl                  # the demo's and the tests' HTTP client
  postgresql            # the server store (store.url = postgres://…); tests start a PostgreSQL 15 of their own
  zip                   # tests and the sample archive: Info-ZIP writes encrypted entries and symlinks
  p7zip-full            # tests: archives as 7-Zip writes them
  libtasn1-doc          # tests: a 36-page pdfTeX manual with bookmarks, split as a real-world bundle
  shared-mime-info      # tests: a 17-page LaTeX/hyperref spec with bookmarks
  chromium              # tests: the web pages in a real browser, headless
  chromium-driver       #   driven by Selenium through /usr/bin/chromedriver
  fonts-ipafont-gothic  #   and a Japanese font, so the pages' screenshots show Japanese text
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The default face model: the checkout's MediaPipe ONNX files (Models/mediapipe, with their licence and NOTICE),
# installed where `inspection.face_model` points by default. Copied again whenever the checkout's files differ.
models_from="$(cd "$(dirname "$0")/.." && pwd)/Models/mediapipe"
models_to=/usr/local/share/intake/mediapipe
if ! diff -rq "$models_from" "$models_to" >/dev/null 2>&1; then
  echo "Installing the face models: $models_to"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo mkdir -p "$models_to"
  $sudo cp "$models_from"/* "$models_to"/
fi
