#!/usr/bin/env bash
# `make bench-reprocess`: `intake reprocess --all` after a limit change, timed from outside with process start
# included, on embedded SQLite: APPLICATIONS applications (default 200) of 5 one-page PDFs, submitted and worked
# first. Prints applications a second for the run and items a second for its dry run (release build in
# .build-bench). Goals (issue 15): at least 2,000 applications a second, and a dry run of 20,000 items a second.
#
# usage: Benchmarks/run-reprocess.sh [--json]   (--json: one JSON document instead of the three lines)
# INTAKE=PATH uses that intake instead of building one. Exit status: 0, or that of the first command that failed.
set -euo pipefail
cd "$(dirname "$0")/.."
json=0
case "${1:-}" in
  --json) json=1 ;;
  '') ;;
  *) echo "usage: $0 [--json]" >&2; exit 2 ;;
esac
applications=${APPLICATIONS:-200}
. Benchmarks/common.sh
release_intake
intake=$INTAKE
work=$(mktemp -d /tmp/intake-bench-reprocess-XXXXXX)
trap 'rm -rf "$work"' EXIT
# The inspector child runs as inspection.user (nobody, when this runs as root): it must reach the blobs. In a
# 0700 folder it cannot confine itself, and every job fails and is retried until it gives up.
chmod 755 "$work"
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
python3 - "$json" "$applications" "$start" "$middle" "$end" <<'EOF'
import json, sys
as_json, applications, start, middle, end = sys.argv[1] == "1", int(sys.argv[2]), *map(float, sys.argv[3:])
if as_json:
    json.dump({"applications": applications, "items": 5 * applications,
               "run": {"seconds": middle - start, "applications_per_second": applications / (middle - start),
                       "goal_applications_per_second": 2000},
               "dry_run": {"seconds": end - middle, "items_per_second": 5 * applications / (end - middle),
                           "goal_items_per_second": 20000}}, sys.stdout)
    print()
    sys.exit()
print(f"reprocess --all after a limit change, {applications} applications of 5 items, SQLite, process start included:")
print(f"  run      {applications / (middle - start):8.0f} applications/s   ({middle - start:.2f} s; goal ≥ 2,000/s)")
print(f"  dry run  {5 * applications / (end - middle):8.0f} items/s          ({end - middle:.2f} s; goal ≥ 20,000/s)")
EOF
