#!/usr/bin/env bash
# Put uv, the installer tools/*venv.sh use, into the virtualenv $1 with its
# own pip, at the version constraints.txt pins. Nothing when it is there.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$1
want=$(grep -i '^uv==' constraints.txt | cut -d= -f3)
if [[ -x $venv/bin/uv && $("$venv/bin/uv" --version) == "uv $want"* ]]; then
    exit 0
fi
"$venv/bin/pip" install -q --disable-pip-version-check -c constraints.txt uv
