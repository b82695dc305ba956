#!/usr/bin/env bash
# The Python tools `make test` uses, in .venv/ (gitignored), from PyPI: pikepdf writes one bundle of the test
# corpus, schemathesis checks the live server against its /openapi.json, standardwebhooks verifies webhook
# signatures in scripts/webhook-receiver.py independently of Intake's own code, selenium drives Debian's Chromium
# through chromedriver for the web pages' tests (Tests/Browser/). Never runtime dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/ensure-pikepdf.sh)
if ! .venv/bin/schemathesis --version >/dev/null 2>&1; then
  .venv/bin/pip install --quiet 'schemathesis>=4,<5' >&2
fi
if ! .venv/bin/python -c 'import standardwebhooks' >/dev/null 2>&1; then
  .venv/bin/pip install --quiet 'standardwebhooks>=1.0,<2' >&2
fi
if ! .venv/bin/python -c 'import selenium' >/dev/null 2>&1; then
  .venv/bin/pip install --quiet 'selenium>=4.20,<5' >&2
fi
echo "$python"
