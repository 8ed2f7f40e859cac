"""Console scripts. The ONE place eventlet monkey-patches the process:
it must happen before anything else imports socket, threading or time."""
import warnings

# The brief chose eventlet (as OpenStack services still run on it); its
# import-time deprecation banner on every start helps no operator.
warnings.filterwarnings('ignore', message='(?s).*Eventlet is deprecated')

import eventlet  # noqa: E402

# Everything but psycopg2, which green_psycopg2 patches once the
# configuration says the database is PostgreSQL: patching it here would
# import psycopg2 (some 20 ms) into every process, on SQLite and MariaDB too.
eventlet.monkey_patch(psycopg=False)


def green_psycopg2(conf):
    """Make psycopg2 cooperate with the hub (what a plain monkey_patch()
    does at import) when [database] names PostgreSQL; call it after parsing
    the configuration, before anything connects."""
    urls = (conf.database.connection, conf.database.slave_connection)
    if any(url and url.split(':', 1)[0].split('+', 1)[0] == 'postgresql'
           for url in urls):
        eventlet.monkey_patch(psycopg=True)
