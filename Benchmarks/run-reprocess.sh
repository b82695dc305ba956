#!/usr/bin/env bash
# `make bench-reprocess`: `intake reprocess --all` after a limit change, timed from outside with process start
# included, on embedded SQLite: APPLICATIONS applications (default 200) of 5 one-page PDFs, submitted and worked
# first. Prints applications a second for the run and items a second for its dry run (release build in
# .build-bench). Goals (issue 15): at least 2,000 applications a second, and a dry run of 20,000 items a second.
set -euo pipefail
cd "$(dirname "$0")/.."
applications=${APPLICATIONS:-200}
swift build -c release --scratch-path .build-bench --product intake >&2
intake=$PWD/.build-bench/release/intake
work=$(mktemp -d /tmp/intake-bench-reprocess-XXXXXX)
trap 'rm -rf "$work"' EXIT
common=(--data "$work/data" --config Config/intake.conf)
python3 - "$work" <<'EOF'
import sys
sys.path.insert(0, "Benchmarks")
from http_load import make_pdf
for index in range(5):
    open(f"{sys.argv[1]}/doc{index}.pdf", "wb").write(make_pdf(20_000 + 1_000 * index, index))
EOF
for ((a = 1; a <= applications; a++)); do
  "$intake" submit --application "APP-$a" --uploader bench --attachment "$work"/doc{0,1,2,3,4}.pdf "${common[@]}" \
    >/dev/null
done
"$intake" work --until-empty "${common[@]}" 2>/dev/null
seconds() { date +%s.%N; }
start=$(seconds)
INTAKE_LIMITS_APPLICATION_TOTAL=90kB "$intake" reprocess --all "${common[@]}" >/dev/null 2>&1
middle=$(seconds)
INTAKE_LIMITS_APPLICATION_TOTAL=60kB "$intake" reprocess --all --dry-run "${common[@]}" >/dev/null 2>&1
end=$(seconds)
python3 - "$applications" "$start" "$middle" "$end" <<'EOF'
import sys
applications, start, middle, end = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"reprocess --all after a limit change, {applications} applications of 5 items, SQLite, process start included:")
print(f"  run      {applications / (middle - start):8.0f} applications/s   ({middle - start:.2f} s; goal ≥ 2,000/s)")
print(f"  dry run  {5 * applications / (end - middle):8.0f} items/s          ({end - middle:.2f} s; goal ≥ 20,000/s)")
EOF
