"""Changed ranges between two thin LVs of one pool, from the pool's metadata.

A thin pool maps each thin device's blocks to data blocks; a thin snapshot
starts with its origin's mappings and diverges as either side is written
(copy on write) or discarded (unmapped). ``thin_delta`` (thin-provisioning-
tools) compares two devices' mappings and prints the block ranges that
differ. It reads the pool's metadata device, which the kernel changes under
it, so it must read a *metadata snapshot*: reserved with a message to the
pool (``dmsetup message <pool>-tpool 0 reserve_metadata_snap``), read with
``thin_delta -m``, and released again whatever happens.

Its output (thin-provisioning-tools 0.9 and 1.x, without ``--verbose``)::

    <superblock uuid="" time="1" transaction="2" data_block_size="128"
                nr_data_blocks="1000">
      <diff left="1" right="2">
        <same begin="0" length="2"/>
        <different begin="2" length="1"/>
        <left_only begin="10" length="1"/>
        <right_only begin="12" length="1"/>
      </diff>
    </superblock>

in units of data blocks of ``data_block_size`` 512-byte sectors. Changed:
``different`` (remapped), ``left_only`` (unmapped since: reads zeros now)
and ``right_only`` (newly mapped).
"""
import xml.etree.ElementTree as ElementTree

SECTOR = 512
CHANGED = ('different', 'left_only', 'right_only')


class Unreadable(Exception):
    """thin_delta's output is not what this parser knows."""


def dm_name(vg_name, lv_name, suffix=''):
    """device-mapper's name of an LV (or of its ``suffix`` layer): every
    '-' inside the names is doubled."""
    return '%s-%s%s' % (vg_name.replace('-', '--'), lv_name.replace('-', '--'),
                        suffix)


def parse(text):
    """[(offset, length)] in bytes of the ranges ``thin_delta`` reports as
    changed, merged and in order."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise Unreadable('not XML (%s)' % exc)
    if root.tag != 'superblock':
        raise Unreadable('expected <superblock>, got <%s>' % root.tag)
    try:
        block = int(root.attrib['data_block_size']) * SECTOR
    except (KeyError, ValueError):
        raise Unreadable('<superblock> has no data_block_size')
    diffs = root.findall('diff')
    if len(diffs) != 1:
        raise Unreadable('expected one <diff>, got %d' % len(diffs))
    ranges = []
    for element in diffs[0]:
        if element.tag == 'same':
            continue
        if element.tag not in CHANGED:
            raise Unreadable('unknown element <%s>' % element.tag)
        try:
            begin = int(element.attrib['begin'])
            length = int(element.attrib['length'])
        except (KeyError, ValueError):
            raise Unreadable('<%s> without begin and length (verbose '
                             'output is not read)' % element.tag)
        ranges.append((begin * block, length * block))
    return _merged(sorted(ranges))


def _merged(ranges):
    merged = []
    for offset, length in ranges:
        if merged and merged[-1][0] + merged[-1][1] >= offset:
            end = max(merged[-1][0] + merged[-1][1], offset + length)
            merged[-1] = (merged[-1][0], end - merged[-1][0])
        else:
            merged.append((offset, length))
    return merged


def clip(ranges, base_size, size):
    """``ranges`` within a volume of ``size`` bytes, plus everything past
    the base's ``base_size`` (the volume grew since)."""
    limit = min(base_size, size)
    clipped = [(o, min(n, limit - o)) for o, n in ranges if o < limit]
    if size > limit:
        clipped.append((limit, size - limit))
    return _merged(clipped)
