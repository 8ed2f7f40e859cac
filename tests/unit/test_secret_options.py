"""Every option that holds a password, a key, a token or a URL that may
carry credentials is secret, so oslo.config logs it as '****' (debug logs
every option value at start)."""
import re

from oslo_config import cfg
from oslo_db import options as db_options
from oslo_messaging import opts as messaging_opts

from backupd.conf import opts as backupd_opts

SECRET_NAMES = re.compile(r'(password|passwd|secret|_key$|token|^connection$'
                          r'|^slave_connection$|transport_url)')
# Names that match but hold no secret.
NOT_SECRET = {'backup_swift_auth_url', 'encryption_key_id'}


def _all_opts():
    yield from backupd_opts.list_opts()
    yield 'database', db_options.database_opts
    for group, options in messaging_opts.list_opts():
        if group in (None, 'DEFAULT', 'oslo_messaging_notifications'):
            yield group, options


def test_options_holding_secrets_are_secret():
    leaking = ['%s.%s' % (group or 'DEFAULT', opt.name)
               for group, options in _all_opts() for opt in options
               if isinstance(opt, cfg.Opt) and SECRET_NAMES.search(opt.name)
               and opt.name not in NOT_SECRET and not opt.secret]
    assert leaking == []


def test_the_check_sees_the_options_it_is_about():
    names = {opt.name for _, options in _all_opts() for opt in options}
    assert {'connection', 'transport_url', 'backup_swift_key'} <= names
