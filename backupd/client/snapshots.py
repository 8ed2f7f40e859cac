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
    *cli.name_args('snapshot'),
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


do_snapshot_list = cli.list_command(
    'snapshot-list', 'Lists snapshots.', 'snapshots', COLUMNS, 'name:asc',
    cli.volume_id_filter('snapshotted'))


do_snapshot_show = cli.show_command('snapshots',
                                    'Shows details about a snapshot.')


@cli.command(
    'snapshot-delete', 'Removes one or more snapshots.',
    *cli.delete_args('snapshot', cli.force_delete_arg('snapshot')))
def do_snapshot_delete(client, args):
    cli.delete_each(client, args, 'snapshots', 'delete', force=args.force)
