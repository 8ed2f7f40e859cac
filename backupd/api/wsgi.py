"""Request/response helpers the handlers share."""
import datetime
import json

import jsonschema
import webob

from backupd.api import request_body
from backupd import exception
from backupd import names

CONTEXT_KEY = 'backupd.context'
VERSION_KEY = 'backupd.api_version'
BODY_KEY = 'backupd.json_body'


def context_of(req):
    return req.environ[CONTEXT_KEY]


def version_of(req):
    return req.environ[VERSION_KEY]


# '3.N' -> APIVersion: the versions handlers and views compare with are a
# few constants, parsed once per process rather than once per item.
_PARSED = {}


def at_least(req, version):
    """True when the request's microversion is ``version`` or newer (the
    request's own was parsed once, by the router)."""
    wanted = _PARSED.get(version)
    if wanted is None:
        from backupd.api.microversions import APIVersion
        wanted = _PARSED[version] = APIVersion(version)
    return req.environ[VERSION_KEY] >= wanted


def timestamp(value):
    """A timestamp as Cinder prints it: always six fractional digits
    (``2025-01-01T01:00:00.000000``; isoformat drops a zero fraction),
    UTC without an offset; None stays None. Views format their timestamps
    with this (a datetime left to the JSON encoder costs a call back from
    its C loop into Python per value)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec='microseconds')


def _default(value):
    """What the encoder cannot write: datetimes no view formatted."""
    if isinstance(value, datetime.datetime):
        return timestamp(value)
    raise TypeError('%r is not JSON serializable' % (value,))


# One encoder for every response (json.dumps with ``default`` builds one
# per call); C-accelerated as json.dumps is.
_ENCODER = json.JSONEncoder(default=_default)
_JSON_TYPE = 'application/json'


def json_response(body, status=200, headers=None):
    """The response with ``body`` as JSON; its header list given whole
    (webob's content_type and text setters parse and re-encode)."""
    headerlist = [('Content-Type', _JSON_TYPE)]
    if headers:
        headerlist.extend(headers.items())
    # webob sets Content-Length from the body
    return webob.Response(body=_ENCODER.encode(body).encode('utf-8'),
                          status=status, headerlist=headerlist)


def empty_response(status=202):
    resp = webob.Response(status=status)
    resp.content_type = None
    resp.body = b''
    return resp


def extract_json(req, schema=None):
    """Parsed JSON body (request_body.JSONBody: content type, encoding,
    depth and value bounds), validated against ``schema``; 400 with a
    readable message. Parsed once per request (action handlers look twice).
    """
    if BODY_KEY not in req.environ:
        req.environ[BODY_KEY] = request_body.JSONBody().parse(req)
    body = req.environ[BODY_KEY]
    if schema is not None:
        validate(body, schema)
    return body


def _format_checker():
    """jsonschema formats of the shared name rules (backupd.names); a
    failing check's reason becomes the 400's message."""
    checker = jsonschema.FormatChecker(formats=())

    def add(name, problem_of):
        @checker.checks(name, raises=ValueError)
        def check(value):
            problem = problem_of(value) if isinstance(value, str) else None
            if problem is not None:
                raise ValueError(problem)
            return True
    for name, problem_of in names.FORMAT_CHECKS.items():
        add(name, problem_of)
    return checker


FORMAT_CHECKER = _format_checker()


def _short_repr(value):
    text = repr(value)
    return text if len(text) <= 80 else '%s...%s' % (text[:40], text[-20:])


def validate(body, schema, within=()):
    """400 naming the field when ``body`` breaks ``schema``; ``within``:
    the path of ``body`` in the request, when it was decoded from a field
    (import_record's backup_url)."""
    validator = jsonschema.Draft7Validator(schema,
                                           format_checker=FORMAT_CHECKER)
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is not None:
        path = list(within) + list(error.absolute_path)
        where = '/'.join(str(p) for p in path) or 'body'
        message = error.message
        if error.validator == 'format' and error.cause is not None:
            message = '%s is invalid: %s' % (_short_repr(error.instance),
                                             error.cause)
        elif len(message) > 300:      # jsonschema repeats the whole value
            message = '%s...%s' % (message[:120], message[-120:])
        raise exception.InvalidInput(reason='%s: %s' % (where, message))


TRUE_STRINGS = ('1', 't', 'true', 'on', 'y', 'yes')
FALSE_STRINGS = ('0', 'f', 'false', 'off', 'n', 'no')


def bool_param(req, name, default=False):
    """Query booleans as clients send them: 1, true, True, False ..."""
    value = req.GET.get(name)
    if value is None:
        return default
    if value.strip().lower() in TRUE_STRINGS:
        return True
    if value.strip().lower() in FALSE_STRINGS:
        return False
    raise exception.InvalidInput(reason='query parameter %s=%r is not a '
                                        'boolean' % (name, value))
