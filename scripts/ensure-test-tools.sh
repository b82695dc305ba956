#!/usr/bin/env bash
# The Python tools `make test` uses, in .venv/ (gitignored), from PyPI: pikepdf writes one bundle of the test
# corpus, schemathesis checks the live server against its /openapi.json. Never runtime dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/ensure-pikepdf.sh)
if ! .venv/bin/schemathesis --version >/dev/null 2>&1; then
  .venv/bin/pip install --quiet 'schemathesis>=4,<5' >&2
fi
echo "$python"
