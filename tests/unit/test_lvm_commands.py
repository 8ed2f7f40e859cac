"""The exact commands the LVM driver runs, in thick and thin mode.

The driver runs for real against the simulated lvm2 (tests/lvm_sim), which
logs each invocation's arguments and LVM environment variables; nothing in
the driver or its executor is mocked. One test fakes ``os.geteuid``: these
tests run as root, where processutils (rightly) leaves the root helper out,
and running as another user is not possible here.
"""
import os

import pytest

from backupd import exception
from backupd.drivers.volume import lvm_cmd

# Until tests/conftest.py lists it (then this line can go).

VG = 'sim-vg'
REPORT = ['--noheadings', '--nosuffix', '--units', 'b', '--separator', '|',
          '-o']
VGS = ['vgs'] + REPORT + ['vg_name,vg_size,vg_free,lv_count,vg_extent_size']
PVS = ['pvs'] + REPORT + ['pv_name,vg_name,pv_size,pv_free']
LVS = ['lvs'] + REPORT + [
    'vg_name,lv_name,lv_size,origin,lv_attr,pool_lv,data_percent', VG]
SYNC = 'conv=fdatasync,notrunc'


def dd_copy(sim, src_lv, dst_lv):
    return ['dd', 'if=%s/%s/%s' % (sim.dev_dir, VG, src_lv),
            'of=%s/%s/%s' % (sim.dev_dir, VG, dst_lv), 'bs=1M', SYNC]


def dd_zero(path, mib):
    return ['dd', 'if=/dev/zero', 'of=%s' % path, 'bs=1M', 'count=%d' % mib,
            SYNC]


def run_steps(sim, driver, steps):
    """Run each (operation, expected commands) in turn and compare."""
    for operation, expected in steps:
        sim.forget_commands()
        operation(driver)
        assert sim.commands() == expected, operation.__doc__


def step(doc, operation):
    operation.__doc__ = doc
    return operation


def test_thick_mode_commands(lvm_sim):
    sim = lvm_sim
    cow = '%s/mapper/sim--vg-_snapshot--s1-cow' % sim.dev_dir
    clone_cow = '%s/mapper/sim--vg-_snapshot--clone--v3-cow' % sim.dev_dir
    driver = sim.driver(lvm_snapshot_size_ratio=0.5)
    run_steps(sim, driver, [
        (step('setup', lambda d: d.do_setup()), [VGS]),
        (step('check', lambda d: d.check_for_setup_error()), [VGS]),
        (step('create', lambda d: d.create_volume('v1', 1)),
         [['lvcreate', '-n', 'volume-v1', '-L', '1024m', VG]]),
        (step('snapshot', lambda d: d.create_snapshot('s1', 'v1')),
         [LVS, ['lvcreate', '-s', '-n', '_snapshot-s1', '-L', '512m',
                VG + '/volume-v1']]),
        (step('from snapshot',
              lambda d: d.create_volume_from_snapshot('v2', 2, 's1', 'v1')),
         [LVS, ['lvcreate', '-n', 'volume-v2', '-L', '2048m', VG],
          dd_copy(sim, '_snapshot-s1', 'volume-v2')]),
        (step('clone', lambda d: d.create_cloned_volume('v3', 1, 'v1')),
         [LVS, ['lvcreate', '-s', '-n', '_snapshot-clone-v3', '-L', '512m',
                VG + '/volume-v1'],
          ['lvcreate', '-n', 'volume-v3', '-L', '1024m', VG],
          dd_copy(sim, '_snapshot-clone-v3', 'volume-v3'),
          LVS, dd_zero(clone_cow, 512),
          ['lvremove', '-f', VG + '/_snapshot-clone-v3']]),
        (step('extend', lambda d: d.extend_volume('v1', 2)),
         [LVS, ['lvextend', '-L', '2048m', VG + '/volume-v1']]),
        (step('stats', lambda d: d.get_stats()), [VGS, LVS, PVS]),
        (step('delete snapshot', lambda d: d.delete_snapshot('s1', 'v1')),
         [LVS, dd_zero(cow, 512), ['lvremove', '-f', VG + '/_snapshot-s1']]),
        (step('delete snapshot again',
              lambda d: d.delete_snapshot('s1', 'v1')), [LVS]),
        (step('delete', lambda d: d.delete_volume('v1')),
         [LVS, dd_zero('%s/%s/volume-v1' % (sim.dev_dir, VG), 2048),
          ['lvremove', '-f', VG + '/volume-v1']]),
        (step('delete again', lambda d: d.delete_volume('v1')), [LVS]),
    ])


