"""What the command modules share: declaring a command and its arguments,
the common options (--format, --wait, list paging) and helpers."""
import sys

from backupd.client import http
from backupd.client import output
from backupd.client import wait


def arg(*names, **kwargs):
    return names, kwargs


def command(name, help, *args):
    """Mark ``func(client, args)`` as the sub-command ``name``."""
    def mark(func):
        func.backupd_command = (name, help, args)
        return func
    return mark


def commands_of(module):
    """The module's commands in the order they are written."""
    return [f for f in vars(module).values()
            if callable(f) and hasattr(f, 'backupd_command')]


FORMAT = arg('-f', '--format', choices=output.FORMATS, default='table',
             help='Output format: table (default), json (the objects as '
                  'the server returned them) or value (bare cells).')
WAIT = arg('--wait', action='store_true',
           help='Follow the operation until it ends: progress on stderr, '
                'exit status 1 when it ends in an error state.')
WAIT_TIMEOUT = arg('--wait-timeout', type=float, metavar='<seconds>',
                   help='With --wait: give up (exit status 1) after this '
                        'many seconds; the operation itself continues. '
                        'Default: no limit.')


def all_tenants_arg(noun):
    return arg('--all-tenants', nargs='?', type=int, const=1, default=0,
               metavar='<0|1>',
               help='Shows %s of all projects (admins only; ignored for '
                    'others). Default=0.' % noun)


def paging_args(noun, sort_example):
    return [
        arg('--limit', type=int, metavar='<limit>',
            help='Maximum number of %s to return (the server caps it '
                 'at osapi_max_limit).' % noun),
        arg('--marker', metavar='<marker>',
            help='Begin returning %s after the one with this id (the '
                 'last id of the previous page).' % noun),
        arg('--sort', metavar='<key>[:<direction>]',
            help='Comma-separated list of sort keys and directions '
                 '(asc or desc), e.g. %s. Default: created_at:desc.'
                 % sort_example),
    ]


def list_args(noun, sort_example, *filters):
    """The options of a list command of ``noun`` (a collection):
    --all-tenants, the --name and --status filters, ``filters`` (more
    ``arg``s), paging and --format."""
    return [all_tenants_arg(noun),
            arg('--name', metavar='<name>', help='Filters by name.'),
            arg('--status', metavar='<status>', help='Filters by status.'),
            *filters, *paging_args(noun, sort_example), FORMAT]


def volume_id_filter(volume):
    """--volume-id of a list: ``volume`` says what the volume is to the
    listed objects (snapshotted, backed-up)."""
    return arg('--volume-id', metavar='<volume id>',
               help='Filters by the id of the %s volume.' % volume)


def targets_arg(noun, verb):
    """The positional ``<noun>`` names or ids of a command acting on one or
    more objects (delete, reset-state)."""
    return arg(noun, nargs='+', metavar='<%s>' % noun,
               help='Name or ID of the %s(s) to %s.' % (noun, verb))


def force_delete_arg(noun, consequence=''):
    """--force of a delete command: os-force_delete instead of DELETE;
    ``consequence`` ends the help text."""
    return arg('--force', action='store_true',
               help='Deletes the %s whatever its state (os-force_delete, '
                    'admin only)%s.' % (noun, consequence))


def delete_args(noun, *options):
    """The options of a command deleting ``noun``s: the targets,
    ``options`` (more ``arg``s), --wait, --wait-timeout and --format."""
    return [targets_arg(noun, 'delete'), *options, WAIT, WAIT_TIMEOUT, FORMAT]


def list_command(name, help, collection, columns, sort_example, *filters):
    """A list command: list_args's options, the objects as a table of
    ``columns``."""
    names = ('name', 'status') + tuple(
        names[0].lstrip('-').replace('-', '_') for names, _ in filters)

    @command(name, help, *list_args(collection, sort_example, *filters))
    def do_list(client, args):
        list_objects(client, args, collection, names, columns)
    return do_list


