"""Small helpers shared by every layer (no imports from api/manager/db)."""
import contextlib
import importlib
import os
import re
import sys


def _original(name):
    """The unpatched stdlib module ``name`` even in an eventlet-patched process.

    Driver and engine code must run on real OS threads so a multi-GB backup
    never blocks the eventlet hub; this is the one place that knows eventlet
    may have patched the standard library, and it never imports eventlet
    itself.
    """
    patcher = sys.modules.get('eventlet.patcher')
    if patcher is not None and patcher.is_monkey_patched('thread'):
        return patcher.original(name)
    return importlib.import_module(name)


def native_threading():
    """``threading`` whose Thread is an OS thread, patched process or not."""
    return _original('threading')


def native_queue():
    """``queue`` whose Queue blocks OS threads, patched process or not."""
    return _original('queue')


@contextlib.contextmanager
def new_file(path, mode=0o600):
    """A write descriptor of a file made at ``path``, which must not exist
    (``O_EXCL``); closed when the block ends, and removed when it raises,
    so a failed write never leaves a partial file under its final name."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        yield fd
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)


# "user:password@" after "//" or, in multi-host transport URLs, after ",".
_URL_PASSWORD = re.compile(r'(?P<pre>(?://|,)[^:/@,]*):[^@/,]*@')


def mask_url(url):
    """``url`` fit for a log: the password of each ``user:password@`` part
    and any ``password=``-like query value replaced by ``***``.

    oslo.utils' strutils.mask_password masks ``key=value`` secrets but not
    the ``user:password@host`` form of database and transport URLs, so that
    part is masked here first.
    """
    if not url:
        return url
    url = _URL_PASSWORD.sub(r'\g<pre>:***@', str(url))
    if '=' not in url:
        # Left to mask: key=value query parameters only. Without one,
        # skip importing strutils (its few hundred regular expressions
        # cost a backupd-all start, which logs its database URL, 0.1 s).
        return url
    from oslo_utils import strutils
    return strutils.mask_password(url)
