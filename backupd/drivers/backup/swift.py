"""Swift backup driver: the chunked engine's object primitives on Swift.

Everything about chunks, compression, manifests, incrementals and
verification lives in the engine (``chunked.py``); this module only maps
its storage primitives onto python-swiftclient.

Retries are swiftclient's own: ``Connection`` retries connection errors and
5xx answers ``backup_swift_retry_attempts`` times with exponential backoff
starting at ``backup_swift_retry_backoff`` seconds, and on a 401 it drops
the token, authenticates again and repeats the request once (with Keystone,
threads that meet the same expired token share one renewal:
:class:`_SharedKeystoneAuth`); keystoneauth1 retries an unreachable Keystone
as many times. We only give swiftclient request bodies it can rewind
(``_Payload``), since it refuses to re-send a body it cannot seek.

The engine calls the primitives from several native threads at once and a
swiftclient ``Connection`` (one HTTP connection) is not thread-safe, so each
thread gets its own connection, created on first use.
"""
import hashlib
import http.client
import time

from keystoneauth1 import exceptions as keystone_exceptions
from oslo_config import cfg
from requests import exceptions as requests_exceptions
from swiftclient import client as swift_client
from swiftclient import exceptions as swift_exceptions
from urllib3 import exceptions as urllib3_exceptions

from backupd import exception
from backupd import names as name_rules
from backupd import utils
from backupd.drivers.backup import chunked

OPTS = [
    cfg.URIOpt('backup_swift_url',
               help='Storage URL of the Swift account that holds backups, '
                    'e.g. "http://swift:8080/v1/AUTH_backup". With '
                    'backup_swift_auth_url it overrides the storage URL the '
                    'auth service returns; without it, requests carry the '
                    'static token backup_swift_token. Unset: use the URL '
                    'returned by authentication.'),
    cfg.StrOpt('backup_swift_token', secret=True,
               help='Static auth token sent with backup_swift_url when no '
                    'backup_swift_auth_url is set (a token cannot be renewed: '
                    'once it expires requests fail with 401). Related: '
                    'backup_swift_url.'),
    cfg.URIOpt('backup_swift_auth_url',
               help='Authentication endpoint: a tempauth/swauth v1 URL such '
                    'as "http://swift:8080/auth/v1.0" when '
                    'backup_swift_auth_version is 1, or a Keystone URL such '
                    'as "http://keystone:5000/v3" when it is 3. Related: '
                    'backup_swift_user, backup_swift_key.'),
    cfg.StrOpt('backup_swift_auth_version', default='1', choices=['1', '3'],
               help='Authentication protocol: "1" (tempauth/swauth, user '
                    'given as "account:user") or "3" (Keystone v3 password '
                    'auth through keystoneauth1; needs backup_swift_project '
                    'and the two domain options).'),
    cfg.StrOpt('backup_swift_user',
               help='User to authenticate as: "account:user" for v1, a '
                    'Keystone user name for v3. Related: backup_swift_key.'),
    cfg.StrOpt('backup_swift_key', secret=True,
               help='Key (v1) or password (v3) of backup_swift_user.'),
    cfg.StrOpt('backup_swift_user_domain', default='Default',
               help='Keystone v3 only: domain name of backup_swift_user.'),
    cfg.StrOpt('backup_swift_project',
               help='Keystone v3 only: project whose Swift account holds the '
                    'backups.'),
    cfg.StrOpt('backup_swift_project_domain', default='Default',
               help='Keystone v3 only: domain name of backup_swift_project.'),
    cfg.StrOpt('backup_swift_container', default='volumebackups',
               help='Container for backups that do not name one; created on '
                    'first use.'),
    cfg.IntOpt('backup_swift_retry_attempts', default=3, min=0,
               help='How many times a request is retried after a connection '
                    'error or a 5xx answer before the operation fails. 0: '
                    'never retry. Related: backup_swift_retry_backoff.'),
    cfg.IntOpt('backup_swift_retry_backoff', default=2, min=0,
               help='Seconds before the first retry; each further retry '
                    'waits twice as long (at most 64 s). Related: '
                    'backup_swift_retry_attempts.'),
    cfg.IntOpt('backup_swift_timeout', default=60, min=1,
               help='Seconds to wait for Swift to accept a connection or '
                    'answer, so a hung proxy fails a backup rather than '
                    'stalling it forever.'),
    cfg.StrOpt('backup_swift_ca_cert_file',
               help='CA bundle to verify Swift and Keystone TLS certificates '
                    'with. Unset: the system bundle. Related: '
                    'backup_swift_auth_insecure.'),
    cfg.BoolOpt('backup_swift_auth_insecure', default=False,
                help='Do not verify TLS certificates of Swift and Keystone. '
                     'For tests only; a man in the middle could read and '
                     'alter backups.'),
]

