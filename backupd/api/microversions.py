"""Microversions as data.

``VERSIONS`` is ordered; each entry says what changed at that version.
Only versions whose changes to the resources backupd serves are implemented
are listed; the Cinder changes in range that are not (NOT_IMPLEMENTED) are
documented for operators and clients.
The human-readable history is doc/rest_api_version_history.rst.
"""
from backupd import exception

SERVICE_TYPE = 'volume'
HEADER = 'OpenStack-API-Version'

VERSIONS = [
    ('3.0', 'Base: volumes, snapshots, backups, os-services as in Cinder v2, '
            'plus the v3 endpoint with and without a project id.'),
    ('3.3', 'user messages: GET /messages, GET|DELETE /messages/{id}.'),
    ('3.7', 'os-services: "cluster" key (always null: no clustering).'),
    ('3.9', 'PUT /backups/{id} updates name and description.'),
    ('3.11', 'group types: /group_types and their group_specs.'),
    ('3.12', 'GET /volumes/summary: count and total size.'),
    ('3.13', 'groups (Cinder\'s generic ones); volumes: "group_id" key.'),
    ('3.14', 'group snapshots, groups from a group snapshot or a group; '
             'snapshots: "group_snapshot_id" key.'),
    ('3.18', 'backups: "os-backup-project-attr:project_id" for admins.'),
    ('3.19', 'group snapshots: reset_status.'),
    ('3.20', 'groups: reset_status.'),
    ('3.21', 'volumes: "provider_id" for admins.'),
    ('3.25', 'groups: "volumes" with list_volume=true.'),
    ('3.28', 'scheduler-stats/get_pools: "name" filter; other filters '
             'are refused (400).'),
    ('3.36', 'volumes/summary: "metadata" (every key with its values).'),
    ('3.38', 'groups: "replication_status" (always "disabled"; the '
             'replication actions are not served).'),
    ('3.39', 'GET /limits: an admin may give ?project_id= to see another '
             'project\'s limits and usage.'),
    ('3.41', 'snapshots: "user_id" key.'),
    ('3.43', 'backups: "metadata" on create, update and in bodies.'),
    ('3.45', 'lists: "count" when with_count=true is asked for.'),
    ('3.48', 'volumes: "shared_targets" and "service_uuid" keys.'),
    ('3.49', 'os-services: "backend_state" of volume services.'),
    ('3.51', 'backups: "availability_zone" accepted on create.'),
    ('3.55', 'volume transfers also at /volume-transfers; '
             '"no_snapshots" on create and in bodies.'),
    ('3.56', 'backups: "user_id" for admins.'),
    ('3.57', 'transfers: "source_project_id", "destination_project_id", '
             '"accepted".'),
    ('3.58', 'groups and group snapshots: "project_id" for admins.'),
    ('3.61', 'volumes: "cluster_name" for admins (always null).'),
    ('3.63', 'volumes: "volume_type_id" key.'),
    ('3.64', 'volumes and backups: "encryption_key_id" of an encrypted '
             'one (else no key, as Cinder; backupd volumes are never '
             'encrypted).'),
]

# Cinder changes within the advertised range that backupd does NOT implement
# (also in doc/rest_api_version_history.rst).
NOT_IMPLEMENTED = [
    ('3.27', 'attachments API (/attachments); use os-attach/os-detach.'),
    ('3.34', '"~" (like) filters on lists.'),
    ('3.35', '"volume_type" filter on scheduler-stats/get_pools (one '
             'pool per host).'),
    ('3.42', 'extending an in-use volume.'),
    ('3.47', 'creating a volume from a backup (backup_id on volume create); '
             'use POST /backups/{id}/restore.'),
    ('3.60', 'created_at/updated_at comparison filters on volume lists.'),
    ('3.62', 'per-project default volume types (/default-types); the '
             'default_volume_type option applies to every project.'),
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
