"""The LVM command layer: one executor for every command, and report parsing.

Every command the LVM driver runs (lvm2 tools and the ``dd`` it uses to copy
or clear devices) goes through :class:`Executor`, so the environment, the
root helper and error handling are decided in one place. :class:`LVM` builds
the lvm2 command lines for one volume group and parses their reports.

Reports are asked for in a machine-readable form that does not depend on the
locale or on the units LVM would pick: no headings, sizes in bytes without a
suffix, fields separated by ``|`` (a character LVM does not allow in VG or LV
names).
"""
import collections
import os

from oslo_concurrency import processutils

from backupd import exception

# Environment for every command. It is set with ``env`` in front of the
# command rather than through Popen's environment because a root helper
# (sudo, rootwrap) would drop it otherwise, and because processutils replaces
# the whole environment when given one.
#   LC_ALL=C: messages and number formats stay the same on every host.
#   LVM_SUPPRESS_FD_WARNINGS=1: lvm2 otherwise warns on stderr about every
#     file descriptor a parent process left open.
BASE_ENV = ('LC_ALL=C', 'LVM_SUPPRESS_FD_WARNINGS=1')

REPORT_OPTS = ('--noheadings', '--nosuffix', '--units', 'b',
               '--separator', '|')

VG_FIELDS = ('vg_name', 'vg_size', 'vg_free', 'lv_count', 'vg_extent_size')
PV_FIELDS = ('pv_name', 'vg_name', 'pv_size', 'pv_free')
LV_FIELDS = ('vg_name', 'lv_name', 'lv_size', 'origin', 'lv_attr', 'pool_lv',
             'data_percent')

THIN_FIELDS = ('lv_name', 'lv_uuid', 'thin_id', 'lv_attr', 'lv_size')

VG = collections.namedtuple('VG', 'name size free lv_count extent_size')
ThinInfo = collections.namedtuple('ThinInfo', 'name uuid thin_id attr size')
PV = collections.namedtuple('PV', 'name vg size free')


class LV(collections.namedtuple(
        'LV', 'vg name size origin attr pool data_percent')):
    """One row of ``lvs``; ``attr`` is LVM's 10-character lv_attr."""

    __slots__ = ()

    @property
    def is_thin_pool(self):
        return self.attr[:1] == 't'

    @property
    def is_thin(self):
        # 'V': thin volume (a thin snapshot is a thin volume with an origin).
        return self.attr[:1] == 'V'

    @property
    def is_thick_snapshot(self):
        # 's': snapshot with its own copy-on-write area ('S' when invalid).
        return self.attr[:1] in ('s', 'S')


class LVMCommandError(exception.VolumeDriverError):
    """An lvm2 (or dd) command failed; carries what ran and what it said."""

    message = ('%(action)sCommand "%(cmd)s" failed with exit code '
               '%(exit_code)s: %(stderr)s')

    def __init__(self, cmd, exit_code, stderr, action=None):
        self.cmd = cmd
        self.exit_code = exit_code
        self.stderr = stderr
        self.action = action
        super().__init__(action='Could not %s. ' % action if action else '',
                         cmd=' '.join(cmd), exit_code=exit_code,
                         stderr=_useful_lines(stderr) or '(no output)')

    def while_doing(self, action):
        """The same failure, its message saying what the driver was doing."""
        return LVMCommandError(self.cmd, self.exit_code, self.stderr, action)


def _useful_lines(stderr):
    # lvm2 repeats the same warnings before every real message when
    # activation is disabled or device-mapper is missing; the message still
    # carries all of stderr, on one line so logs keep it together.
    return ' / '.join(line.strip() for line in (stderr or '').splitlines()
                      if line.strip())


