#!/usr/bin/env python3
"""A small simulated lvm2 for tests, on a kernel without device-mapper.

Installed (by tests/fixtures/lvm.py) as ``vgs``, ``pvs``, ``lvs``,
``lvcreate``, ``lvextend``, ``lvremove`` and ``dd`` in a directory put first
on PATH; it dispatches on the name it was called by (``lvm_sim.py lvs ...``
works too, like ``lvm lvs ...``). State lives in
``$LVM_SIM_DIR``:

* ``state.json``: VGs and their LVs (size, kind, origin, pool);
* ``dev/<vg>/<lv>``: each active LV as a sparse file of the LV's size, so the
  driver's ``lvm_dev_dir`` points at ``$LVM_SIM_DIR/dev``;
  ``dev/mapper/<vg>-<lv>-cow``: a thick snapshot's copy-on-write area;
* ``log.jsonl``: every invocation: program, arguments and the environment
  variables the driver is expected to set.

Snapshots are full copies made at snapshot time (copy-on-snapshot), so they
are point-in-time like real ones.

Thin pools' metadata (changed-block tracking, issue 19): each thin LV has a
device id (``thin_id``), a uuid and a map of its 64 KiB blocks to data
blocks. The map is brought up to date from the LV's file before a snapshot
is taken and when a metadata snapshot is reserved: a block whose bytes
changed since gets a new data block (as copy-on-write would), a block that
became a hole is unmapped (as a discard would); a snapshot starts with its
origin's map. ``dmsetup message <vg>-<pool>-tpool 0
reserve_metadata_snap`` writes the maps as thin metadata with the real
``thin_restore`` into ``dev/mapper/<vg>-<pool>_tmeta``, and ``thin_delta``
runs the real ``thin_delta`` on it, so its output is the real tool's. Not
simulated: dm-thin's own semantics (a rewrite of identical bytes keeps its
mapping here, in-place writes to unshared blocks), a real metadata
snapshot (the real thin_delta reads the restored metadata without ``-m``). Reports only come in the machine-readable
form the driver asks for (``--noheadings --nosuffix --units b --separator``);
anything else the sim does not know makes it fail loudly. Error messages and
exit codes copy real lvm2 2.03's. ``dd`` is simulated too (see dd()).
"""
import fcntl
import hashlib
import json
import os
import re
import sys
import uuid

