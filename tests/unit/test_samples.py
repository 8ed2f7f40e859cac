"""The checked-in sample config and policy file are what the generators make
now; regenerate with tools/generate-samples.sh when this fails."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
BIN = os.path.dirname(sys.executable)


@pytest.mark.parametrize('tool,config,sample', [
    ('oslo-config-generator', 'backupd-config-generator.conf',
     'backupd.conf.sample'),
    ('oslopolicy-sample-generator', 'backupd-policy-generator.conf',
     'policy.yaml.sample'),
])
def test_sample_is_current(tmp_path, tool, config, sample):
    out = tmp_path / sample
    subprocess.run([os.path.join(BIN, tool), '--config-file',
                    os.path.join(ROOT, 'etc', 'backupd', config),
                    '--output-file', str(out)],
                   check=True, cwd=ROOT, capture_output=True)
    with open(os.path.join(ROOT, 'etc', 'backupd', sample)) as f:
        checked_in = f.read()
    assert out.read_text() == checked_in, (
        '%s is stale: run tools/generate-samples.sh' % sample)


def test_every_backupd_option_has_help():
    from backupd.conf import opts
    missing = [o.name for _, group in opts.list_opts() for o in group
               if len((o.help or '').strip()) < 20]
    assert missing == []
