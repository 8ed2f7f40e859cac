"""The rules for names users give: one rule per kind of name, shared by the
API's request schemas and the drivers (which apply them again at every use,
so a row or record that bypassed the API is refused where it would touch
storage). Plain values in, plain values out: this module imports nothing
of backupd but ``exception``.

Kinds of names:

* **container** (backup ``container``): Swift's container rule, since it
  becomes a Swift container or one directory level under
  ``backup_posix_path``: 1 to 256 bytes of UTF-8 and at most 255 characters
  (the database column), no ``/``, not ``.`` or ``..``, no control
  character (C0, DEL, C1: NUL and newline included). Null or absent means
  "the driver's default container".
* **display name, description** (volumes, snapshots, backups): at most 255
  characters (Cinder's limit) and no control character, so a name cannot
  forge log lines or break a terminal.
* **metadata**: keys 1 to 255 characters, values at most 255 (Cinder's
  limits), neither with a control character.

None of them holds a character beyond U+FFFF (see ``_BEYOND_BMP``).
Also here: object names (the engine's, checked at every use), and the UUID
and timestamp rules of import records. doc/tenant-isolation.rst has the
rules and the isolation guarantee they serve.
"""
import datetime
import re
import uuid

from backupd import exception

CONTAINER_MAX_BYTES = 256        # Swift's MAX_CONTAINER_NAME_LENGTH
OBJECT_MAX_BYTES = 1024         # Swift's MAX_OBJECT_NAME_LENGTH
MAX_CHARS = 255                  # Cinder's limit, and our String(255) columns

#: Any C0 control, DEL or C1 control; also the Unicode line and paragraph
#: separators, which terminals and log viewers treat as line breaks.
CONTROL_CHARACTERS = '[\u0000-\u001f\u007f-\u009f\u2028\u2029]'
_CONTROL = re.compile(CONTROL_CHARACTERS)
#: Characters beyond the Basic Multilingual Plane (emoji...): 4 bytes of
#: UTF-8, which a MySQL/MariaDB "utf8" connection (oslo.db's default
#: charset) cannot store, so they would fail the insert (a 500). Cinder's
#: description rule stops at U+FFFF too.
_BEYOND_BMP = re.compile('[\U00010000-\U0010ffff]')


def _character_problem(value):
    if _CONTROL.search(value):
        return 'it contains a control character (NUL, newline, ...)'
    if _BEYOND_BMP.search(value):
        return ('it contains a character beyond U+FFFF (such as an emoji), '
                'which not every database backupd runs on can store')
    return None


#: jsonschema ``format`` names of the rules below (see FORMAT_CHECKS).
CONTAINER_FORMAT = 'backupd-container'
TEXT_FORMAT = 'backupd-text'
UUID_FORMAT = 'backupd-uuid'
TIMESTAMP_FORMAT = 'backupd-timestamp'


class InvalidName(exception.BackupDriverError):
    """A name a driver refuses to turn into a storage path or object name."""
    message = '%(reason)s'


def container_problem(value):
    """Why ``value`` is not a valid container name, or None when it is."""
    if not isinstance(value, str):
        return 'it is not a string'
    if not value:
        return 'it is empty'
    if len(value) > MAX_CHARS:
        return 'it has %d characters, more than %d' % (len(value), MAX_CHARS)
    try:
        size = len(value.encode('utf-8'))
    except UnicodeEncodeError:
        return 'it is not valid UTF-8 (it holds a lone surrogate)'
    if size > CONTAINER_MAX_BYTES:
        return ('it has %d bytes of UTF-8, more than %d'
                % (size, CONTAINER_MAX_BYTES))
    if value in ('.', '..'):
        return '"." and ".." name directories, not containers'
    if '/' in value:
        return 'it contains "/" (a container is one level, not a path)'
    return _character_problem(value)


def check_container(value):
    """``value`` when it is a valid container name; else InvalidName."""
    problem = container_problem(value)
    if problem is not None:
        raise InvalidName(
            reason='Container name %r is invalid: %s. A container is 1 to %d '
                   'bytes of UTF-8 (at most %d characters), without "/" or '
                   'control characters, and not "." or "..".'
                   % (value, problem, CONTAINER_MAX_BYTES, MAX_CHARS))
    return value


def object_problem(value):
    """Why ``value`` is not a valid object name, or None. Object names are
    the engine's (``backup_<id>/chunk_00000001``), never a user's; the rule
    still guards every use: 1 to 1024 bytes of UTF-8 (Swift's limit),
    "/"-separated plain names (none empty, "." or ".."), no control
    character."""
    if not isinstance(value, str) or not value:
        return 'it is empty or not a string'
    try:
        size = len(value.encode('utf-8'))
    except UnicodeEncodeError:
        return 'it is not valid UTF-8 (it holds a lone surrogate)'
    if size > OBJECT_MAX_BYTES:
        return 'it has %d bytes, more than %d' % (size, OBJECT_MAX_BYTES)
    if any(part in ('', '.', '..') for part in value.split('/')):
        return 'it has an empty, "." or ".." part'
    if _CONTROL.search(value):
        return 'it contains a control character (NUL, newline, ...)'
    return None


