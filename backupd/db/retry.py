"""Database writes that outlive a blip: oslo.db's ``wrap_db_retry`` with the
``[database]`` retry options (db_max_retries, db_retry_interval,
db_inc_retry_interval, db_max_retry_interval).

Used for the status writes that end an operation: losing one of those to a
short database outage would leave the row transient (issue 22).
"""
from oslo_config import cfg
from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_log import log as logging
from sqlalchemy import exc as sa_exc

LOG = logging.getLogger(__name__)

#: What a blip raises (connection refused/lost, deadlock, failover). A
#: connection refused while the pool opens a connection reaches us as
#: SQLAlchemy's own OperationalError (oslo.db translates only errors of
#: statements).
BLIPS = (db_exc.DBConnectionError, db_exc.DBDeadlock,
         sa_exc.OperationalError, sa_exc.InterfaceError)


def _is_blip(exc):
    if isinstance(exc, BLIPS):
        LOG.warning('Database unavailable (%s); retrying.', exc)
        return True
    return False


def call(function, *args, conf=None, **kwargs):
    """``function(*args, **kwargs)``, retried with backoff while the database
    is unreachable; the last error propagates after db_max_retries."""
    retrying = oslo_db_api.wrap_db_retry(exception_checker=_is_blip,
                                         **_settings(conf or cfg.CONF))
    return retrying(function)(*args, **kwargs)


def _settings(conf):
    """The [database] retry options; oslo.db's defaults where the group
    is not registered (a tool's or a test's private ConfigOpts)."""
    try:
        db = conf.database
        return dict(max_retries=db.db_max_retries,
                    retry_interval=db.db_retry_interval,
                    inc_retry_interval=db.db_inc_retry_interval,
                    max_retry_interval=db.db_max_retry_interval)
    except (cfg.NoSuchOptError, AttributeError):
        return {}
