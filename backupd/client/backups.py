"""Backup commands: backup-create, -list, -show, -delete, -force-delete,
-reset-state, -restore, -export, -import."""
from backupd.client import cli
from backupd.client.cli import arg
from backupd.client import http
from backupd.client import output
from backupd.client import wait

COLUMNS = [('ID', 'id'), ('Volume ID', 'volume_id'), ('Status', 'status'),
           ('Name', 'name'), ('Size', 'size'),
           ('Object Count', 'object_count'), ('Container', 'container')]
METADATA_VERSION = '3.43'
PENDING_DELETE = 'pending_delete'


def _wait_created(client, backup_id, args):
    return wait.wait(client, 'backups', backup_id, ('available',),
                     ('error',), timeout=args.wait_timeout)


@cli.command(
    'backup-create', 'Creates a backup of a volume (or of one of its '
                     'snapshots).',
    arg('volume', metavar='<volume>', nargs='?',
        help='Name or ID of the volume to back up.'),
    arg('--container', metavar='<container>',
        help='Backup container (directory or Swift container) name. '
             'Default: the backup service\'s configured container.'),
    *cli.name_args('backup'),
    arg('--incremental', action='store_true',
        help='Incremental backup, based on the volume\'s latest available '
             'backup.'),
    arg('--force', action='store_true',
        help='Backs up an attached (in-use) volume too, through a '
             'temporary snapshot.'),
    arg('--snapshot-id', metavar='<snapshot id>',
        help='ID of a snapshot of the volume to back up instead of the '
             'volume itself.'),
    cli.metadata_arg('backup'),
    cli.WAIT, cli.WAIT_TIMEOUT, cli.FORMAT)
def do_backup_create(client, args):
    cli.positional_after_metadata(args, 'volume', '<volume>')
    metadata = cli.parse_metadata(args.metadata)
    if metadata is not None:
        client.require(METADATA_VERSION, '--metadata')
    volume = client.find('volumes', args.volume)
    body = {'volume_id': volume['id'], 'container': args.container,
            'name': args.name, 'description': args.description,
            'incremental': args.incremental, 'force': args.force,
            'snapshot_id': args.snapshot_id}
    if metadata is not None:
        body['metadata'] = metadata
    backup = client.post('/backups', {'backup': body})['backup']
    if args.wait:
        output.print_object(_wait_created(client, backup['id'], args),
                            args.format)
        return
    shown = {'volume_id': volume['id']}
    shown.update(backup)
    output.print_object(shown, args.format)


do_backup_list = cli.list_command(
    'backup-list', 'Lists backups.', 'backups', COLUMNS,
    'created_at:asc,name', cli.volume_id_filter('backed-up'))


do_backup_show = cli.show_command('backups',
                                  'Shows details about a backup.')


def _delete_each(client, args, force):
    def pending(name):
        output.message('Backup %s is pending_delete: the scrubber removes '
                       'it later.' % name, args.format)
    # pending_delete: delayed delete is on; the row stays (visible to
    # admins only) until the scrubber removes the data.
    cli.delete_each(client, args, 'backups',
                    'force-delete' if force else 'delete', force=force,
                    done=(PENDING_DELETE,), on_done=pending)


@cli.command(
    'backup-delete', 'Removes one or more backups.',
    *cli.delete_args('backup', cli.force_delete_arg(
        'backup', '; a running backup or restore stops')))
def do_backup_delete(client, args):
    _delete_each(client, args, args.force)


@cli.command(
    'backup-force-delete', 'Deletes backups whatever their state (admin '
                           'only); same as backup-delete --force.',
    *cli.delete_args('backup'))
def do_backup_force_delete(client, args):
    _delete_each(client, args, force=True)


@cli.command(
    'backup-reset-state', 'Explicitly updates the backup state (admin '
                          'only). Resetting to available first verifies '
                          'the stored backup.',
    cli.targets_arg('backup', 'modify'),
    arg('--state', metavar='<state>', default='available',
        help='The state to assign: available or error. '
             'Default=available.'))
def do_backup_reset_state(client, args):
    def reset(name):
        backup = client.find('backups', name)
        client.action('backups', backup['id'], 'os-reset_status',
                      {'status': args.state})
        # cinder's words, on stdout as cinder prints them
        print("Request to update backup '%s' has been accepted." % name)
    cli.for_each(args.backup, reset, 'backup', 'reset the state of')


@cli.command(
    'backup-restore', 'Restores a backup to a new volume or onto an '
                      'existing available volume.',
    arg('backup', metavar='<backup>',
        help='Name or ID of the backup to restore.'),
    arg('--volume', metavar='<volume>',
        help='Name or ID of an available volume to restore onto (at least '
             'as large as the backup). Default: a new volume.'),
    arg('--name', metavar='<name>',
        help='Name of the new volume (default: restore_backup_<id>). Not '
             'with --volume.'),
    cli.WAIT, cli.WAIT_TIMEOUT, cli.FORMAT)
def do_backup_restore(client, args):
    if args.volume and args.name:
        raise http.CommandError('Give either --volume (restore onto it) or '
                                '--name (of a new volume), not both.')
    backup = client.find('backups', args.backup)
    volume_id = client.find('volumes', args.volume)['id'] \
        if args.volume else None
    restore = client.post('/backups/%s/restore' % backup['id'], {
        'restore': {'volume_id': volume_id, 'name': args.name}})['restore']
    if args.wait:
        _wait_restored(client, backup['id'], restore['volume_id'], args)
    output.print_object(restore, args.format)


def _wait_restored(client, backup_id, volume_id, args):
    """The backup leaves restoring (it carries the progress; a failed
    restore makes it available again, a force-delete removes it); then the
    target volume says how it ended: available, or error_restoring."""
    wait.wait(client, 'backups', backup_id, ('available',), ('error',),
              gone_ok=True, timeout=args.wait_timeout)

    def reason(volume):
        backup = client.show('backups', backup_id) or {}
        return backup.get('fail_reason') or (
            'restoring backup %s failed; see the backup service log'
            % backup_id)
    wait.wait(client, 'volumes', volume_id, ('available',),
              ('error', 'error_restoring'), timeout=args.wait_timeout,
              reason=reason)


@cli.command(
    'backup-export', 'Exports the record of a backup (admin only), to '
                     'import it in another deployment.',
    arg('backup', metavar='<backup>', help='Name or ID of the backup.'),
    cli.FORMAT)
def do_backup_export(client, args):
    backup = client.find('backups', args.backup)
    record = client.get('/backups/%s/export_record' % backup['id'])
    output.print_object(record['backup-record'], args.format)


@cli.command(
    'backup-import', 'Imports a backup record (admin only).',
    arg('backup_service', metavar='<backup_service>',
        help='Backup service that holds the backup (backup_service of '
             'backup-export).'),
    arg('backup_url', metavar='<backup_url>',
        help='The backup record (backup_url of backup-export).'),
    cli.WAIT, cli.WAIT_TIMEOUT, cli.FORMAT)
def do_backup_import(client, args):
    backup = client.post('/backups/import_record', {'backup-record': {
        'backup_service': args.backup_service,
        'backup_url': args.backup_url}})['backup']
    if args.wait:
        backup = _wait_created(client, backup['id'], args)
    output.print_object(backup, args.format)