def check_object(container, value):
    """``value`` when it is a valid object name; else InvalidName."""
    problem = object_problem(value)
    if problem is not None:
        raise InvalidName(reason='Object name %r in container %r is '
                                 'invalid: %s.' % (value, container, problem))
    return value


def text_problem(value):
    """Why ``value`` is not acceptable as a display name, description or
    metadata key/value (lengths are the schema's), or None."""
    return _character_problem(value)


def uuid_problem(value):
    """Why ``value`` is not a UUID in its canonical text form, or None."""
    try:
        canonical = str(uuid.UUID(value))
    except ValueError:
        return 'it is not a UUID'
    if value != canonical:
        return ('it is not a UUID in its canonical form (8-4-4-4-12 '
                'lowercase hex digits)')
    return None


def parse_timestamp(value):
    """A naive UTC datetime from ISO 8601 text (what export writes:
    ``datetime.isoformat()``); ValueError when it is not one a database
    column can hold (years 1970 to 9998)."""
    try:
        parsed = datetime.datetime.fromisoformat(value)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(datetime.timezone.utc).replace(
                tzinfo=None)
    except (ValueError, OverflowError, TypeError) as exc:
        raise ValueError('it is not an ISO 8601 timestamp (%s)' % exc)
    if not 1970 <= parsed.year <= 9998:
        raise ValueError('its year %d is outside 1970 to 9998' % parsed.year)
    return parsed


def timestamp_problem(value):
    try:
        parse_timestamp(value)
    except ValueError as exc:
        return str(exc)
    return None


#: format name -> function of a string returning a problem or None. The
#: API's schema validator turns a problem into a 400 naming the field;
#: ``format`` ignores non-strings (``type`` is there for them).
FORMAT_CHECKS = {
    CONTAINER_FORMAT: container_problem,
    TEXT_FORMAT: text_problem,
    UUID_FORMAT: uuid_problem,
    TIMESTAMP_FORMAT: timestamp_problem,
}


# --- JSON schema fragments of the rules (used by backupd.api.schemas) ------

UUID = {'type': 'string', 'format': UUID_FORMAT}
NULLABLE_UUID = {'type': ['string', 'null'], 'format': UUID_FORMAT}
TIMESTAMP = {'type': ['string', 'null'], 'maxLength': 64,
             'format': TIMESTAMP_FORMAT}

CONTAINER = {'type': ['string', 'null'], 'format': CONTAINER_FORMAT}
DISPLAY_NAME = {'type': ['string', 'null'], 'maxLength': MAX_CHARS,
                'format': TEXT_FORMAT}
DESCRIPTION = DISPLAY_NAME
METADATA_KEY = {'type': 'string', 'minLength': 1, 'maxLength': MAX_CHARS,
                'format': TEXT_FORMAT}
METADATA_VALUE = {'type': ['string', 'null'], 'maxLength': MAX_CHARS,
                  'format': TEXT_FORMAT}
METADATA = {'type': 'object', 'propertyNames': METADATA_KEY,
            'additionalProperties': METADATA_VALUE}


# --- the backup_service of an export record --------------------------------
# Tempest asserts an exported record's backup_service starts with
# "cinder.backup.drivers". backupd's add "backupd_" to the driver's name so
# no Cinder driver has it: Cinder maps its own short names (such as
# "cinder.backup.drivers.posix") to its drivers and would read our record
# as one of its backups; a name it does not know it refuses with
# "Service ... could not be found". The bare driver names ("posix",
# "swift") that earlier releases exported are still imported.
RECORD_SERVICE_PREFIX = 'cinder.backup.drivers.backupd_'
RECORD_SERVICE = {
    'type': 'string',
    'pattern': r'^(cinder\.backup\.drivers\.backupd_)?[a-z][a-z0-9_]{0,63}$',
    'description': 'the backup_service of a record backupd exported, '
                   'such as cinder.backup.drivers.backupd_posix (or posix)',
}


def record_service(driver):
    """The backup_service an export record shows for ``driver``."""
    return RECORD_SERVICE_PREFIX + driver


def record_driver(backup_service):
    """The backup driver a record's ``backup_service`` names."""
    if backup_service.startswith(RECORD_SERVICE_PREFIX):
        return backup_service[len(RECORD_SERVICE_PREFIX):]
    return backup_service
