#!/usr/bin/env bash
# `make bench-http`: intake serve under a bounded load from a second process on loopback (Benchmarks/http_load.py):
# acknowledgement latency for 1-5 MB PDFs at 20 uploads/s, upload-to-verdict latency, and peak resident memory
# with 50 uploads of 25 MB in flight. Release build in .build-bench, as the other benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --scratch-path .build-bench --product intake >&2
exec python3 Benchmarks/http_load.py --intake .build-bench/release/intake "$@"
