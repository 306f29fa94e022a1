#!/usr/bin/env bash
# Run the whole suite: lint, then every test on SQLite, then the database-backed tests again on
# PostgreSQL (127.0.0.1:5432 unless TRUSTMIRROR_TEST_POSTGRES_URL says otherwise), so nothing
# SQLite-only creeps in.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export TRUSTMIRROR_DATA_DIR="$(mktemp -d)"
trap 'rm -rf "$TRUSTMIRROR_DATA_DIR"' EXIT
export TRUSTMIRROR_CHROMIUM="${TRUSTMIRROR_CHROMIUM:-$(command -v chromium || true)}"

echo "== ruff"
$BIN/ruff check .

# axe-core (npm registry) for the accessibility checks in the browser tests: tests/a11y.
if [ ! -f tests/a11y/node_modules/axe-core/axe.min.js ]; then
  echo "== axe-core for the accessibility tests"
  (cd tests/a11y && npm ci --no-audit --no-fund --silent)
fi

echo "== tests on SQLite"
$BIN/pytest -q "$@"

PG_URL="${TRUSTMIRROR_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"
if [ "${TRUSTMIRROR_SKIP_POSTGRES:-}" = "1" ]; then
  echo "== PostgreSQL run skipped (TRUSTMIRROR_SKIP_POSTGRES=1)"
  exit 0
fi
if ! $BIN/python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1], connect_timeout=5).close()
except Exception as exc:
    print(f"PostgreSQL at {sys.argv[1]} is not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "Start PostgreSQL, or set TRUSTMIRROR_TEST_POSTGRES_URL (TRUSTMIRROR_SKIP_POSTGRES=1 skips)." >&2
  exit 1
fi
echo "== database tests on PostgreSQL"
TRUSTMIRROR_DATABASE_URL="$PG_URL" $BIN/pytest -q -p no:randomly \
  --ignore=tests/analysis --ignore=tests/instrument --ignore=tests/privacy \
  --ignore=tests/test_serving.py --ignore=tests/a11y "$@"
