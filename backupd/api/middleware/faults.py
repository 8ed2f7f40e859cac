"""Every error leaves the API as Cinder's JSON fault body, never a traceback."""
from oslo_db import exception as db_exc
from oslo_log import log as logging
import sqlalchemy.exc
import webob.exc

from backupd.api import wsgi
from backupd import exception

LOG = logging.getLogger(__name__)

# "The database server is gone or could not finish", not a bug: oslo.db's
# translations, and what it leaves untranslated (a refused connection to
# PostgreSQL comes as SQLAlchemy's OperationalError); api.Read raises
# DBConnectionError.
_DATABASE_UNAVAILABLE = (db_exc.DBConnectionError, db_exc.DBDeadlock,
                         sqlalchemy.exc.OperationalError,
                         sqlalchemy.exc.InterfaceError,
                         sqlalchemy.exc.DisconnectionError)

def error_response(exc):
    """The JSON response for any exception raised while handling a request."""
    if isinstance(exc, exception.BackupdException):
        code, message = exc.code, exc.msg
        name = exc.error_name
    elif isinstance(exc, webob.exc.HTTPException):
        code, message = exc.code, exc.detail or exc.explanation
        name = exception.error_name(code)
    elif isinstance(exc, _DATABASE_UNAVAILABLE):
        # An outage or a lost connection, not a bug: the caller may retry
        # (a row a request changed before it is repaired like any
        # interrupted operation's, doc/reliability.rst).
        LOG.warning('Database unavailable while handling a request: %s', exc)
        code, name = 503, exception.error_name(503)
        message = ('The database did not answer (%s). Retry the request '
                   'once the database is back.' % type(exc).__name__)
    else:
        LOG.exception('Unexpected error while handling a request')
        code, name = 500, exception.error_name(500)
        message = ('The server has either erred or is incapable of '
                   'performing the requested operation.')
    headers = None
    if isinstance(exc, webob.exc.HTTPMethodNotAllowed):
        headers = {'Allow': exc.headers.get('Allow', '')}
    return wsgi.json_response({name: {'message': message, 'code': code}},
                              status=code, headers=headers)


class FaultWrapper:
    """Plain WSGI: the calls that fail are the ones that pay for a response
    object (webob's wsgify built a request and response for every call)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        try:
            return self.application(environ, start_response)
        except Exception as e:
            return error_response(e)(environ, start_response)


def filter_factory(global_conf, **local_conf):
    return FaultWrapper
