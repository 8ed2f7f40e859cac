#!/usr/bin/env bash
# Create or refresh ./.venv-tempest: Tempest (OpenStack's conformance suite)
# pinned in constraints-tempest.txt, and backupd's small Tempest plugin
# (tests/tempest/plugin; doc/tempest.rst says what it does), for
# tests/functional/test_tempest.py. A virtualenv of its own, because
# Tempest's pins differ from backupd's and Keystone's. Idempotent:
# reinstalls only when the pins or the plugin changed. Installed with uv, as
# tools/venv.sh says why.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${BACKUPD_TEMPEST_VENV:-.venv-tempest}
stamp="$venv/.tempest-stamp"
want=$(cat constraints-tempest.txt $(find tests/tempest/plugin -name '*.py' -o -name '*.toml' | sort) | sha256sum | cut -d' ' -f1)
if [[ -x $venv/bin/tempest && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    exit 0
fi
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
log="$venv/pip.log"
echo "tools/tempest-venv.sh: installing Tempest into $venv; the installer's output: $log" >&2
uv=("$venv/bin/uv" pip install --python "$venv/bin/python")
if ! { tools/uv-bootstrap.sh "$venv" &&
       "${uv[@]}" -c constraints-tempest.txt tempest &&
       "${uv[@]}" --no-deps --reinstall ./tests/tempest/plugin; } \
        >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "tools/tempest-venv.sh: the install failed; the whole output is in $log" >&2
    exit 1
fi
echo "$want" >"$stamp"