class Executor:
    """Runs a command with LVM's environment, through the root helper.

    ``root_helper`` is a command line put in front of every command (``sudo``,
    ``sudo backupd-rootwrap /etc/backupd/rootwrap.conf``); processutils
    leaves it out when the service already runs as root. ``lvm_system_dir``
    (the directory of an lvm.conf) becomes ``LVM_SYSTEM_DIR``.
    """

    def __init__(self, root_helper='', lvm_system_dir=None):
        self.root_helper = root_helper or ''
        self.env = BASE_ENV
        if lvm_system_dir:
            self.env += ('LVM_SYSTEM_DIR=%s' % lvm_system_dir,)

    def __call__(self, *cmd):
        """Run ``cmd``; return its stdout or raise :class:`LVMCommandError`."""
        cmd = tuple(str(part) for part in cmd)
        try:
            stdout, _stderr = processutils.execute(
                'env', *self.env, *cmd,
                root_helper=self.root_helper,
                run_as_root=bool(self.root_helper))
        except processutils.ProcessExecutionError as e:
            raise LVMCommandError(cmd, e.exit_code, e.stderr) from e
        except OSError as e:
            # Only when ``env`` itself (or the root helper) cannot start.
            raise LVMCommandError(cmd, None, str(e)) from e
        return stdout


