"""GET /extensions and /extensions/{alias}: Cinder's API extensions that
backupd serves (clients such as Tempest and Horizon check this list before
they use one)."""
from backupd.api import wsgi
from backupd import exception

_UPDATED = '2026-12-04T00:00:00+00:00'

# alias -> (name, description); only what backupd serves
EXTENSIONS = {
    'os-admin-actions': ('AdminActions', 'os-reset_status and '
                         'os-force_delete of volumes, snapshots, backups.'),
    'os-availability-zone': ('AvailabilityZones', 'The volume services\' '
                             'availability zones.'),
    'backups': ('Backups', 'Volume backups: create, restore, export, '
                'import.'),
    'capabilities': ('Capabilities', 'A volume backend\'s capabilities.'),
    'os-extended-services': ('ExtendedServices', 'Disable a service with '
                             'a reason.'),
    'os-extended-snapshot-attributes': ('ExtendedSnapshotAttributes',
                                        'Snapshot progress and project.'),
    'os-hosts': ('Hosts', 'The services\' hosts and a volume host\'s '
                 'usage.'),
    'os-quota-class-sets': ('QuotaClasses', 'Quota classes.'),
    'os-quota-sets': ('Quotas', 'Project quotas.'),
    'scheduler-stats': ('Scheduler_stats', 'The pools volumes are placed '
                        'on.'),
    'os-services': ('Services', 'The volume and backup services.'),
    'os-snapshot-actions': ('SnapshotActions', 'os-update_snapshot_status.'),
    'os-types-extra-specs': ('TypesExtraSpecs', 'Volume type extra specs.'),
    'os-types-manage': ('TypesManage', 'Create, update and delete volume '
                        'types.'),
    'os-used-limits': ('UsedLimits', 'Used quota in GET /limits.'),
    'os-vol-host-attr': ('VolumeHostAttribute', 'A volume\'s host.'),
    'os-vol-mig-status-attr': ('VolumeMigStatusAttribute',
                               'Migration status keys (always null).'),
    'os-vol-tenant-attr': ('VolumeTenantAttribute', 'A volume\'s project.'),
    'os-volume-actions': ('VolumeActions', 'Attach, detach, extend, '
                          'reserve, bootable and read-only flags.'),
    'os-volume-transfer': ('VolumeTransfer', 'Transfer a volume to another '
                           'project.'),
    'os-backup-project-attr': ('BackupProjectAttribute',
                               'A backup\'s project.'),
}


def _view(alias):
    name, description = EXTENSIONS[alias]
    return {'alias': alias, 'name': name, 'description': description,
            'updated': _UPDATED, 'links': []}


def index(req):
    return wsgi.json_response(
        {'extensions': [_view(alias) for alias in sorted(EXTENSIONS)]})


def show(req, alias):
    if alias not in EXTENSIONS:
        raise exception.NotFound(
            message='backupd serves no extension %r; see GET /extensions.'
                    % alias)
    return wsgi.json_response({'extension': _view(alias)})
