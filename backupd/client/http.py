"""HTTP to the block-storage API: microversion negotiation, requests with
``OpenStack-API-Version``, errors carrying the server's message, and
cinder-style lookup of an object by name or id."""
import urllib.parse

from backupd.client import auth as client_auth

# The newest microversion this client knows (as python-cinderclient 9.x);
# the request goes out at min(this, the server's maximum).
CLIENT_MAX = '3.71'
HEADER = 'OpenStack-API-Version'
SERVICE = 'volume'

# collection -> what the messages call one of them
NOUNS = {'volumes': 'volume', 'snapshots': 'snapshot', 'backups': 'backup'}


class CommandError(Exception):
    """A failure to report as "ERROR: <message>" with exit status 1."""


class ApiError(CommandError):
    """The API refused a request; carries the server's message."""

    def __init__(self, status, message, request_id=None):
        self.status = status
        self.message = message
        self.request_id = request_id
        text = '%s (HTTP %s)' % (message, status)
        if request_id:
            text += ' (Request-ID: %s)' % request_id
        super().__init__(text)


def version_tuple(text):
    try:
        major, minor = str(text).strip().split('.')
        return int(major), int(minor)
    except ValueError:
        raise CommandError('%r is not a microversion; use MAJOR.MINOR, e.g. '
                           '3.0' % (text,))


def version_text(version):
    return '%d.%d' % version


class Client:
    """One session, one endpoint, one negotiated microversion."""

    def __init__(self, session, endpoint, requested_version=None):
        self.session = session
        self.endpoint = endpoint.rstrip('/')
        self.version_url, major = self._version_root()
        self.major = major or 3
        self.server_min, self.server_max = self._discover()
        self.version = self._negotiate(requested_version)

    # --- versions ---------------------------------------------------------

    def _version_root(self):
        """(scheme://host/<prefix>/vN/, N) of the endpoint, or (root, None)
        when its path names no version."""
        parts = urllib.parse.urlsplit(self.endpoint)
        segments = parts.path.split('/')
        for i, segment in enumerate(segments):
            if client_auth.is_version_segment(segment):
                path = '/'.join(segments[:i + 1]) + '/'
                major = int(float(segment[1:]))
                return urllib.parse.urlunsplit(
                    (parts.scheme, parts.netloc, path, '', '')), major
        return urllib.parse.urlunsplit(
            (parts.scheme, parts.netloc, '/', '', '')), None

    def _discover(self):
        """(min, max) microversion from the version document; None, None
        for a v2 endpoint or a server without microversions."""
        if self.major != 3:
            return None, None
        resp = self.session.get(self.version_url, authenticated=False,
                                raise_exc=False)
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return None, None
        entries = body.get('versions') or [body.get('version') or {}]
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            if entry.get('id', '').startswith('v3') or '3.' in str(
                    entry.get('version')):
                if entry.get('version'):
                    return (version_tuple(entry.get('min_version') or '3.0'),
                            version_tuple(entry['version']))
        return None, None

    def _negotiate(self, requested):
        if self.major != 3:
            return None
        server_max = self.server_max or (3, 0)
        server_min = self.server_min or (3, 0)
        if requested in (None, '', '3', '3.latest', 'latest'):
            return min(version_tuple(CLIENT_MAX), server_max)
        wanted = version_tuple(requested)
        if not server_min <= wanted <= server_max:
            raise CommandError(
                'The server supports API microversions %s to %s; %s was '
                'asked for (--os-volume-api-version).' % (
                    version_text(server_min), version_text(server_max),
                    requested))
        if wanted > version_tuple(CLIENT_MAX):
            raise CommandError('This client knows API microversions up to '
                               '%s; %s was asked for.' % (CLIENT_MAX,
                                                          requested))
        return wanted

    def at_least(self, version):
        return self.version is not None and \
            self.version >= version_tuple(version)

    def require(self, version, what):
        if not self.at_least(version):
            have = version_text(self.version) if self.version else '2'
            raise CommandError(
                '%s needs API microversion %s or later; this request uses '
                '%s (server maximum %s).' % (
                    what, version, have,
                    version_text(self.server_max) if self.server_max
                    else '3.0'))

    # --- requests ---------------------------------------------------------

    def request(self, method, path, json=None, params=None, ok=(200, 201,
                                                                202, 204)):
        headers = {'Accept': 'application/json'}
        if self.version is not None:
            headers[HEADER] = '%s %s' % (SERVICE, version_text(self.version))
        kwargs = {'headers': headers, 'raise_exc': False}
        if json is not None or method in ('POST', 'PUT'):
            kwargs['json'] = json
        if params:
            kwargs['params'] = {k: v for k, v in params.items()
                                if v is not None}
        resp = self.session.request(self.endpoint + path, method, **kwargs)
        self.last_headers = resp.headers
        if resp.status_code not in ok:
            raise ApiError(resp.status_code, error_message(resp),
                           resp.headers.get('x-openstack-request-id'))
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise CommandError('The server answered %s %s with a body that '
                               'is not JSON: %r' % (method, path,
                                                    resp.text[:200]))

    def get(self, path, params=None):
        return self.request('GET', path, params=params)

    def post(self, path, body):
        return self.request('POST', path, json=body)

    def delete(self, path, params=None):
        return self.request('DELETE', path, params=params)

    def action(self, collection, object_id, name, value):
        return self.post('/%s/%s/action' % (collection, object_id),
                         {name: value})

    # --- lookups ----------------------------------------------------------

    def show(self, collection, object_id):
        """The object, or None when it is gone (404)."""
        try:
            body = self.get('/%s/%s' % (collection, urllib.parse.quote(
                object_id, safe='')))
        except ApiError as e:
            if e.status == 404:
                return None
            raise
        return body[NOUNS[collection]]

    def find(self, collection, name_or_id):
        """The object with that id, else the only one with that name.

        As cinderclient: GET by id; on 404 list with ``name`` and
        ``all_tenants=1`` (ignored by the server for non-admins).
        """
        found = self.show(collection, name_or_id)
        if found is not None:
            return found
        noun = NOUNS[collection]
        matches = self.get('/%s/detail' % collection, params={
            'name': name_or_id, 'all_tenants': 1})[collection]
        matches = [m for m in matches if m.get('name') == name_or_id]
        if not matches:
            raise CommandError("No %s with a name or ID of '%s' exists."
                               % (noun, name_or_id))
        if len(matches) > 1:
            raise CommandError("Multiple %s matches found for '%s', use an "
                               "ID to be more specific." % (noun, name_or_id))
        return matches[0]


def error_message(resp):
    """The message of a Cinder fault body ``{"badRequest": {"message":
    …}}``, else the response text."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and len(body) == 1:
        (fault,) = body.values()
        if isinstance(fault, dict) and fault.get('message'):
            return fault['message']
    text = (resp.text or '').strip()
    return text[:500] or resp.reason or 'no message'
