"""Checks on the request line every call shares, before anything reads it.

webob decodes the path and the query string as UTF-8 only when a handler
first touches them, and a byte that is not UTF-8 then escapes as a
UnicodeDecodeError (a 500). Here the path and every query parameter are
decoded once, strictly, and refused with a 400 naming the parameter when
they are not UTF-8 or hold characters no database column can store (NUL,
lone surrogates), so later code sees only text it can use.
"""
import re
import urllib.parse


from backupd.api import request_body
from backupd import exception


class RequestChecks:
    """Plain WSGI (no webob request of its own: it reads two environ keys
    on every call); what it raises, the fault middleware answers."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        self.check_path(environ.get('PATH_INFO', ''))
        self.check_query(environ.get('QUERY_STRING', ''))
        return self.application(environ, start_response)

    @staticmethod
    def check_path(raw):
        # WSGI hands the path over as latin-1 characters of its bytes.
        try:
            path = raw.encode('latin-1').decode('utf-8')
        except (UnicodeDecodeError, UnicodeEncodeError):
            raise exception.InvalidInput(
                reason='the URL path is not UTF-8 once percent-decoded; '
                       'encode ids and names as UTF-8') from None
        request_body.check_text(path, 'the URL path')

    @staticmethod
    def check_query(raw):
        try:
            pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True,
                                           encoding='utf-8', errors='strict')
        except UnicodeDecodeError:
            raise exception.InvalidInput(
                reason='query parameter %s is not UTF-8 once '
                       'percent-decoded' % _failing_name(raw)) from None
        for name, value in pairs:
            request_body.check_text(name, 'a query parameter name')
            request_body.check_text(value, 'query parameter %s' % name)


# Longest user or project id a row can record (String(255) columns).
MAX_ID_LENGTH = 255
_CONTROL = re.compile('[\x00-\x1f\x7f-\x9f]')


def check_identity(ctx):
    """The caller's user and project ids fit the columns that record them
    and hold no control character (noauth takes them from headers and the
    URL as sent; Keystone's are 32 hex digits)."""
    for what, value in (('user', ctx.user_id), ('project', ctx.project_id)):
        if value is None:
            continue
        if len(value) > MAX_ID_LENGTH or _CONTROL.search(value):
            raise exception.InvalidInput(
                reason='the %s id %r is not usable: at most %d characters, '
                       'no control characters' % (
                           what, value[:40] + ('...' if len(value) > 40
                                               else ''), MAX_ID_LENGTH))


def check_path_params(params):
    """Ids, keys and names in a URL path fit the columns they are looked up
    in or stored to (all at most 255 characters): a longer one is a 400
    naming the parameter, not a database error on MariaDB/PostgreSQL."""
    for name, value in sorted(params.items()):
        if len(value) > MAX_ID_LENGTH:
            raise exception.InvalidInput(
                reason='path parameter %s has %d characters; at most %d'
                       % (name, len(value), MAX_ID_LENGTH))


def _failing_name(raw):
    """The name of the first query parameter that is not UTF-8, for the
    message (its name itself may be the culprit)."""
    for part in raw.split('&'):
        name, _, value = part.partition('=')
        for text in (name, value):
            try:
                urllib.parse.unquote_plus(text, errors='strict')
            except UnicodeDecodeError:
                shown = urllib.parse.unquote_plus(name, errors='replace')
                return repr(shown)
    return '(unknown)'


def filter_factory(global_conf, **local_conf):
    return RequestChecks
