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
    lowered = url.lower()
    if not any(key in lowered for key in MASKED_KEYS):
        return url      # what mask_password returns for it
    from oslo_utils import strutils
    return strutils.mask_password(url)


#: The keys strutils.mask_password masks (oslo.utils' _SANITIZE_KEYS); it
#: returns a message that holds none of them as it is. mask_url checks
#: first, so that backupd-all, which logs its database URL at start, need
#: not import strutils (its few hundred regular expressions cost each start
#: about 0.1 s). tests/unit/test_cmd_imports.py keeps the two lists equal.
MASKED_KEYS = (
    'adminpass', 'admin_pass', 'password', 'admin_password', 'auth_token',
    'new_pass', 'auth_password', 'secret_uuid', 'secret', 'sys_pswd',
    'token', 'configdrive', 'chappassword', 'encrypted_key', 'private_key',
    'fernetkey', 'sslkey', 'passphrase', 'cephclusterfsid',
    'octaviaheartbeatkey', 'rabbitcookie', 'cephmanilaclientkey',
    'pacemakerremoteauthkey', 'designaterndckey', 'cephadminkey',
    'heatauthencryptionkey', 'cephclientkey', 'keystonecredential',
    'barbicansimplecryptokek', 'cephrgwkey', 'swifthashsuffix',
    'migrationsshkey', 'cephmdskey', 'cephmonkey', 'chapsecret',
)
