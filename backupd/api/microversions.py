"""Microversions as data.

``VERSIONS`` is ordered; each entry says what changed at that version.
Only versions whose changes to the resources backupd serves are implemented
are listed, so the advertised maximum never promises what we don't do.
The human-readable history is doc/rest_api_version_history.rst.
"""
from backupd import exception

SERVICE_TYPE = 'volume'
HEADER = 'OpenStack-API-Version'

VERSIONS = [
    ('3.0', 'Base version: volumes, snapshots, backups, os-services as in '
            'Cinder\'s v2 API plus the v3 endpoint.'),
]

MIN_VERSION = VERSIONS[0][0]
MAX_VERSION = VERSIONS[-1][0]


class APIVersion(tuple):
    """A comparable (major, minor) pair parsed from '3.N'."""

    def __new__(cls, text):
        try:
            major, minor = text.strip().split('.')
            value = (int(major), int(minor))
        except (AttributeError, ValueError):
            raise exception.Invalid(
                reason='API version %r has an invalid format; use '
                       '"MAJOR.MINOR", e.g. "%s"' % (text, MAX_VERSION))
        return super().__new__(cls, value)

    def __str__(self):
        return '%d.%d' % self


def negotiate(header_value):
    """The APIVersion a request asks for (header value of OpenStack-API-Version).

    Missing header -> the minimum; ``latest`` -> the maximum; outside the
    range -> 406 naming the range.
    """
    wanted = None
    for part in (header_value or '').split(','):
        words = part.split()
        if len(words) == 2 and words[0].lower() == SERVICE_TYPE:
            wanted = words[1]
    if wanted is None:
        return APIVersion(MIN_VERSION)
    if wanted.lower() == 'latest':
        return APIVersion(MAX_VERSION)
    version = APIVersion(wanted)
    if not APIVersion(MIN_VERSION) <= version <= APIVersion(MAX_VERSION):
        raise exception.VersionNotAcceptable(version=wanted, min=MIN_VERSION,
                                             max=MAX_VERSION)
    return version
