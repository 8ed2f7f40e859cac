"""Options of the REST API server."""
from oslo_config import cfg

OPTS = [
    cfg.HostAddressOpt('osapi_volume_listen', default='127.0.0.1',
                       help='IP address the API server listens on. Use '
                            '0.0.0.0 to listen on every interface.'),
    cfg.PortOpt('osapi_volume_listen_port', default=8776,
                help='TCP port the API server listens on (Cinder\'s port).'),
    cfg.IntOpt('osapi_volume_workers', min=1,
               sample_default='<number of CPUs>',
               help='Number of API worker processes; unset: one per CPU. '
                    'Each is one process serving many requests at once '
                    'with green threads, so one per CPU uses every core. '
                    '1 serves from the parent process itself. The workers '
                    'share the listening socket (osapi_volume_listen, '
                    'osapi_volume_listen_port).'),
    cfg.StrOpt('api_paste_config', default='api-paste.ini',
               help='paste.deploy file that assembles the WSGI pipeline. '
                    'Looked up next to the config files when relative; the '
                    'copy shipped inside the package is used when none is '
                    'found.'),
    cfg.StrOpt('auth_strategy', default='keystone',
               choices=[('keystone', 'validate tokens with Keystone through '
                                     'keystonemiddleware auth_token'),
                        ('noauth', 'trust X-User-Id/X-Project-Id and the '
                                   '"user:project" token; for tests and '
                                   'the embedded default only')],
               help='How API requests are authenticated.'),
    cfg.BoolOpt('noauth_allow_non_loopback', default=False,
                help='With auth_strategy = noauth: let the API listen on an '
                     'address other than loopback (osapi_volume_listen). '
                     'noauth believes every identity a request claims, so '
                     'anyone who reaches the port can act as any project '
                     'or as an admin; by default the API refuses to start '
                     'on a non-loopback address with noauth. Set it only '
                     'when something else (a firewall, an authenticating '
                     'proxy, a private test network) guards the port.'),
    cfg.ListOpt('noauth_admin_users', default=['admin'],
                help='With auth_strategy = noauth: user ids treated as '
                     'admins (besides requests whose X-Roles holds '
                     '"admin").'),
    cfg.IntOpt('osapi_max_limit', default=1000, min=1,
               help='Largest number of items a list call returns in one '
                    'page; clients page with marker/limit.'),
    cfg.StrOpt('public_endpoint', default=None,
               help='Base URL put in links and version documents instead of '
                    'the request\'s host URL (set it behind a proxy).'),
]


def register(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [(None, OPTS)]
