#!/usr/bin/env bash
# Run the whole suite: lint, then every test on SQLite and, side by side, the database-backed
# tests again on PostgreSQL (127.0.0.1:5432 unless TRUSTMIRROR_TEST_POSTGRES_URL says
# otherwise), so nothing SQLite-only creeps in.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export TRUSTMIRROR_DATA_DIR="$(mktemp -d)"
trap 'rm -rf "$TRUSTMIRROR_DATA_DIR"' EXIT
export TRUSTMIRROR_CHROMIUM="${TRUSTMIRROR_CHROMIUM:-$(command -v chromium || true)}"

echo "== ruff"
$BIN/ruff check .
$BIN/ruff format --check src tests bench

# axe-core (npm registry) for the accessibility checks in the browser tests: tests/a11y.
if [ ! -f tests/a11y/node_modules/axe-core/axe.min.js ]; then
  echo "== axe-core for the accessibility tests"
  (cd tests/a11y && npm ci --no-audit --no-fund --silent)
fi

PG_URL="${TRUSTMIRROR_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"
PG_ARGS=(-q -p no:randomly
  --ignore=tests/analysis --ignore=tests/instrument --ignore=tests/privacy
  --ignore=tests/test_serving.py --ignore=tests/a11y)

if [ "${TRUSTMIRROR_SKIP_POSTGRES:-}" = "1" ]; then
  echo "== tests on SQLite (PostgreSQL run skipped: TRUSTMIRROR_SKIP_POSTGRES=1)"
  $BIN/pytest -q "$@"
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

if [ "${TRUSTMIRROR_TEST_SERIAL:-}" = "1" ]; then
  echo "== tests on SQLite"
  $BIN/pytest -q "$@"
  echo "== database tests on PostgreSQL"
  TRUSTMIRROR_DATABASE_URL="$PG_URL" $BIN/pytest "${PG_ARGS[@]}" "$@"
  exit 0
fi

# Both runs side by side (each is mostly one process; a machine has two cores or more):
# the PostgreSQL run in the background with its own data directory and Redis database, its
# output shown when it ends. TRUSTMIRROR_TEST_SERIAL=1 runs them one after the other.
PG_LOG="$TRUSTMIRROR_DATA_DIR/postgres-run.log"
PG_DATA="$(mktemp -d)"
trap 'rm -rf "$TRUSTMIRROR_DATA_DIR" "$PG_DATA"' EXIT
echo "== database tests on PostgreSQL (in the background; their output follows the SQLite run)"
TRUSTMIRROR_DATA_DIR="$PG_DATA" TRUSTMIRROR_DATABASE_URL="$PG_URL" \
  TRUSTMIRROR_TEST_REDIS_URL="${TRUSTMIRROR_TEST_REDIS_URL_PG:-redis://127.0.0.1:6379/14}" \
  $BIN/pytest "${PG_ARGS[@]}" "$@" >"$PG_LOG" 2>&1 &
PG_PID=$!

echo "== tests on SQLite"
SQLITE_STATUS=0
$BIN/pytest -q "$@" || SQLITE_STATUS=$?

PG_STATUS=0
wait "$PG_PID" || PG_STATUS=$?
echo "== database tests on PostgreSQL: output"
cat "$PG_LOG"
echo "== SQLite run: exit $SQLITE_STATUS; PostgreSQL run: exit $PG_STATUS"
[ "$SQLITE_STATUS" = 0 ] && [ "$PG_STATUS" = 0 ]
