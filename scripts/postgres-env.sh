# Sourced by `make test` and .ci/run: point the PostgreSQL half of the suite at the local
# server when one answers and no URL was given. DATAWAARDEN_REQUIRE_POSTGRES=1 turns a missing
# server into a failure instead of a note (the tests then fail rather than skip).
: "${DATAWAARDEN_TEST_POSTGRES_DEFAULT:=postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"
if [ -z "${DATAWAARDEN_TEST_POSTGRES_URL:-}" ]; then
  if .venv/bin/python - "$DATAWAARDEN_TEST_POSTGRES_DEFAULT" <<'PY' 2>/dev/null
import sys

import psycopg

psycopg.connect(sys.argv[1].replace("+psycopg", ""), connect_timeout=5).close()
PY
  then
    export DATAWAARDEN_TEST_POSTGRES_URL="$DATAWAARDEN_TEST_POSTGRES_DEFAULT"
  fi
fi
if [ -n "${DATAWAARDEN_TEST_POSTGRES_URL:-}" ]; then
  echo "PostgreSQL tests run against ${DATAWAARDEN_TEST_POSTGRES_URL##*@}"
elif [ -n "${DATAWAARDEN_REQUIRE_POSTGRES:-}" ]; then
  echo "PostgreSQL is required but does not answer at ${DATAWAARDEN_TEST_POSTGRES_DEFAULT##*@}" >&2
  return 1 2>/dev/null || exit 1
else
  echo "PostgreSQL does not answer: the PostgreSQL tests are skipped (SQLite only)"
fi
