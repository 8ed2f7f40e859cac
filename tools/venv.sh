#!/usr/bin/env bash
# Create or refresh ./.venv with backupd and its pinned dependencies.
# Idempotent: reinstalls only when a requirements or packaging file changed.
# Usage: tools/venv.sh [--test]   (--test adds the test requirements)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${BACKUPD_VENV:-.venv}
reqs=(-r requirements.txt)
files=(requirements.txt constraints.txt setup.cfg pyproject.toml)
if [[ ${1:-} == --test ]]; then
    reqs+=(-r test-requirements.txt)
    files+=(test-requirements.txt)
fi
stamp="$venv/.backupd-stamp"
want=$( (echo "${reqs[*]}"; cat "${files[@]}") | sha256sum | cut -d' ' -f1)
if [[ -x $venv/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    exit 0
fi
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
quiet() { grep -v -e "^WARNING: Location .file:" -e "^ *$" >&2 || true; }
"$venv/bin/pip" install -q --upgrade pip 2>&1 | quiet
"$venv/bin/pip" install -q -c constraints.txt "${reqs[@]}" -e . 2>&1 | quiet
echo "$want" >"$stamp"
