"""Snapshot commands: snapshot-create, snapshot-list, snapshot-show,
snapshot-delete."""
from backupd.client import cli
from backupd.client.cli import arg
from backupd.client import output
from backupd.client import wait

COLUMNS = [('ID', 'id'), ('Volume ID', 'volume_id'), ('Status', 'status'),
           ('Name', 'name'), ('Size', 'size')]


@cli.command(
    'snapshot-create', 'Creates a snapshot of a volume.',
    arg('volume', metavar='<volume>', nargs='?',
        help='Name or ID of the volume to snapshot.'),
    arg('--force', action='store_true',
        help='Snapshots an attached (in-use) volume too.'),
    arg('--name', metavar='<name>', help='Snapshot name.'),
    arg('--description', metavar='<description>',
        help='Snapshot description.'),
    cli.metadata_arg('snapshot'), cli.WAIT, cli.WAIT_TIMEOUT, cli.FORMAT)
def do_snapshot_create(client, args):
    cli.positional_after_metadata(args, 'volume', '<volume>')
    volume = client.find('volumes', args.volume)
    body = cli.without_nulls({
        'volume_id': volume['id'], 'force': args.force or None,
        'name': args.name, 'description': args.description,
        'metadata': cli.parse_metadata(args.metadata)})
    snapshot = client.post('/snapshots', {'snapshot': body})['snapshot']
    if args.wait:
        snapshot = wait.wait(client, 'snapshots', snapshot['id'],
                             ('available',), ('error',),
                             timeout=args.wait_timeout)
    output.print_object(snapshot, args.format)


@cli.command(
    'snapshot-list', 'Lists snapshots.',
    cli.all_tenants_arg('snapshots'),
    arg('--name', metavar='<name>', help='Filters by name.'),
    arg('--status', metavar='<status>', help='Filters by status.'),
    arg('--volume-id', metavar='<volume id>',
        help='Filters by the id of the snapshotted volume.'),
    *cli.paging_args('snapshots', 'name:asc'), cli.FORMAT)
def do_snapshot_list(client, args):
    snapshots = client.get('/snapshots/detail', params=cli.list_params(
        args, 'name', 'status', 'volume_id'))['snapshots']
    output.print_list(snapshots, COLUMNS, args.format)


@cli.command('snapshot-show', 'Shows details about a snapshot.',
             arg('snapshot', metavar='<snapshot>',
                 help='Name or ID of the snapshot.'),
             cli.FORMAT)
def do_snapshot_show(client, args):
    output.print_object(client.find('snapshots', args.snapshot),
                        args.format)


@cli.command(
    'snapshot-delete', 'Removes one or more snapshots.',
    arg('snapshot', nargs='+', metavar='<snapshot>',
        help='Name or ID of the snapshot(s) to delete.'),
    arg('--force', action='store_true',
        help='Deletes the snapshot whatever its state (os-force_delete, '
             'admin only).'),
    cli.WAIT, cli.WAIT_TIMEOUT, cli.FORMAT)
def do_snapshot_delete(client, args):
    def delete(name):
        snapshot = client.find('snapshots', name)
        if args.force:
            client.action('snapshots', snapshot['id'], 'os-force_delete',
                          None)
        else:
            client.delete('/snapshots/%s' % snapshot['id'])
        output.message('Request to delete snapshot %s has been accepted.'
                       % name, args.format)
        if args.wait:
            wait.wait(client, 'snapshots', snapshot['id'], (),
                      ('error_deleting',), gone_ok=True,
                      timeout=args.wait_timeout)
    cli.for_each(args.snapshot, delete, 'snapshot', 'delete')
