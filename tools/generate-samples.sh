#!/usr/bin/env bash
# Regenerate etc/backupd/backupd.conf.sample and policy.yaml.sample.
# tests/unit/test_samples.py fails while the checked-in samples are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BACKUPD_VENV:-.venv}/bin
"$bin/oslo-config-generator" --config-file etc/backupd/backupd-config-generator.conf "$@"
"$bin/oslopolicy-sample-generator" --config-file etc/backupd/backupd-policy-generator.conf "$@"