# Failures swiftclient raises once its own retries are exhausted, and
# keystoneauth1's (Keystone refused or unreachable) that it passes through.
_TRANSPORT_ERRORS = (swift_exceptions.ClientException,
                     requests_exceptions.RequestException, OSError,
                     keystone_exceptions.ClientException)


# A response cut off while its body is read (the server went away after the
# headers): swiftclient retries connection errors but not this one, so
# backupd retries it on a fresh connection.
_BROKEN_BODY = (urllib3_exceptions.ProtocolError, http.client.HTTPException)


def list_opts():
    return [(None, OPTS)]


class _Payload:
    """A rewindable, zero-copy file view of a bytes-like object.

    swiftclient re-sends a request body after a failure only if it can seek
    back to the start; a plain ``bytes`` makes it give up on the first retry.
    """

    def __init__(self, data):
        self._view = memoryview(data).cast('B')
        self._pos = 0

    def __len__(self):
        return len(self._view)

    def read(self, size=-1):
        end = len(self._view) if size is None or size < 0 else self._pos + size
        chunk = self._view[self._pos:end]
        self._pos += len(chunk)
        return chunk

    def tell(self):
        return self._pos

    def seek(self, offset, whence=0):
        start = {0: 0, 1: self._pos, 2: len(self._view)}[whence]
        self._pos = max(0, start + offset)
        return self._pos


def _check(container, name):
    """Every object request names a valid container and object (the
    shared rules of backupd.names), checked before anything is sent."""
    name_rules.check_container(container)
    name_rules.check_object(container, name)


def _status(exc):
    return getattr(exc, 'http_status', None)


class _SharedKeystoneAuth:
    """One keystoneauth1 session (one token) for every thread's connection.

    swiftclient calls ``session.invalidate()`` on a 401 and gives up when it
    returns False. keystoneauth's invalidate() returns False when another
    thread has just invalidated the token and is fetching a new one, so
    with the session shared as is, a token expiring under a busy backup
    failed the threads that met the 401 second (seen with 4 writers).
    :meth:`renew` drops the token only if it is still the one that failed,
    and always lets the caller retry once with the current token.
    """

    def __init__(self, session, lock):
        self.session = session
        self._lock = lock

    def renew(self, failed_token):
        with self._lock:
            current = getattr(self.session.auth, 'auth_ref', None)
            if current is not None and current.auth_token == failed_token:
                self.session.invalidate()
        return True


class _ThreadSession:
    """The ``session`` swiftclient sees for one thread's Connection: the
    shared Keystone session, with invalidate() aware of which token this
    connection was using."""

    def __init__(self, shared):
        self.shared = shared
        self.connection = None

    @property
    def keystone(self):
        return self.shared.session

    def get_endpoint(self, **kwargs):
        return self.shared.session.get_endpoint(**kwargs)

    def get_token(self):
        return self.shared.session.get_token()

    def invalidate(self):
        return self.shared.renew(self.connection.token)


