#!/usr/bin/env bash
# The whole suite: lint and types, then every test on SQLite, then every test on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY="$VENV/bin/python"
mkdir -p .test-results
export PYTHONDONTWRITEBYTECODE=1

echo "== ruff"; "$VENV/bin/ruff" check .
echo "== mypy"; "$VENV/bin/mypy"
bash scripts/ensure-chromium.sh
bash scripts/ensure-nginx.sh
bash scripts/ensure-postgres.sh
echo "== npm ci (axe-core for the browser journeys)"; npm ci --no-audit --no-fund --silent
echo "== pytest on SQLite"
"$PY" -m pytest -n 2 --db sqlite --junitxml=.test-results/sqlite.xml "$@"
echo "== pytest on PostgreSQL"
"$PY" -m pytest -n 2 --db postgresql --junitxml=.test-results/postgresql.xml "$@"
"$PY" scripts/check_results.py .test-results/sqlite.xml .test-results/postgresql.xml
