"""service-list."""
from backupd.client import cli
from backupd.client.cli import arg
from backupd.client import output

COLUMNS = [('Binary', 'binary'), ('Host', 'host'), ('Zone', 'zone'),
           ('Status', 'status'), ('State', 'state'),
           ('Updated_at', 'updated_at')]
# Columns shown when the microversion puts the key in the bodies.
OPTIONAL = [('Cluster', 'cluster'), ('Backend State', 'backend_state')]


@cli.command(
    'service-list', 'Lists the volume and backup services and whether '
                    'they are up (admin only).',
    arg('--host', metavar='<hostname>', help='Filters by host name.'),
    arg('--binary', metavar='<binary>',
        help='Filters by binary (cinder-volume or cinder-backup).'),
    cli.FORMAT)
def do_service_list(client, args):
    services = client.get('/os-services', params=cli.without_nulls({
        'host': args.host, 'binary': args.binary}))['services']
    columns = list(COLUMNS)
    columns += [c for c in OPTIONAL if any(c[1] in s for s in services)]
    columns.append(('Disabled Reason', 'disabled_reason'))
    output.print_list(services, columns, args.format)
