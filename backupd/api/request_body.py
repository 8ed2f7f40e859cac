"""What a request body must be before any schema looks at it.

``JSONBody.parse(req)`` is the one parser every handler's body goes through
(``wsgi.extract_json``). It refuses, with a 400 naming the place:

- a body not sent as JSON: Cinder reads a body only when its Content-Type is
  ``application/json`` (or its vendor type) and answers 400 to a call that
  needs one otherwise (text/plain, form-encoded, none);
- bytes that are not UTF-8 (json.loads would guess UTF-16/32 from bytes);
- nesting deeper than MAX_DEPTH, measured on the text before parsing, so
  neither the parser nor jsonschema can hit Python's recursion limit;
- a key given twice in one object (JSON parsers disagree on which wins);
- numbers JSON cannot carry faithfully or no column can hold: NaN,
  Infinity, floats that overflow, integers outside 64 bits;
- strings the databases cannot store: NUL (PostgreSQL refuses it) and lone
  surrogates (not encodable as UTF-8).

The size of the body is bounded before this, by the sizelimit middleware.
"""
import itertools
import json
import math
import re

from backupd import exception

JSON_TYPES = ('application/json', 'application/vnd.openstack.volume+json')
# Deepest nesting of objects/arrays a body or a dict-valued query parameter
# may have; the API's deepest body (metadata inside a resource) is 3.
MAX_DEPTH = 32
INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_OPEN_CLOSE = re.compile(r'[\[\]{}()]')


def nesting_depth(text):
    """Deepest bracket nesting of ``text`` outside JSON strings ((), [] and
    {} count, so Python literals are measured too)."""
    brackets = _OPEN_CLOSE.findall(_STRING.sub('""', text))
    steps = (1 if b in '[{(' else -1 for b in brackets)
    return max(itertools.accumulate(steps), default=0)


def check_depth(text, where):
    if nesting_depth(text) > MAX_DEPTH:
        raise exception.InvalidInput(
            reason='%s is nested more than %d levels deep' % (where,
                                                              MAX_DEPTH))


def check_text(value, where):
    """A string the databases can store: no NUL, valid UTF-8."""
    if '\x00' in value:
        raise exception.InvalidInput(
            reason='%s contains a NUL character (\\u0000), which cannot be '
                   'stored' % where)
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        raise exception.InvalidInput(
            reason='%s contains an unpaired surrogate (e.g. \\ud800), which '
                   'is not a character' % where) from None


class JSONBody:
    """Parses and checks a request's JSON body (see the module docstring)."""

    def __init__(self, max_depth=MAX_DEPTH):
        self.max_depth = max_depth

    def parse(self, req):
        self._check_content_type(req)
        try:
            text = req.body.decode('utf-8')
        except UnicodeDecodeError as e:
            raise exception.InvalidInput(
                reason='the body is not UTF-8: byte 0x%02x at offset %d'
                       % (e.object[e.start], e.start)) from None
        check_depth(text, 'the body')
        try:
            body = json.loads(text, object_pairs_hook=_no_duplicate_keys,
                              parse_constant=_no_constant)
        except ValueError as e:
            raise exception.InvalidInput(
                reason='the body is not valid JSON: %s' % e) from None
        _check_values(body, 'body')
        return body

    @staticmethod
    def _check_content_type(req):
        if req.content_type in JSON_TYPES:
            return
        sent = ('Content-Type %s' % req.content_type if req.content_type
                else 'no Content-Type')
        raise exception.InvalidInput(
            reason='this call takes a JSON body sent with Content-Type: '
                   'application/json; the request has %s' % sent)


def _no_duplicate_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise exception.InvalidInput(
                reason='the body gives the key %r twice in one object'
                       % key)
        result[key] = value
    return result


def _no_constant(name):
    raise exception.InvalidInput(
        reason='the body holds %s, which is not a JSON number' % name)


def _check_values(value, where):
    """Bounds on every number and string of a parsed body (depth already
    bounded, so the recursion is too)."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise exception.InvalidInput(
                reason='%s: %d is out of range (a 64-bit integer)'
                       % (where, value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise exception.InvalidInput(
                reason='%s: the number is too large' % where)
    elif isinstance(value, str):
        check_text(value, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, '%s: a key' % where)
            _check_values(item, '%s/%s' % (where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, '%s/%d' % (where, index))
