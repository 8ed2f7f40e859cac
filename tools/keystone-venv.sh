#!/usr/bin/env bash
# Create or refresh ./.venv-keystone: a real Keystone (identity v3) and
# gunicorn for the tests (tests/fixtures/keystone.py), pinned in
# constraints-keystone.txt. A virtualenv of its own, because Keystone's pins
# differ from backupd's. Idempotent: reinstalls only when the pins changed.
# Installed with uv, as tools/venv.sh says why.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${BACKUPD_KEYSTONE_VENV:-.venv-keystone}
stamp="$venv/.keystone-stamp"
want=$(sha256sum constraints-keystone.txt | cut -d' ' -f1)
if [[ -x $venv/bin/keystone-manage && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    exit 0
fi
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
quiet() { grep -v -e "^WARNING: Location .file:" -e "^ *$" >&2 || true; }
tools/uv-bootstrap.sh "$venv" 2>&1 | quiet
"$venv/bin/uv" pip install -q --python "$venv/bin/python" \
    -c constraints-keystone.txt keystone gunicorn 2>&1 | quiet
echo "$want" >"$stamp"
