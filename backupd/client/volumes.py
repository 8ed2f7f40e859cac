"""Volume commands: create, list, show, delete, force-delete, reset-state,
extend."""
from backupd.client import cli
from backupd.client.cli import arg
from backupd.client import http
from backupd.client import output
from backupd.client import wait


def _attached_to(volume):
    return ' '.join(a.get('server_id') or a.get('instance_uuid') or ''
                    for a in volume.get('attachments') or []).strip()


COLUMNS = [('ID', 'id'), ('Status', 'status'), ('Name', 'name'),
           ('Size', 'size'), ('Volume Type', 'volume_type'),
           ('Bootable', 'bootable'), ('Attached to', _attached_to)]


@cli.command(
    'create', 'Creates a volume (empty, or a copy of a snapshot or a '
              'volume).',
    arg('size', nargs='?', type=int, metavar='<size>',
        help='Size of the volume in GiB. Required unless --snapshot-id or '
             '--source-volid is given (then it defaults to the source\'s '
             'size).'),
    *cli.name_args('volume'),
    arg('--snapshot-id', metavar='<snapshot id>',
        help='Creates the volume from this snapshot.'),
    arg('--source-volid', metavar='<volume id>',
        help='Creates the volume as a copy of this volume.'),
    arg('--volume-type', metavar='<volume type>', help='Volume type.'),
    arg('--availability-zone', metavar='<availability zone>',
        help='Availability zone of the volume.'),
    cli.metadata_arg('volume'), cli.WAIT, cli.WAIT_TIMEOUT, cli.FORMAT)
def do_create(client, args):
    cli.positional_after_metadata(args, 'size', None)
    if isinstance(args.size, str):
        try:
            args.size = int(args.size)
        except ValueError:
            raise http.CommandError('Size %r is not a whole number of GiB.'
                                    % args.size)
    if args.size is None and not (args.snapshot_id or args.source_volid):
        raise http.CommandError('Size is required unless --snapshot-id or '
                                '--source-volid is given.')
    body = cli.without_nulls({
        'size': args.size, 'name': args.name,
        'description': args.description, 'snapshot_id': args.snapshot_id,
        'source_volid': args.source_volid, 'volume_type': args.volume_type,
        'availability_zone': args.availability_zone,
        'metadata': cli.parse_metadata(args.metadata)})
    volume = client.post('/volumes', {'volume': body})['volume']
    if args.wait:
        volume = wait.wait(client, 'volumes', volume['id'], ('available',),
                           ('error',), timeout=args.wait_timeout)
    output.print_object(volume, args.format)


@cli.command(
    'list', 'Lists volumes.',
    *cli.list_args('volumes', 'size:desc,name'))
def do_list(client, args):
    volumes = client.get('/volumes/detail', params=cli.list_params(
        args, 'name', 'status'))['volumes']
    columns = list(COLUMNS)
    if args.all_tenants:
        columns.insert(1, ('Tenant ID', 'os-vol-tenant-attr:tenant_id'))
    output.print_list(volumes, columns, args.format)


do_show = cli.show_command('volumes', 'Shows details about a volume.')


@cli.command(
    'delete', 'Removes one or more volumes.',
    *cli.delete_args('volume', arg('--cascade', action='store_true',
                                   help='Removes the volume\'s snapshots '
                                        'too.')))
def do_delete(client, args):
    cli.delete_each(client, args, 'volumes', 'delete',
                    params={'cascade': 'true'} if args.cascade else None)


@cli.command(
    'force-delete', 'Attempts to force-delete volumes, whatever their '
                    'state (admin only).',
    *cli.delete_args('volume'))
def do_force_delete(client, args):
    cli.delete_each(client, args, 'volumes', 'force-delete', force=True)


@cli.command(
    'reset-state', 'Explicitly updates the volume state in the database '
                   '(admin only); the volume itself is not touched.',
    cli.targets_arg('volume', 'modify'),
    arg('--state', metavar='<state>', default=None,
        help='The state to assign to the volume, e.g. available, error, '
             'in-use. Default=available (when --attach-status is not '
             'given either).'),
    arg('--attach-status', metavar='<attach-status>',
        choices=('attached', 'detached'),
        help='The attach status to assign (attached or detached).'))
def do_reset_state(client, args):
    state = args.state
    if state is None and args.attach_status is None:
        state = 'available'
    body = cli.without_nulls({'status': state,
                              'attach_status': args.attach_status})

    def reset(name):
        volume = client.find('volumes', name)
        client.action('volumes', volume['id'], 'os-reset_status', body)
    cli.for_each(args.volume, reset, 'volume', 'reset the state of')


@cli.command(
    'extend', 'Attempts to extend the size of an existing volume.',
    arg('volume', metavar='<volume>', help='Name or ID of the volume.'),
    arg('new_size', type=int, metavar='<new_size>',
        help='New size of the volume in GiB (larger than the current '
             'one).'),
    cli.WAIT, cli.WAIT_TIMEOUT, cli.FORMAT)
def do_extend(client, args):
    volume = client.find('volumes', args.volume)
    client.action('volumes', volume['id'], 'os-extend',
                  {'new_size': args.new_size})
    if args.wait:
        volume = wait.wait(client, 'volumes', volume['id'],
                           ('available', 'in-use'),
                           ('error', 'error_extending'),
                           timeout=args.wait_timeout)
        output.print_object(volume, args.format)
