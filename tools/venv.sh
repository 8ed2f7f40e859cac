#!/usr/bin/env bash
# Create or refresh ./.venv with backupd and its pinned dependencies.
# Usage: tools/venv.sh [--test]   (--test adds the test requirements)
#
# ONE virtualenv serves tools/run-embedded (no --test) and tools/run-tests
# (--test): its stamp records the packaging and requirements files it was
# built from and whether the test requirements are in. A venv built with
# them satisfies a call without --test; a refresh keeps them in. So
# switching between the two commands never reinstalls, and nothing is
# printed unless something is installed; pip's own output (setuptools'
# editable-install notices included) goes to $venv/pip.log, shown only
# when it fails.
#
# The installer is uv (tools/uv-bootstrap.sh puts it into the venv with
# pip, pinned in constraints.txt): pip took 17 CPU-seconds to resolve and
# unpack what uv does in 2, and a fresh clone (CI) builds three venvs. Like
# pip --no-compile it writes no .pyc files: Python writes those of what a
# process imports at first import, a fraction of what is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${BACKUPD_VENV:-.venv}
stamp="$venv/.backupd-stamp"
files=(requirements.txt test-requirements.txt constraints.txt setup.cfg
       pyproject.toml)
want=$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)
read -r have_hash have_mode 2>/dev/null <"$stamp" || true
mode=base
if [[ ${1:-} == --test || ${have_mode:-} == test ]]; then
    mode=test
fi
if [[ -x $venv/bin/python && ${have_hash:-} == "$want" &&
      (${have_mode:-} == test || $mode == base) ]]; then
    exit 0
fi
reqs=(-r requirements.txt)
[[ $mode == base ]] || reqs+=(-r test-requirements.txt)
log="$venv/pip.log"
echo "tools/venv.sh: installing backupd and its pinned dependencies" \
     "($mode) into $venv; the installer's output: $log" >&2
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
if ! { tools/uv-bootstrap.sh "$venv" &&
       "$venv/bin/uv" pip install --python "$venv/bin/python" \
           -c constraints.txt "${reqs[@]}" -e .; } \
        >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "tools/venv.sh: the install failed; the whole output is in $log" >&2
    exit 1
fi
echo "$want $mode" >"$stamp"
