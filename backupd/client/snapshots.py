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
    cli.list_objects(client, args, 'snapshots',
                     ('name', 'status', 'volume_id'), COLUMNS)


do_snapshot_show = cli.show_command('snapshots',
                                    'Shows details about a snapshot.')


@cli.command(
    'snapshot-delete', 'Removes one or more snapshots.',
    arg('snapshot', nargs='+', metavar='<snapshot>',
        help='Name or ID of the snapshot(s) to delete.'),
    arg('--force', action='store_true',
        help='Deletes the snapshot whatever its state (os-force_delete, '
             'admin only).'),
    cli.WAIT, cli.WAIT_TIMEOUT, cli.FORMAT)
def do_snapshot_delete(client, args):
    if args.force:
        def send(sid):
            client.action('snapshots', sid, 'os-force_delete', None)
    else:
        def send(sid):
            client.delete('/snapshots/%s' % sid)
    cli.delete_each(client, args, 'snapshots', send, 'delete')
