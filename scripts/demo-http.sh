#!/usr/bin/env bash
# The HTTP part of `make demo`: `intake serve` on a free loopback port, a token, one clean and one locked PDF
# uploaded with curl as the portal would, their verdicts, then SIGTERM. Everything lives in .intake/demo-http,
# which the script erases only if it made it (it leaves a marker).
set -euo pipefail
cd "$(dirname "$0")/.."
intake=${INTAKE:-.build/debug/intake}
data=.intake/demo-http
if [ -e "$data" ]; then
  [ -f "$data/.intake-demo" ] || { echo "$data is not a demo folder: refusing to erase it" >&2; exit 2; }
  rm -rf "$data"
fi
mkdir -p "$data" && echo "made by scripts/demo-http.sh" > "$data/.intake-demo"

echo "6. The HTTP API (intake serve), as the portal behind the upload button calls it"
token=$("$intake" token create --uploader demo-portal --data "$data" 2>/dev/null)
echo "   intake token create --uploader demo-portal → a bearer token (only its SHA-256 is stored)"
"$intake" serve --listen 127.0.0.1:0 --data "$data" --log-level warning > "$data/serve.out" 2> "$data/serve.err" &
server=$!
trap 'kill -TERM $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "listening on" "$data/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^intake: listening on //p' "$data/serve.out")
[ -n "$url" ] || { echo "intake serve did not start:" >&2; cat "$data/serve.err" >&2; exit 2; }
echo "   intake serve --listen 127.0.0.1:0 → $url"

upload() {  # FILE NAME → prints the acknowledgement's upload id
  curl -sS --fail-with-body -H "Authorization: Bearer $token" -H "Content-Type: application/pdf" \
    -H "Content-Disposition: attachment; filename*=UTF-8''$2" --data-binary "@$1" \
    "$url/v1/applications/APP-HTTP-1/uploads?slot=attachment" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["upload"])'
}
clean=$(upload SampleDocs/APP-2026-0001/01-certificate-of-employment.pdf "%E5%9C%A8%E8%81%B7%E8%A8%BC%E6%98%8E%E6%9B%B8.pdf")
locked=$(upload SampleDocs/APP-2026-0001/02-employment-contract.pdf "employment-contract.pdf")
echo "   POST /v1/applications/APP-HTTP-1/uploads → 202 for $clean (在職証明書.pdf) and $locked (a locked PDF)"
for id in "$clean" "$locked"; do
  curl -sS -H "Authorization: Bearer $token" "$url/v1/uploads/$id?wait=30s" | python3 -c '
import json, sys
upload = json.load(sys.stdin)
print("   GET /v1/uploads/%s?wait=30s → %s: %s" % (upload["id"], upload["file"], upload["state"].upper()))
for item in upload["items"]:
    for finding in item["findings"]:
        print("      ✗ %s\n          ja: %s\n          en: %s" % (finding["code"], finding["message"]["ja"], finding["message"]["en"]))
'
done
kill -TERM $server
wait $server && echo "   SIGTERM → the server drained and exited 0"
trap - EXIT
