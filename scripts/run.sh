#!/usr/bin/env bash
# Run the registry for development: migrate, seed demo data, print the demo logins, then start
# a local mail catcher, the scheduler process and the web server side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export PATH="$PWD/$VENV/bin:$PATH"
PORT=${PORT:-5000}
export REGISTRY_BASE_URL=${REGISTRY_BASE_URL:-http://127.0.0.1:$PORT}
export REGISTRY_SMTP_URL=${REGISTRY_SMTP_URL:-smtp://127.0.0.1:2525}

flask --app wsgi db upgrade
flask --app wsgi demo seed

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
if flask --app wsgi --help 2>/dev/null | grep -q "mailcatcher"; then
  flask --app wsgi mailcatcher --port 2525 & pids+=($!)
fi
if flask --app wsgi --help 2>/dev/null | grep -q "scheduler"; then
  flask --app wsgi scheduler run & pids+=($!)
fi
echo "Registry on $REGISTRY_BASE_URL (Ctrl-C stops it)"
gunicorn --bind "127.0.0.1:$PORT" --access-logfile - wsgi:app  # settings: gunicorn.conf.py
