#!/bin/sh
# Rebuild the vendored bpmn-js bundles (webapp/static/vendor/) from frontend/package-lock.json.
# Needs node and npm; the app itself does not: the built bundles are committed.
set -eu
cd "$(dirname "$0")/../frontend"
if ! command -v node >/dev/null 2>&1; then
    echo "node is not installed; the committed bundles in webapp/static/vendor/ are used as they are." >&2
    exit 0
fi
npm ci --no-audit --no-fund
node build.mjs
