#!/usr/bin/env bash
# How long `intake trial` takes at the scale the agency works at: a CSV of 200,000 applications (about a
# million files) and a store of 1,000,000 applications (about 5 million uploads). Prints the timings.
# Sizes are log-normal around 4 MB per application; made with Python's standard library, not real uploads.
#
# usage: Benchmarks/trial-scale.sh [WORKDIR]   (default: a new temporary folder; needs ~3 GB of disk)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
swift build -c release --scratch-path .build-bench --product intake >/dev/null
intake=.build-bench/release/intake

python3 - "$work/history.csv" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as out:
    out.write("application_id,slot,bytes,pages,submitted_at\n")
    for i in range(200_000):
        day = random.randrange(365)
        for f in range(random.randint(2, 8)):
            out.write(f"A{i},{'photo' if f == 0 else 'attachment'},{int(random.lognormvariate(13.3, 1.1))},"
                      f"{random.randint(1, 30)},2025-{1 + day // 31:02d}-{1 + day % 28:02d}\n")
PY
echo "CSV: $(wc -l < "$work/history.csv") rows"
/usr/bin/time -f "trial from CSV: %e s, %M KB peak" "$intake" trial --total-limit 10MB,20MB,25MB,50MB \
  --from-csv "$work/history.csv" --report "$work/csv-report.html" --config Config/intake.conf | tail -3

rm -rf "$work/store" && "$intake" status --data "$work/store" --config Config/intake.conf >/dev/null
python3 - "$work/store/intake.sqlite" <<'PY'
import random, sqlite3, sys
random.seed(11)
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=OFF")
apps, uploads = [], []
for i in range(1_000_000):
    apps.append((f"A{i}", f"R-{i}", "u", "under_review", 0, 1_750_000_000 + i * 30))
    for f in range(5):
        size = int(random.lognormvariate(13.3, 1.1))
        uploads.append((f"U{i}-{f}", f"A{i}", None, 0, "photo" if f == 0 else "attachment", "f.pdf",
                        f"{i:032x}{f:032x}", size, "u", f"A{i}|x|{f}|{i}", 1_750_000_000 + i * 30))
    if len(uploads) >= 500_000:
        db.executemany("INSERT INTO applications VALUES (?,?,?,?,?,?)", apps)
        db.executemany("INSERT INTO uploads (id, application_id, requested_receipt, round, slot, file_name, sha256, bytes, uploader, idempotency_key, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", uploads)
        apps, uploads = [], []
db.executemany("INSERT INTO applications VALUES (?,?,?,?,?,?)", apps)
db.executemany("INSERT INTO uploads (id, application_id, requested_receipt, round, slot, file_name, sha256, bytes, uploader, idempotency_key, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", uploads)
db.commit()
PY
echo "store: 1,000,000 applications, 5,000,000 uploads"
/usr/bin/time -f "trial from the store: %e s, %M KB peak" "$intake" trial --total-limit 10MB,20MB,25MB,50MB \
  --data "$work/store" --report "$work/store-report.html" --config Config/intake.conf | tail -3