class SwiftBackupDriver(chunked.ChunkedBackupDriver):
    """Backups as objects in a Swift container (see the module docstring)."""

    OPTS = OPTS

    def __init__(self, conf):
        super().__init__(conf)
        threading = utils.native_threading()
        self._threads = threading.local()
        self._lock = threading.Lock()
        self._keystone = None
        # (storage URL, token) of the latest successful request: the engine
        # starts fresh threads for every backup, and handing them the token
        # spares one authentication per thread.
        self._shared_auth = (None, None)

    @property
    def default_container(self):
        return self.conf.backup_swift_container

    # --- connections ------------------------------------------------------

    def _connection(self):
        """This thread's swiftclient Connection."""
        conn = getattr(self._threads, 'conn', None)
        if conn is None:
            conn = self._threads.conn = self._new_connection()
            url, token = self._shared_auth
            if token and not conn.token:
                conn.url, conn.token = url, token
        return conn

    def _request(self, method, *args, **kwargs):
        """``Connection.<method>(...)`` on this thread's connection."""
        conn = self._connection()
        backoff = self.conf.backup_swift_retry_backoff
        attempts = self.conf.backup_swift_retry_attempts + 1
        for attempt in range(attempts):
            for arg in args:
                if isinstance(arg, _Payload):
                    arg.seek(0)    # a retried PUT sends its body again
            try:
                result = getattr(conn, method)(*args, **kwargs)
                break
            except _BROKEN_BODY as exc:
                conn.http_conn = None          # reconnect on the next try
                broken = exc
                if attempt + 1 < attempts:
                    time.sleep(min(backoff * 2 ** attempt, 64))
        else:
            raise swift_exceptions.ClientException(
                'response broken off while reading it: %s' % broken)
        self._shared_auth = (conn.url, conn.token)
        return result

    def _new_connection(self):
        c = self.conf
        kwargs = dict(retries=c.backup_swift_retry_attempts,
                      starting_backoff=c.backup_swift_retry_backoff,
                      timeout=c.backup_swift_timeout,
                      cacert=c.backup_swift_ca_cert_file,
                      insecure=c.backup_swift_auth_insecure,
                      preauthurl=c.backup_swift_url)
        if not c.backup_swift_auth_url:
            if not (c.backup_swift_url and c.backup_swift_token):
                raise exception.BackupDriverError(reason=(
                    'Swift is not configured: set backup_swift_auth_url with '
                    'backup_swift_user and backup_swift_key, or '
                    'backup_swift_url with backup_swift_token.'))
            return swift_client.Connection(
                preauthtoken=c.backup_swift_token, **kwargs)
        if c.backup_swift_auth_version == '3':
            session = _ThreadSession(self._keystone_auth())
            conn = swift_client.Connection(session=session, **kwargs)
            session.connection = conn
            return conn
        return swift_client.Connection(
            authurl=c.backup_swift_auth_url, user=c.backup_swift_user,
            key=c.backup_swift_key, auth_version='1', **kwargs)

    def _keystone_auth(self):
        """One keystoneauth1 session for all threads (see
        :class:`_SharedKeystoneAuth`). keystoneauth1 rather than
        swiftclient's own v3 code, which needs python-keystoneclient, not a
        dependency of backupd."""
        with self._lock:
            if self._keystone is None:
                self._keystone = _SharedKeystoneAuth(
                    self._make_keystone_session(),
                    utils.native_threading().Lock())
            return self._keystone

    def _make_keystone_session(self):
        from keystoneauth1.identity import v3
        from keystoneauth1 import session
        c = self.conf
        auth = v3.Password(auth_url=c.backup_swift_auth_url,
                           username=c.backup_swift_user,
                           password=c.backup_swift_key,
                           user_domain_name=c.backup_swift_user_domain,
                           project_name=c.backup_swift_project,
                           project_domain_name=c.backup_swift_project_domain)
        verify = (False if c.backup_swift_auth_insecure
                  else c.backup_swift_ca_cert_file or True)
        # Keystone unreachable: retried like Swift requests (keystoneauth
        # backs off from 0.5 s); swiftclient never retries these itself.
        return session.Session(auth=auth, verify=verify,
                               timeout=c.backup_swift_timeout,
                               connect_retries=c.backup_swift_retry_attempts)

    def _failed(self, action, container, name, exc):
        where = container if name is None else '%s/%s' % (container, name)
        status = _status(exc)
        if status in (401, 403):
            hint = ('Check the backup_swift_* credentials and that the '
                    'account may use container %s.' % container)
        elif status == 422:
            hint = ('Swift received data whose MD5 differs from what was '
                    'sent (damaged on the way); retry the operation.')
        elif isinstance(exc, keystone_exceptions.ClientException):
            hint = ('Authentication failed: check that Keystone at %s is '
                    'reachable and healthy.' % self.conf.backup_swift_auth_url)
        else:
            hint = ('Check that Swift at %s is reachable and healthy.'
                    % (self.conf.backup_swift_auth_url
                       or self.conf.backup_swift_url))
        return exception.BackupDriverError(reason=(
            'Swift %s of %s failed after %d attempt(s): %s. %s'
            % (action, where, self._connection().attempts or 1, exc, hint)))

    # --- storage primitives used by the engine ---------------------------

    def put_container(self, container):
        name_rules.check_container(container)
        try:
            self._request('put_container', container)
        except _TRANSPORT_ERRORS as exc:
            raise self._failed('container PUT', container, None, exc) from exc

    def put_object(self, container, name, data):
        _check(container, name)
        # Swift checks the body against the ETag we send (422 if it differs)
        # and answers with the ETag of what it stored; both must be ours.
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        payload = _Payload(data)
        try:
            etag = self._request(
                'put_object', container, name, payload,
                content_length=len(payload),
                etag=md5, content_type='application/octet-stream')
        except _TRANSPORT_ERRORS as exc:
            raise self._failed('PUT', container, name, exc) from exc
        if (etag or '').strip('"') != md5:
            raise exception.BackupDriverError(reason=(
                'Swift stored %s/%s with ETag %s but the MD5 of the data sent '
                'is %s: the object is corrupt; the backup fails rather than '
                'keep it.' % (container, name, etag, md5)))

    def get_object(self, container, name):
        _check(container, name)
        try:
            return self._request('get_object', container, name)[1]
        except _TRANSPORT_ERRORS as exc:
            if _status(exc) == 404:
                raise exception.BackupObjectNotFound(
                    name=name, container=container) from exc
            raise self._failed('GET', container, name, exc) from exc

    def get_object_range(self, container, name, offset, length):
        _check(container, name)
        if length <= 0:
            return b''
        try:
            headers, data = self._request(
                'get_object', container, name, headers={
                    'Range': 'bytes=%d-%d' % (offset, offset + length - 1)})
        except _TRANSPORT_ERRORS as exc:
            if _status(exc) == 404:
                raise exception.BackupObjectNotFound(
                    name=name, container=container) from exc
            if _status(exc) == 416:
                return b''           # the object ends before ``offset``
            raise self._failed('GET', container, name, exc) from exc
        if 'content-range' not in headers:
            # a proxy that ignored the Range sent the whole object (200)
            data = data[offset:offset + length]
        return data

    def head_object(self, container, name):
        _check(container, name)
        try:
            headers = self._request('head_object', container, name)
        except _TRANSPORT_ERRORS as exc:
            if _status(exc) == 404:
                return None
            raise self._failed('HEAD', container, name, exc) from exc
        return int(headers['content-length'])

    def delete_object(self, container, name):
        _check(container, name)
        try:
            self._request('delete_object', container, name)
        except _TRANSPORT_ERRORS as exc:
            if _status(exc) != 404:   # already gone is what we wanted
                raise self._failed('DELETE', container, name, exc) from exc

    def iter_objects(self, container, prefix):
        """Names under ``prefix``, a page of ``listing_page`` at a time
        (``marker`` = the last name of the previous page), so a caller
        deleting what it was given never shifts a page; a missing
        container lists nothing."""
        name_rules.check_container(container)
        if not prefix:
            # An empty prefix would list (and so let a caller delete) every
            # backup in the container.
            raise ValueError('iter_objects needs a non-empty prefix')
        return self._pages(container, prefix)

    def _pages(self, container, prefix):
        marker = ''
        while True:
            try:
                _, page = self._request('get_container', container,
                                        prefix=prefix, marker=marker,
                                        limit=self.listing_page)
            except _TRANSPORT_ERRORS as exc:
                if _status(exc) == 404:
                    return
                raise self._failed('listing', container, None, exc) from exc
            if not page:
                return
            for entry in page:
                yield entry['name']
            if len(page) < self.listing_page:
                return               # a short page is the last one
            marker = page[-1]['name']

    def check_backend(self):
        """Authenticate, then make sure the default container is usable."""
        container = self.default_container
        try:
            self._request('head_container', container)
        except _TRANSPORT_ERRORS as exc:
            if _status(exc) != 404:
                raise self._failed('container HEAD', container, None,
                                   exc) from exc
            self.put_container(container)