EXTENT = 4 * 1024 ** 2
UNITS = {'b': 1, 'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3, 't': 1024 ** 4}
LOGGED_ENV = ('LC_ALL', 'LVM_SUPPRESS_FD_WARNINGS', 'LVM_SYSTEM_DIR',
              'BACKUPD_ROOT_HELPER')
REPORT_ARGS = ['--noheadings', '--nosuffix', '--units', 'b', '--separator']
# Real lvm2 exit codes: 3 = invalid command line, 5 = command failed.
EINVALID, EFAILED = 3, 5


class Fail(Exception):
    def __init__(self, message, code=EFAILED):
        super().__init__(message)
        self.code = code


# -- state -------------------------------------------------------------------

def sim_dir():
    return os.environ['LVM_SIM_DIR']


def load():
    with open(os.path.join(sim_dir(), 'state.json')) as f:
        return json.load(f)


def save(state):
    path = os.path.join(sim_dir(), 'state.json')
    with open(path + '.new', 'w') as f:
        json.dump(state, f, indent=1)
    os.replace(path + '.new', path)


def init_vg(directory, vg, size, pv_name):
    """Start a simulation in ``directory`` with one empty VG (for fixtures)."""
    os.makedirs(os.path.join(directory, 'dev', vg), exist_ok=True)
    os.makedirs(os.path.join(directory, 'dev', 'mapper'), exist_ok=True)
    state = {'vgs': {vg: {'size': size, 'pv': pv_name, 'lvs': {}}}}
    with open(os.path.join(directory, 'state.json'), 'w') as f:
        json.dump(state, f)


def dev_path(vg, lv):
    return os.path.join(sim_dir(), 'dev', vg, lv)


def cow_path(vg, lv):
    name = '%s-%s-cow' % (vg.replace('-', '--'), lv.replace('-', '--'))
    return os.path.join(sim_dir(), 'dev', 'mapper', name)


def extents(size):
    return -(-size // EXTENT)


def allocated(vg):
    """Bytes of the VG taken by LVs (thin LVs take from their pool only)."""
    return sum(lv.get('cow_size', lv['size']) for lv in vg['lvs'].values()
               if lv['kind'] in ('linear', 'snapshot', 'thin-pool'))


def get_vg(state, name):
    if name not in state['vgs']:
        raise Fail('Volume group "%s" not found\n'
                   '  Cannot process volume group %s' % (name, name))
    return state['vgs'][name]


def split_ref(ref):
    vg, _, lv = ref.partition('/')
    return vg, lv


# -- reports -----------------------------------------------------------------

def attr(vg, name, lv):
    kind = lv['kind']
    active = 'a' if lv.get('active', True) else '-'
    if kind == 'thin-pool':
        return 'twi-%s-tz--' % active
    if kind == 'thin':
        return 'V%si-%s-tz-%s' % (lv.get('perm', 'w'), active,
                                  'k' if lv.get('skip') else '-')
    if kind == 'snapshot':
        return 'swi-%s-s---' % active
    has_snapshots = any(o.get('origin') == name and o['kind'] == 'snapshot'
                        for o in vg['lvs'].values())
    return '%swi-%s-----' % ('o' if has_snapshots else '-', active)


def used_bytes(vg_name, name):
    path = dev_path(vg_name, name)
    return os.stat(path).st_blocks * 512 if os.path.exists(path) else 0


def data_percent(vg_name, vg, name, lv):
    if lv['kind'] == 'thin-pool':
        used = sum(used_bytes(vg_name, n) for n, o in vg['lvs'].items()
                   if o.get('pool') == name)
    elif lv['kind'] == 'thin':
        used = used_bytes(vg_name, name)
    else:
        return ''
    return '%.2f' % min(100.0, 100.0 * used / lv['size'])


def vg_row(name, vg):
    return {'vg_name': name, 'vg_size': vg['size'],
            'vg_free': vg['size'] - allocated(vg), 'lv_count': len(vg['lvs']),
            'vg_extent_size': EXTENT}


def pv_row(name, vg):
    return {'pv_name': vg['pv'], 'vg_name': name, 'pv_size': vg['size'],
            'pv_free': vg['size'] - allocated(vg)}


def lv_row(vg_name, vg, name, lv):
    return {'vg_name': vg_name, 'lv_name': name,
            'lv_size': lv.get('cow_size', lv['size']),
            'origin': lv.get('origin') or '', 'lv_attr': attr(vg, name, lv),
            'pool_lv': lv.get('pool') or '',
            'data_percent': data_percent(vg_name, vg, name, lv),
            'lv_uuid': lv.get('uuid', ''), 'thin_id': lv.get('thin_id', '')}


def report(args, rows_of):
    if args[:5] != REPORT_ARGS or args[6:7] != ['-o']:
        raise Fail('lvm sim: reports need %s <sep> -o <fields>; got %s'
                   % (' '.join(REPORT_ARGS), args), EINVALID)
    separator, fields, names = args[5], args[7].split(','), args[8:]
    state = load()
    for row in rows_of(state, names):
        unknown = [f for f in fields if f not in row]
        if unknown:
            raise Fail('Unrecognised field: %s' % unknown[0], EINVALID)
        print('  ' + separator.join(str(row[f]) for f in fields))


def vgs_rows(state, names):
    for name in names or sorted(state['vgs']):
        yield vg_row(name, get_vg(state, name))


def pvs_rows(state, names):
    if names:
        raise Fail('lvm sim: pvs takes no PV names', EINVALID)
    for name, vg in sorted(state['vgs'].items()):
        yield pv_row(name, vg)


def lvs_rows(state, names):
    for ref in names or sorted(state['vgs']):
        vg_name, lv_name = split_ref(ref)
        vg = get_vg(state, vg_name)
        if lv_name and lv_name not in vg['lvs']:
            raise Fail('Failed to find logical volume "%s"' % ref)
        for name in sorted(vg['lvs']):
            if not lv_name or name == lv_name:
                yield lv_row(vg_name, vg, name, vg['lvs'][name])


# -- changes -----------------------------------------------------------------

def parse_size(text):
    match = re.fullmatch(r'(\d+)([bkmgt])', text)
    if not match:
        raise Fail('lvm sim: size %r needs a number and a lowercase unit'
                   % text, EINVALID)
    return extents(int(match.group(1)) * UNITS[match.group(2)]) * EXTENT


def parse_opts(args, flags, valued):
    """(options, positional) for short options; unknown ones fail."""
    opts, positional, args = {}, [], list(args)
    while args:
        arg = args.pop(0)
        if arg in flags:
            opts[arg] = True
        elif arg in valued:
            opts[arg] = args.pop(0)
        elif arg.startswith('-'):
            raise Fail('lvm sim: unsupported option %s' % arg, EINVALID)
        else:
            positional.append(arg)
    return opts, positional


def need_space(vg_name, vg, size):
    free = vg['size'] - allocated(vg)
    if size > free:
        raise Fail('Volume group "%s" has insufficient free space (%d '
                   'extents): %d required.'
                   % (vg_name, free // EXTENT, extents(size)))


def make_device(vg_name, name, size, copy_from=None):
    path = dev_path(vg_name, name)
    if copy_from:
        import subprocess   # here: importing it costs every command ~20 ms
        subprocess.run(['cp', '--sparse=always', copy_from, path], check=True)
    with open(path, 'ab') as f:
        f.truncate(size)


def lvcreate(args):
    opts, positional = parse_opts(args, {'-T', '-s'},
                                  {'-n', '-L', '-l', '-V', '-k', '-a'})
    if len(positional) != 1:
        raise Fail('lvm sim: lvcreate takes one VG or VG/LV', EINVALID)
    vg_name, target = split_ref(positional[0])
    name = opts.get('-n') or target
    if name.startswith('snapshot'):
        raise Fail('Names starting "snapshot" are reserved. Please choose a '
                   'different LV name.', EINVALID)
    state = load()
    vg = get_vg(state, vg_name)
    if name in vg['lvs']:
        raise Fail('Logical Volume "%s" already exists in volume group "%s"'
                   % (name, vg_name))
    if '-s' in opts:
        lv = snapshot(vg_name, vg, name, target, opts)
    elif '-T' in opts and '-V' in opts:
        if vg['lvs'].get(target, {}).get('kind') != 'thin-pool':
            raise Fail('Thin pool %s/%s not found.' % (vg_name, target))
        lv = new_thin(vg, {'kind': 'thin', 'size': parse_size(opts['-V']),
                           'pool': target})
        make_device(vg_name, name, lv['size'])
    elif '-T' in opts:
        match = re.fullmatch(r'(\d+)%FREE', opts.get('-l', ''))
        if not match:
            raise Fail('lvm sim: thin pools need -l N%FREE', EINVALID)
        free = vg['size'] - allocated(vg)
        size = free * int(match.group(1)) // 100 // EXTENT * EXTENT
        lv = {'kind': 'thin-pool', 'size': size}
    else:
        lv = {'kind': 'linear', 'size': parse_size(opts['-L'])}
        need_space(vg_name, vg, lv['size'])
        make_device(vg_name, name, lv['size'])
    vg['lvs'][name] = lv
    save(state)
    print('  Logical volume "%s" created.' % name)


def snapshot(vg_name, vg, name, origin_name, opts):
    origin = vg['lvs'].get(origin_name)
    if origin is None:
        raise Fail('Failed to find logical volume "%s/%s"'
                   % (vg_name, origin_name))
    src = dev_path(vg_name, origin_name)
    if '-L' in opts:     # thick: COW area of its own, same visible size
        if origin['kind'] != 'linear':
            raise Fail('lvm sim: thick snapshots only of linear LVs')
        cow_size = parse_size(opts['-L'])
        need_space(vg_name, vg, cow_size)
        make_device(vg_name, name, origin['size'], copy_from=src)
        with open(cow_path(vg_name, name), 'wb') as f:
            f.truncate(cow_size)
        return {'kind': 'snapshot', 'size': origin['size'],
                'cow_size': cow_size, 'origin': origin_name}
    if origin['kind'] != 'thin':
        raise Fail('lvm sim: a snapshot of a thick LV needs -L', EINVALID)
    # lvm2 gives thin snapshots activation skip unless -k n: such a snapshot
    # stays inactive and has no device to read.
    skip = opts.get('-k', 'y') != 'n'
    active = not skip and opts.get('-a', 'y') == 'y'
    if active:
        make_device(vg_name, name, origin['size'], copy_from=src)
    sync_map(vg_name, vg, origin_name, origin)
    return new_thin(vg, {'kind': 'thin', 'size': origin['size'],
                         'pool': origin['pool'], 'origin': origin_name,
                         'skip': skip, 'active': active,
                         'map': dict(origin.get('map', {}))})


def lvextend(args):
    opts, positional = parse_opts(args, set(), {'-L'})
    vg_name, name = split_ref(positional[0])
    state = load()
    vg = get_vg(state, vg_name)
    lv = vg['lvs'].get(name)
    if lv is None:
        raise Fail('Logical volume %s not found in volume group %s.'
                   % (name, vg_name))
    size = parse_size(opts['-L'])
    if size <= lv['size']:
        raise Fail('New size given (%d extents) not larger than existing '
                   'size (%d extents)' % (extents(size), extents(lv['size'])))
    if lv['kind'] == 'linear':
        need_space(vg_name, vg, size - lv['size'])
    lv['size'] = size
    with open(dev_path(vg_name, name), 'ab') as f:
        f.truncate(size)
    save(state)
    print('  Logical volume %s/%s successfully resized.' % (vg_name, name))


def lvremove(args):
    opts, positional = parse_opts(args, {'-f'}, set())
    if '-f' not in opts:
        raise Fail('lvm sim: lvremove would prompt; pass -f', EINVALID)
    vg_name, name = split_ref(positional[0])
    state = load()
    vg = get_vg(state, vg_name)
    if name not in vg['lvs']:
        raise Fail('Failed to find logical volume "%s/%s"' % (vg_name, name))
    # Removing an origin takes its thick snapshots with it, as lvm2 -f does.
    doomed = [name] + [n for n, lv in vg['lvs'].items()
                       if lv.get('origin') == name
                       and lv['kind'] == 'snapshot']
    for lv_name in doomed:
        del vg['lvs'][lv_name]
        for path in (dev_path(vg_name, lv_name), cow_path(vg_name, lv_name)):
            if os.path.exists(path):
                os.unlink(path)
        print('  Logical volume "%s" successfully removed.' % lv_name)
    save(state)


def dd(args):
    """dd if= of= bs=1M [count=] conv=fdatasync,notrunc, content-exact.

    The result is byte for byte what dd writes, but a stretch that is a hole
    in both source and target is skipped rather than read and written, so
    copying or clearing a sparse GiB takes milliseconds instead of seconds.
    """
    opts = dict(arg.split('=', 1) for arg in args)
    conv = set(opts.get('conv', '').split(','))
    if opts.get('bs') != '1M' or 'notrunc' not in conv or set(opts) - {
            'if', 'of', 'bs', 'count', 'conv'}:
        # Without notrunc dd would cut a file-backed LV down to what it wrote.
        raise Fail('dd sim: needs if= of= bs=1M conv=...notrunc, got %s'
                   % args, 1)
    block = 1024 ** 2
    zeros = opts['if'] == '/dev/zero'
    with open(opts['if'], 'rb') as src, open(opts['of'], 'r+b') as dst:
        end = os.fstat(src.fileno()).st_size if not zeros else float('inf')
        if 'count' in opts:
            end = min(end, int(opts['count']) * block)
        offset = 0
        while offset < end:
            data_at = min(next_data(dst, offset),
                          float('inf') if zeros else next_data(src, offset))
            if data_at >= offset + block:         # both holes here: skip
                offset = data_at // block * block
                continue
            length = int(min(block, end - offset))
            if zeros:
                data = bytes(length)
            else:
                src.seek(offset)
                data = src.read(length)
            dst.seek(offset)
            dst.write(data)
            offset += block
        dst.flush()
        os.fdatasync(dst.fileno())


def next_data(f, offset):
    """Offset of the first data byte at or after offset; inf if none."""
    try:
        return os.lseek(f.fileno(), offset, os.SEEK_DATA)
    except OSError:     # ENXIO: only a hole after offset
        return float('inf')


# -- thin pool metadata (changed-block tracking) --------------------------------

THIN_BLOCK = 64 * 1024          # data_block_size 128 sectors
METADATA_SIZE = 8 * 1024 ** 2


def new_thin(vg, lv):
    vg['next_thin_id'] = vg.get('next_thin_id', 0) + 1
    lv.update(thin_id=vg['next_thin_id'], uuid=uuid.uuid4().hex[:32])
    lv.setdefault('map', {})
    return lv


def sync_map(vg_name, vg, name, lv):
    """Bring a thin LV's block map up to date with its file's bytes."""
    path = dev_path(vg_name, name)
    if lv['kind'] != 'thin' or not os.path.exists(path):
        return
    old, new = lv.setdefault('map', {}), {}
    with open(path, 'rb') as f:
        size = os.fstat(f.fileno()).st_size
        offset = 0
        while offset < size:
            start = next_data(f, offset)
            if start >= size:
                break
            end = os.lseek(f.fileno(), start, os.SEEK_HOLE)
            for block in range(start // THIN_BLOCK, -(-end // THIN_BLOCK)):
                f.seek(block * THIN_BLOCK)
                digest = hashlib.sha256(f.read(THIN_BLOCK)).hexdigest()[:16]
                known = old.get(str(block))
                if known is None or known[1] != digest:
                    vg['next_data_block'] = vg.get('next_data_block', 0) + 1
                    known = [vg['next_data_block'], digest]
                new[str(block)] = known
            offset = -(-end // THIN_BLOCK) * THIN_BLOCK
    lv['map'] = new


def pool_of_dm_name(state, dm_name, suffix):
    for vg_name, vg in state['vgs'].items():
        for name, lv in vg['lvs'].items():
            escaped = '%s-%s%s' % (vg_name.replace('-', '--'),
                                   name.replace('-', '--'), suffix)
            if lv['kind'] == 'thin-pool' and escaped == dm_name:
                return vg_name, vg, name, lv
    raise Fail('device-mapper: message ioctl on %s failed: No such device '
               'or address' % dm_name, 1)


def metadata_xml(vg, pool):
    devices = [lv for lv in vg['lvs'].values()
               if lv['kind'] == 'thin' and lv.get('pool') == pool]
    top = max([1] + [b[0] for lv in devices for b in lv['map'].values()])
    lines = ['<superblock uuid="" time="1" transaction="1" flags="0" '
             'version="2" data_block_size="%d" nr_data_blocks="%d">'
             % (THIN_BLOCK // 512, top + 1)]
    for lv in sorted(devices, key=lambda lv: lv['thin_id']):
        lines.append('<device dev_id="%d" mapped_blocks="%d" transaction="0" '
                     'creation_time="0" snap_time="0">'
                     % (lv['thin_id'], len(lv['map'])))
        for block in sorted(lv['map'], key=int):
            lines.append('<single_mapping origin_block="%s" data_block="%d" '
                         'time="0"/>' % (block, lv['map'][block][0]))
        lines.append('</device>')
    lines.append('</superblock>')
    return '\n'.join(lines)


def tmeta_path(vg_name, pool):
    return os.path.join(sim_dir(), 'dev', 'mapper', '%s-%s_tmeta' % (
        vg_name.replace('-', '--'), pool.replace('-', '--')))


def dmsetup(args):
    """dmsetup message <vg>-<pool>-tpool 0 reserve_metadata_snap |
    release_metadata_snap."""
    if len(args) != 4 or args[0] != 'message' or args[2] != '0':
        raise Fail('dmsetup sim: only "message <dev> 0 <msg>", got %s'
                   % args, 1)
    state = load()
    vg_name, vg, pool, lv = pool_of_dm_name(state, args[1], '-tpool')
    if args[3] == 'reserve_metadata_snap':
        if lv.get('metadata_snap'):
            raise Fail('device-mapper: message ioctl on %s failed: Device '
                       'or resource busy' % args[1], 1)
        for name, other in vg['lvs'].items():
            sync_map(vg_name, vg, name, other)
        path = tmeta_path(vg_name, pool)
        with open(path, 'wb') as f:
            f.truncate(METADATA_SIZE)
        xml = path + '.xml'
        with open(xml, 'w') as f:
            f.write(metadata_xml(vg, pool))
        import subprocess   # here: see make_device
        subprocess.run([real_tool('thin_restore'), '-i', xml, '-o', path],
                       check=True, capture_output=True)
        lv['metadata_snap'] = True
    elif args[3] == 'release_metadata_snap':
        if not lv.get('metadata_snap'):
            raise Fail('device-mapper: message ioctl on %s failed: Invalid '
                       'argument' % args[1], 1)
        lv['metadata_snap'] = False
    else:
        raise Fail('dmsetup sim: unknown message %s' % args[3], 1)
    save(state)


def real_tool(name):
    """The real binary of ``name``, not the sim's wrapper."""
    ours = os.path.join(sim_dir(), 'bin')
    for directory in os.environ.get('PATH', '').split(os.pathsep):
        path = os.path.join(directory, name)
        if os.path.abspath(directory) != os.path.abspath(ours) and \
                os.access(path, os.X_OK):
            return path
    raise Fail('%s not installed (apt-get install thin-provisioning-tools)'
               % name, 1)


def thin_delta(args):
    """thin_delta -m --snap1 A --snap2 B <vg>-<pool>_tmeta: the real tool
    on the metadata the reservation wrote."""
    opts, positional = parse_opts(args, {'-m'}, {'--snap1', '--snap2'})
    if '-m' not in opts or len(positional) != 1:
        raise Fail('thin_delta sim: needs -m (a metadata snapshot), --snap1, '
                   '--snap2 and the metadata device, got %s' % args, 1)
    state = load()
    name = os.path.basename(positional[0])
    if not name.endswith('_tmeta'):
        raise Fail('thin_delta sim: %s is no pool metadata device' % name, 1)
    _, _, _, pool = pool_of_dm_name(state, name[:-len('_tmeta')], '')
    if not pool.get('metadata_snap'):
        raise Fail('no current metadata snap', 1)
    import subprocess   # here: see make_device
    result = subprocess.run([real_tool('thin_delta'), '--snap1',
                             opts['--snap1'], '--snap2', opts['--snap2'],
                             positional[0]], capture_output=True, text=True)
    sys.stdout.write(result.stdout)
    if result.returncode:
        raise Fail(result.stderr.strip(), result.returncode)


def lvchange(args):
    """lvchange -p r|rw VG/LV."""
    opts, positional = parse_opts(args, set(), {'-p'})
    if opts.get('-p') not in ('r', 'rw') or len(positional) != 1:
        raise Fail('lvm sim: lvchange takes only -p r|rw VG/LV', EINVALID)
    vg_name, name = split_ref(positional[0])
    state = load()
    lv = get_vg(state, vg_name)['lvs'].get(name)
    if lv is None:
        raise Fail('Failed to find logical volume "%s"' % positional[0])
    lv['perm'] = opts['-p'][-1]
    save(state)
    print('  Logical volume %s changed.' % positional[0])


COMMANDS = {
    'vgs': lambda args: report(args, vgs_rows),
    'pvs': lambda args: report(args, pvs_rows),
    'lvs': lambda args: report(args, lvs_rows),
    'lvcreate': lvcreate, 'lvextend': lvextend, 'lvremove': lvremove,
    'lvchange': lvchange, 'dd': dd, 'dmsetup': dmsetup,
    'thin_delta': thin_delta,
}


def main(argv):
    prog, args = os.path.basename(argv[0]), argv[1:]
    if prog in ('lvm', 'lvm_sim.py') and args:
        # "lvm lvcreate ..." as real lvm2 allows; the fixture's wrappers run
        # the sim this way with the test's Python, skipping shebang lookup.
        prog, args = os.path.basename(args[0]), args[1:]
    if prog not in COMMANDS:
        sys.stderr.write('lvm sim: unknown command %s\n' % prog)
        return EINVALID
    with open(os.path.join(sim_dir(), 'lock'), 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # one command at a time, like lvm
        with open(os.path.join(sim_dir(), 'log.jsonl'), 'a') as log:
            env = {k: os.environ[k] for k in LOGGED_ENV if k in os.environ}
            log.write(json.dumps({'argv': [prog] + args, 'env': env}) + '\n')
        try:
            COMMANDS[prog](args)
        except Fail as e:
            sys.stderr.write('  %s\n' % e)
            return e.code
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
