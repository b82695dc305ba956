#!/usr/bin/env bash
# Bulk archives: N applications × 3 PDFs from `intake submit-archive` to the last verdict, with the peak memory of
# each step's process tree, at two archive sizes (memory should not grow with the archive). No peer: no other tool
# takes this CSV-and-ZIP format. Benchmarks/README.md ("Bulk archives") keeps the latest figures.
#
# usage: Benchmarks/run-archive.sh [--sizes 200,1000]
set -euo pipefail
cd "$(dirname "$0")/.."
# Release build in its own scratch path, as the other benchmarks.
swift build -c release --scratch-path .build-bench --product intake >&2
bash SampleDocs/make-samples.sh >/dev/null
exec python3 Benchmarks/archive_load.py --intake .build-bench/release/intake \
  --pdf SampleDocs/APP-2026-0001/01-certificate-of-employment.pdf "$@"
