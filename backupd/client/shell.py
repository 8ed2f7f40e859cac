"""backupd: the command-line client of backupd's block-storage API.

Cinder-style sub-commands over HTTP only (no server code is imported);
authentication through keystoneauth or noauth (backupd.client.auth);
output as a table, JSON or bare values. Errors print "ERROR: <message>"
on stderr and exit with status 1; usage errors exit with status 2.
"""
import argparse
import logging
import os
import sys

from keystoneauth1 import exceptions as ks_exceptions

from backupd.client import auth
from backupd.client import backups
from backupd.client import cli
from backupd.client import http
from backupd.client import services
from backupd.client import snapshots
from backupd.client import volumes
from backupd import version

COMMAND_MODULES = (volumes, snapshots, backups, services)

EPILOG = """\
Authentication: Keystone (--os-auth-type password, the default, or
v3applicationcredential) with the endpoint from the service catalog, or
noauth:

  backupd --os-auth-type noauth --os-user-id admin --os-project-id admin \\
      --os-endpoint http://127.0.0.1:8776/v3/admin service-list

Run "backupd help <subcommand>" for the options of a sub-command.
"""


def build_parser(argv):
    parser = argparse.ArgumentParser(
        prog='backupd', description='Command-line client of the backupd '
        'block-storage and backup API (Cinder-compatible).',
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--version', action='version',
                        version='backupd %s' % version.VERSION)
    parser.add_argument('-d', '--debug', action='store_true',
                        help='Prints the HTTP requests and responses and '
                             'tracebacks of unexpected errors.')
    parser.add_argument(
        '--os-volume-api-version', metavar='<api-ver>',
        default=os.environ.get('OS_VOLUME_API_VERSION'),
        help='Block-storage API microversion to use, e.g. 3.0 or 3.43. '
             'Default: the highest one both this client (%s) and the '
             'server support, read from the server\'s version document. '
             'Defaults to env[OS_VOLUME_API_VERSION].' % http.CLIENT_MAX)
    auth.register_arguments(parser, argv)
    subparsers = parser.add_subparsers(dest='command',
                                       metavar='<subcommand>')
    for module in COMMAND_MODULES:
        for func in cli.commands_of(module):
            name, help_text, arguments = func.backupd_command
            sub = subparsers.add_parser(name, help=help_text,
                                        description=help_text)
            for names, kwargs in arguments:
                sub.add_argument(*names, **kwargs)
            sub.set_defaults(func=func)
    helper = subparsers.add_parser(
        'help', help='Displays help about this program or one of its '
                     'sub-commands.',
        description='Displays help about this program or one of its '
                    'sub-commands.')
    helper.add_argument('subcommand', nargs='?', metavar='<subcommand>',
                        help='Name of the sub-command.')
    helper.set_defaults(func=None)
    parser.subparsers = subparsers
    return parser


def _help(parser, args):
    if args.subcommand is None:
        parser.print_help()
        return 0
    sub = parser.subparsers.choices.get(args.subcommand)
    if sub is None:
        print("ERROR: '%s' is not a backupd sub-command; see backupd help."
              % args.subcommand, file=sys.stderr)
        return 2
    sub.print_help()
    return 0


def make_client(args):
    plugin = auth.load_auth(args)
    session = auth.load_session(args, plugin)
    try:
        endpoint = auth.endpoint_of(session, plugin, args)
    except (ks_exceptions.ClientException, http.CommandError):
        raise
    except Exception as e:
        # keystoneauth's plugins raise plain exceptions for settings they
        # lack (e.g. "password is a required attribute")
        if args.debug:
            raise
        raise http.CommandError('Cannot authenticate with the %s auth '
                                'type: %s' % (args.os_auth_type, e))
    return http.Client(session, endpoint, args.os_volume_api_version or
                       args.os_api_version)


def _missing_options(exc, auth_type):
    flags = ', '.join('--os-%s (env OS_%s)' % (
        o.name, o.name.replace('-', '_').upper()) for o in exc.options)
    return 'The %s auth type needs %s.' % (auth_type, flags)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == 'help':
        return _help(parser, args)
    if args.debug:
        logging.basicConfig(level=logging.DEBUG)
    else:
        # keystoneauth logs a warning before raising what it warns about;
        # the error is reported once, from the exception.
        logging.getLogger().addHandler(logging.NullHandler())
    try:
        client = make_client(args)
        return args.func(client, args) or 0
    except http.CommandError as e:
        print('ERROR: %s' % e, file=sys.stderr)
    except ks_exceptions.MissingRequiredOptions as e:
        print('ERROR: %s' % _missing_options(e, args.os_auth_type),
              file=sys.stderr)
    except ks_exceptions.NoMatchingPlugin:
        print("ERROR: Unknown auth type '%s'; use password, "
              "v3applicationcredential, token, … or noauth."
              % args.os_auth_type, file=sys.stderr)
    except ks_exceptions.ClientException as e:
        print('ERROR: %s' % (e.message if getattr(e, 'message', None)
                             else e), file=sys.stderr)
    except KeyboardInterrupt:
        print('\nInterrupted; what was requested goes on on the server.',
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as e:
        if args.debug:
            raise
        print('ERROR: unexpected %s: %s (run with --debug for the '
              'traceback)' % (type(e).__name__, e), file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
