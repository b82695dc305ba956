#!/usr/bin/env bash
# Face photos: milliseconds to check one photo on one core (the inspector's whole check, then the photo rules), the
# one-time cost of loading the landmark model, and OpenCV's Haar cascade finding faces in the same photos as a
# detection-only peer. Benchmarks/README.md ("Face photos") says what is measured and keeps the latest figures.
#
# usage: Benchmarks/run-photo.sh [intake-bench photo options…]   e.g. --json, --rounds 50, --photo FILE
# Exit status: that of `intake-bench photo` (2 with one line on stderr when the peer could not run).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
# dlib's 68-point landmark model, as the worker uses it.
if [ ! -f /usr/share/dlib/shape_predictor_68_face_landmarks.dat ]; then
  $sudo apt-get update >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends libdlib-data >&2
fi
# OpenCV from PyPI into .venv/ (gitignored). Below 5: OpenCV 5 moved the Haar cascades out of the main module.
# A failed install is not fatal here: `intake-bench photo` still prints its own figures, then says why the peer
# could not run and exits 2.
if ! .venv/bin/python -c 'import cv2; cv2.CascadeClassifier' 2>/dev/null; then
  if ! python3 -c 'import ensurepip' 2>/dev/null; then
    $sudo apt-get update >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends python3-venv >&2
  fi
  { [ -x .venv/bin/python ] || python3 -m venv .venv >&2; } &&
    .venv/bin/pip install --quiet 'opencv-python-headless<5' >&2 ||
    echo "run-photo.sh: could not install OpenCV into .venv" >&2
fi

# Release build in its own scratch path, so it neither replaces the debug build in .build nor waits on its lock.
# `photo` needs only the benchmark; the product is built too, as by the other scripts, so .build-bench always
# holds an `intake` that matches `intake-bench`.
swift build -c release --scratch-path .build-bench --product intake >&2
swift build -c release --scratch-path .build-bench --product intake-bench >&2
exec .build-bench/release/intake-bench photo --peer-python .venv/bin/python "$@"