def parse_report(text, fields):
    """Rows of an lvm2 report made with REPORT_OPTS, as dicts by field name."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        values = line.split('|')
        if len(values) != len(fields):
            raise exception.VolumeDriverError(
                reason='Unexpected lvm2 report line %r: expected the fields '
                       '%s.' % (line, ', '.join(fields)))
        rows.append(dict(zip(fields, values)))
    return rows


def _percent(value):
    return float(value) if value else None


def parse_vgs(text):
    return [VG(r['vg_name'], int(r['vg_size']), int(r['vg_free']),
               int(r['lv_count']), int(r['vg_extent_size']))
            for r in parse_report(text, VG_FIELDS)]


def parse_pvs(text):
    return [PV(r['pv_name'], r['vg_name'] or None, int(r['pv_size']),
               int(r['pv_free']))
            for r in parse_report(text, PV_FIELDS)]


def parse_lvs(text):
    return [LV(r['vg_name'], r['lv_name'], int(r['lv_size']),
               r['origin'] or None, r['lv_attr'], r['pool_lv'] or None,
               _percent(r['data_percent']))
            for r in parse_report(text, LV_FIELDS)]


class LVM:
    """lvm2 commands on one volume group, run by one :class:`Executor`.

    Sizes given to lvm2 are in MiB (``-L 1024m``): whole GiB volumes and
    ratio-sized snapshots both fit, and LVM rounds up to its extent size.
    """

    def __init__(self, vg_name, execute):
        self.vg_name = vg_name
        self.execute = execute

    def lv_ref(self, lv_name):
        return '%s/%s' % (self.vg_name, lv_name)

    # -- reports ------------------------------------------------------------

    def get_vg(self):
        """The volume group, or None when it does not exist.

        All VGs are listed and filtered here: asking ``vgs`` for a missing VG
        fails with the same exit code as any other failure.
        """
        out = self.execute('vgs', *REPORT_OPTS, '-o', ','.join(VG_FIELDS))
        for vg in parse_vgs(out):
            if vg.name == self.vg_name:
                return vg
        return None

    def list_pvs(self):
        out = self.execute('pvs', *REPORT_OPTS, '-o', ','.join(PV_FIELDS))
        return [pv for pv in parse_pvs(out) if pv.vg == self.vg_name]

    def list_lvs(self):
        out = self.execute('lvs', *REPORT_OPTS, '-o', ','.join(LV_FIELDS),
                           self.vg_name)
        return parse_lvs(out)

    def get_lv(self, lv_name):
        """The LV named ``lv_name`` in the VG, or None."""
        return find_lv(self.list_lvs(), lv_name)

    def thin_info(self, lv_name):
        """A thin LV's uuid, device id in its pool, attributes and size."""
        out = self.execute('lvs', *REPORT_OPTS, '-o', ','.join(THIN_FIELDS),
                           self.lv_ref(lv_name))
        rows = parse_report(out, THIN_FIELDS)
        if len(rows) != 1 or not rows[0]['thin_id']:
            raise exception.VolumeDriverError(
                reason='%s is not one thin LV (lvs said %r).'
                       % (self.lv_ref(lv_name), out.strip()))
        row = rows[0]
        return ThinInfo(row['lv_name'], row['lv_uuid'], int(row['thin_id']),
                        row['lv_attr'], int(row['lv_size']))

    # -- changed-block tracking (thin pools) --------------------------------

    def set_read_only(self, lv_name):
        self.execute('lvchange', '-p', 'r', self.lv_ref(lv_name))

    def pool_message(self, tpool_dm_name, message):
        """A message to a thin pool's device-mapper target."""
        self.execute('dmsetup', 'message', tpool_dm_name, '0', message)

    def thin_delta(self, tmeta_path, thin_id1, thin_id2):
        """thin_delta's report of two thin devices, read from the pool's
        metadata snapshot (reserved by the caller)."""
        return self.execute('thin_delta', '-m', '--snap1', thin_id1,
                            '--snap2', thin_id2, tmeta_path)

    # -- changes ------------------------------------------------------------

    def create_lv(self, lv_name, size_mib):
        self.execute('lvcreate', '-n', lv_name, '-L', '%dm' % size_mib,
                     self.vg_name)

    def create_thin_pool(self, pool_name, percent_of_free):
        # The pool's metadata LV and its spare come out of the VG too, so the
        # data part cannot take all of the free space.
        self.execute('lvcreate', '-T', '-l', '%d%%FREE' % percent_of_free,
                     self.lv_ref(pool_name))

    def create_thin_lv(self, lv_name, size_mib, pool_name):
        self.execute('lvcreate', '-T', '-V', '%dm' % size_mib, '-n', lv_name,
                     self.lv_ref(pool_name))

    def create_snapshot(self, lv_name, origin_name, cow_size_mib=None):
        """Snapshot of ``origin_name``: thick with a COW size, else thin.

        A thin snapshot is created with activation skip off (``-k n``) and
        activated (``-a y``): lvm2 skips thin snapshots at activation by
        default, and the snapshot must be readable at its device path.
        """
        cmd = ['lvcreate', '-s', '-n', lv_name]
        if cow_size_mib is None:
            cmd += ['-k', 'n', '-a', 'y']
        else:
            cmd += ['-L', '%dm' % cow_size_mib]
        self.execute(*cmd, self.lv_ref(origin_name))

    def extend_lv(self, lv_name, size_mib):
        self.execute('lvextend', '-L', '%dm' % size_mib, self.lv_ref(lv_name))

    def remove_lv(self, lv_name):
        self.execute('lvremove', '-f', self.lv_ref(lv_name))

    # -- data on devices ----------------------------------------------------

    def copy_device(self, src_path, dst_path):
        """Stream src into dst (the whole of src; dst at least as large).

        ``dd`` runs through the executor because devices belong to root;
        fdatasync makes the copy durable before the clone is reported made;
        notrunc changes nothing on a device and keeps an LV that is a
        regular file (loop-backed, simulated) at its size.
        """
        self.execute('dd', 'if=%s' % src_path, 'of=%s' % dst_path, 'bs=1M',
                     'conv=fdatasync,notrunc')

    def zero_device(self, path, size_mib):
        """Overwrite the first ``size_mib`` MiB of ``path`` with zeros."""
        self.execute('dd', 'if=/dev/zero', 'of=%s' % path, 'bs=1M',
                     'count=%d' % size_mib, 'conv=fdatasync,notrunc')


def find_lv(lvs, lv_name):
    for lv in lvs:
        if lv.name == lv_name:
            return lv
    return None


def system_dir_of(lvm_conf_file):
    """LVM_SYSTEM_DIR for an lvm.conf path ('' = the system's lvm.conf)."""
    if not lvm_conf_file:
        return None
    return os.path.dirname(os.path.abspath(lvm_conf_file))