def test_thin_mode_commands(lvm_sim):
    sim = lvm_sim
    pool = VG + '/sim-vg-pool'
    # volume_clear stays "zero": thin volumes are still not cleared.
    driver = sim.driver(lvm_type='thin')
    run_steps(sim, driver, [
        (step('setup creates the pool', lambda d: d.do_setup()),
         [VGS, LVS, ['lvcreate', '-T', '-l', '95%FREE', pool]]),
        (step('setup again', lambda d: d.do_setup()), [VGS, LVS]),
        (step('check', lambda d: d.check_for_setup_error()), [VGS, LVS]),
        (step('create', lambda d: d.create_volume('v1', 1)),
         [['lvcreate', '-T', '-V', '1024m', '-n', 'volume-v1', pool]]),
        (step('snapshot', lambda d: d.create_snapshot('s1', 'v1')),
         [LVS, ['lvcreate', '-s', '-n', '_snapshot-s1', '-k', 'n', '-a', 'y',
                VG + '/volume-v1']]),
        (step('from snapshot, larger',
              lambda d: d.create_volume_from_snapshot('v2', 2, 's1', 'v1')),
         [LVS, ['lvcreate', '-s', '-n', 'volume-v2', '-k', 'n', '-a', 'y',
                VG + '/_snapshot-s1'],
          ['lvextend', '-L', '2048m', VG + '/volume-v2']]),
        (step('clone, same size',
              lambda d: d.create_cloned_volume('v3', 1, 'v1')),
         [LVS, ['lvcreate', '-s', '-n', 'volume-v3', '-k', 'n', '-a', 'y',
                VG + '/volume-v1']]),
        (step('extend', lambda d: d.extend_volume('v1', 3)),
         [LVS, ['lvextend', '-L', '3072m', VG + '/volume-v1']]),
        (step('stats: capacity from the pool', lambda d: d.get_stats()),
         [LVS, LVS, PVS]),
        (step('delete snapshot', lambda d: d.delete_snapshot('s1', 'v1')),
         [LVS, ['lvremove', '-f', VG + '/_snapshot-s1']]),
        (step('delete: thin snapshots may outlive their origin',
              lambda d: d.delete_volume('v1')),
         [LVS, ['lvremove', '-f', VG + '/volume-v1']]),
    ])


@pytest.mark.parametrize('clear, clear_size, expected_dd', [
    ('zero', 0, [dd_zero('{dev}/sim-vg/volume-v1', 1024)]),
    ('zero', 3, [dd_zero('{dev}/sim-vg/volume-v1', 3)]),
    ('none', 0, []),
])
def test_volume_clear_options(lvm_sim, clear, clear_size, expected_dd):
    driver = lvm_sim.driver(volume_clear=clear, volume_clear_size=clear_size)
    driver.create_volume('v1', 1)
    lvm_sim.forget_commands()
    driver.delete_volume('v1')
    expected_dd = [[arg.format(dev=lvm_sim.dev_dir) for arg in cmd]
                   for cmd in expected_dd]
    assert lvm_sim.commands() == (
        [LVS] + expected_dd + [['lvremove', '-f', VG + '/volume-v1']])


def test_every_command_gets_lvm_environment(lvm_sim, tmp_path):
    conf_dir = tmp_path / 'lvm-etc'
    driver = lvm_sim.driver(lvm_conf_file=str(conf_dir / 'lvm.conf'))
    driver.create_volume('v1', 1)
    driver.delete_volume('v1')
    envs = [entry['env'] for entry in lvm_sim.invocations()]
    assert len(envs) == 4     # lvcreate, lvs, dd, lvremove
    assert all(env == {'LC_ALL': 'C', 'LVM_SUPPRESS_FD_WARNINGS': '1',
                       'LVM_SYSTEM_DIR': str(conf_dir)} for env in envs)


def test_lvm_conf_file_must_be_named_lvm_conf(lvm_sim, tmp_path):
    driver = lvm_sim.driver(lvm_conf_file=str(tmp_path / 'my.conf'))
    with pytest.raises(exception.VolumeDriverError, match='named lvm.conf'):
        driver.do_setup()


@pytest.mark.parametrize('euid, helper_used', [(1000, True), (0, False)])
def test_root_helper_prefixes_commands_unless_root(lvm_sim, monkeypatch,
                                                   euid, helper_used):
    # Fault injection: pretend not to be root (see module docstring).
    monkeypatch.setattr(os, 'geteuid', lambda: euid)
    driver = lvm_sim.driver(root_helper='env BACKUPD_ROOT_HELPER=used')
    driver.create_volume('v1', 1)
    [entry] = lvm_sim.invocations()
    assert ('BACKUPD_ROOT_HELPER' in entry['env']) is helper_used


def test_failed_command_carries_command_and_stderr(lvm_sim):
    driver = lvm_sim.driver()
    with pytest.raises(lvm_cmd.LVMCommandError) as info:
        driver.create_volume('big', 100)
    error = info.value
    assert isinstance(error, exception.VolumeDriverError)
    assert error.cmd == ('lvcreate', '-n', 'volume-big', '-L', '102400m', VG)
    assert error.exit_code == 5
    assert 'insufficient free space' in error.stderr
    assert str(error).startswith(
        'Could not create volume big. Command '
        '"lvcreate -n volume-big -L 102400m sim-vg" failed with exit code 5: '
        'Volume group "sim-vg" has insufficient free space')


def test_missing_program_is_a_command_error():
    execute = lvm_cmd.Executor()
    with pytest.raises(lvm_cmd.LVMCommandError) as info:
        execute('backupd-no-such-lvm-tool', 'x')
    assert info.value.exit_code == 127
    assert 'No such file or directory' in str(info.value)
    assert info.value.cmd == ('backupd-no-such-lvm-tool', 'x')


def test_report_lines_that_do_not_match_fields_are_refused():
    with pytest.raises(exception.VolumeDriverError,
                       match='Unexpected lvm2 report line'):
        lvm_cmd.parse_vgs('  vg|1|2\n')
