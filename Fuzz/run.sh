#!/usr/bin/env bash
# `make fuzz`: builds each libFuzzer target in Fuzz/Targets with `swiftc -sanitize=fuzzer,address` into
# .build-fuzz (never into .build: the product build is not touched), then runs each for FUZZ_SECONDS (default 60)
# from its committed seeds in Fuzz/Corpus/TARGET, and prints its executions per second and coverage.
#
# usage: Fuzz/run.sh [--build-only] [TARGET…]   (default: every target; FUZZ_SECONDS=600 Fuzz/run.sh archive)
# New inputs the fuzzer keeps go to .build-fuzz/corpus/TARGET, crashes and hangs to .build-fuzz/artifacts/TARGET;
# both are gitignored. A crash is fixed in the parser and its input kept under Tests/Fixtures/Fuzz/TARGET, which
# `make test` replays. Exit status: 1 when any target found a crash, a hang or a leak of the memory ceiling.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
build=.build-fuzz
all=(pdf-syntax exif jpeg-structure trial-csv bulk-csv configuration manifest archive)
build_only=false
if [ "${1:-}" = --build-only ]; then build_only=true && shift; fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

# Swift's own backtracer would catch the crash before libFuzzer writes the input out, and wait on a terminal.
export SWIFT_BACKTRACE=enable=no
# The archive target writes entries out: into shared memory, removed when this script ends.
scratch=$(mktemp -d /dev/shm/intake-fuzz.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export TMPDIR=$scratch

# -O because executions per second are what find bugs; overflow and bounds checks stay on in -O builds.
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 -I "$build")
mkdir -p "$build"

# Rebuilds OUTPUT from its SOURCES when any is newer; the rest of the arguments go to swiftc.
compile() {
  local output=$1 sources=() extra=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do sources+=("$1"); shift; done
  [ $# -gt 0 ] && shift && extra=("$@")
  if [ -e "$output" ] && [ -z "$(find "${sources[@]}" Fuzz/run.sh -newer "$output" 2>/dev/null)" ]; then return; fi
  echo "fuzz: building $output" >&2
  swiftc "${flags[@]}" "${extra[@]}" "${sources[@]}" 2>&1 | grep -v '^/usr/bin/ld.gold: warning' >&2 || true
  [ -e "$output" ] && [ -z "$(find "${sources[@]}" -newer "$output")" ] || { echo "fuzz: $output failed" >&2; exit 1; }
}

# The modules the targets import, as static libraries with the same instrumentation.
library() {
  local name=$1 includes=$2
  shift 2
  compile "$build/lib$name.a" "$@" -- $includes -module-name "$name" \
    -emit-module -emit-module-path "$build/$name.swiftmodule" -emit-library -static -o "$build/lib$name.a"
}

# A target is its harness compiled into the module under test (so it reaches internal entry points, as
# `@testable import` would), or beside the module's public API. Where a module wraps C++ or poppler, only the
# files of Intake's own parser are compiled in: the harness's header comment names them.
# The libraries are inputs like the sources, so that a rebuilt library relinks the targets that import it.
target() {
  local name=$1 module=$2 imports=$3 includes=$4
  shift 4
  local libraries=()
  for library in $imports; do libraries+=("$build/lib$library.a"); done
  compile "$build/$name" "Fuzz/Targets/$name.swift" "$@" "${libraries[@]}" -- -module-name "$module" \
    -o "$build/$name" $includes
}

build_target() {
  case $1 in
  pdf-syntax) target "$1" PDFInspection IntakeCore "-I Sources/CZlib" Sources/PDFInspection/PDFSyntaxScanner.swift ;;
  exif) target "$1" PhotoInspection "" "" Sources/PhotoInspection/EXIFReader.swift ;;
  jpeg-structure)
    target "$1" PhotoInspection "" "" Sources/PhotoInspection/JPEGStructure.swift \
      Sources/PhotoInspection/EXIFReader.swift
    ;;
  trial-csv) target "$1" TrialCSVFuzzing IntakeCore "" ;;
  bulk-csv) target "$1" BulkCSVFuzzing IntakeCore "" ;;
  configuration) target "$1" ConfigurationFuzzing IntakeCore "" ;;
  manifest) target "$1" ManifestFuzzing IntakeCore "" ;;
  archive)
    target "$1" ArchiveInspection "IntakeCore ContentAddressing" "-I Sources/CZlib -I Sources/CCrypto" \
      Sources/ArchiveInspection/*.swift
    ;;
  *) echo "fuzz: no target $1 (targets: ${all[*]})" >&2; exit 2 ;;
  esac
}

library IntakeCore "" Sources/IntakeCore/*.swift
library ContentAddressing "-I Sources/CCrypto" Sources/ContentAddressing/*.swift
for name in "${targets[@]}"; do build_target "$name"; done
if $build_only; then exit 0; fi

failed=()
for name in "${targets[@]}"; do
  mkdir -p "$build/corpus/$name" "$build/artifacts/$name" "$build/logs"
  log=$build/logs/$name.log
  echo "fuzz: $name for ${seconds}s (log $log)"
  status=0
  # The first corpus folder receives what the fuzzer finds; the committed seeds stay as they are. 2 GB and 10 s
  # per input are far above what any of these parsers needs for an upload-sized input, so passing either is a bug.
  "$build/$name" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$name/" "$build/corpus/$name" "Fuzz/Corpus/$name" >"$log" 2>&1 || status=$?
  # libFuzzer's last status line holds the coverage (cov: edges, ft: features) and executions per second.
  summary=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  echo "  ${summary:-no status line}"
  echo "  exec/s average: ${rate:-?}"
  if [ "$status" -ne 0 ]; then
    failed+=("$name")
    grep -E '^(SUMMARY|==[0-9]+==ERROR|artifact_prefix|Test unit written)' "$log" | sed 's/^/  /' || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $build/artifacts)" >&2
  exit 1
fi
echo "fuzz: no crash in ${targets[*]}"