def name_args(noun):
    """--name and --description of a new ``noun``."""
    return [arg('--name', metavar='<name>', help='%s name.' % noun.title()),
            arg('--description', metavar='<description>',
                help='%s description.' % noun.title())]


def list_params(args, *names):
    """Query parameters of a list call from the parsed arguments."""
    params = {}
    if getattr(args, 'all_tenants', 0):
        params['all_tenants'] = 1
    for name in names + ('limit', 'marker', 'sort'):
        value = getattr(args, name, None)
        if value is not None:
            params[name] = value
    return params


def metadata_arg(noun):
    return arg('--metadata', nargs='+', action='extend', metavar='<key=value>',
               default=None,
               help='Metadata of the %s as key=value pairs.' % noun)


def positional_after_metadata(args, dest, what):
    """``--metadata k=v … <volume>``: argparse gives the trailing
    positional to --metadata; take it back when it is not key=value."""
    if getattr(args, dest) is None and args.metadata and \
            '=' not in args.metadata[-1]:
        setattr(args, dest, args.metadata.pop())
    if getattr(args, dest) is None and what:
        raise http.CommandError('%s is required.' % what)


def parse_metadata(pairs):
    if pairs is None:
        return None
    metadata = {}
    for pair in pairs:
        key, sep, value = pair.partition('=')
        if not sep or not key:
            raise http.CommandError('Metadata %r is not key=value.' % pair)
        metadata[key] = value
    return metadata


def for_each(names, do, noun, verb):
    """Run ``do(name)`` for every name; report each failure and go on.
    Raises CommandError when any failed (exit status 1)."""
    if len(names) == 1:
        do(names[0])
        return
    failed = 0
    for name in names:
        try:
            do(name)
        except http.CommandError as e:
            failed += 1
            print('ERROR: %s' % e, file=sys.stderr)
    if failed:
        raise http.CommandError(
            'Unable to %s %s of the %d specified %s.' % (
                verb, 'any' if failed == len(names) else failed,
                len(names), noun + ('s' if len(names) > 1 else '')))


def show_command(collection, help):
    """The ``<noun>-show`` command of ``collection``: one object by name
    or id."""
    noun = http.NOUNS[collection]

    @command('show' if collection == 'volumes' else noun + '-show', help,
             arg(noun, metavar='<%s>' % noun,
                 help='Name or ID of the %s.' % noun),
             FORMAT)
    def do_show(client, args):
        output.print_object(client.find(collection, getattr(args, noun)),
                            args.format)
    return do_show


def list_objects(client, args, collection, filters, columns):
    """GET ``/<collection>/detail`` with the list options and ``filters``
    (names of args), printed as a table of ``columns``."""
    found = client.get('/%s/detail' % collection,
                       params=list_params(args, *filters))[collection]
    output.print_list(found, columns, args.format)


def delete_each(client, args, collection, verb, force=False, params=None,
                done=(), on_done=None):
    """The delete commands: for every name in ``args.<noun>`` find the
    object and send the os-force_delete action when ``force``, else DELETE
    (with query ``params``); with ``--wait`` follow it until it is gone, or
    reaches a status in ``done`` (then ``on_done(name)``)."""
    noun = http.NOUNS[collection]

    def delete_one(name):
        obj = client.find(collection, name)
        if force:
            client.action(collection, obj['id'], 'os-force_delete', None)
        else:
            client.delete('/%s/%s' % (collection, obj['id']), params)
        output.message('Request to %s %s %s has been accepted.'
                       % (verb, noun, name), args.format)
        if args.wait and wait.wait(
                client, collection, obj['id'], done, ('error_deleting',),
                gone_ok=True, timeout=args.wait_timeout) is not None:
            on_done(name)
    for_each(getattr(args, noun), delete_one, noun, verb)


def without_nulls(values):
    return {k: v for k, v in values.items() if v is not None}
