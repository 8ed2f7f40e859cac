"""Exceptions shared by every layer.

Each API-visible error carries its HTTP ``code``; the key of its JSON error
body (``{"badRequest": {"message": ..., "code": 400}}``) is Cinder's name for
that code (``error_name``). Messages name the object, its state and what to
do about it.
"""

# HTTP code -> the key of the error body, as Cinder's fault middleware names
# them; any other code is a computeFault.
ERROR_NAMES = {400: 'badRequest', 401: 'unauthorized', 403: 'forbidden',
               404: 'itemNotFound', 405: 'badMethod', 406: 'notAcceptable',
               409: 'conflictingRequest', 413: 'overLimit',
               415: 'badMediaType', 501: 'notImplemented',
               503: 'serviceUnavailable'}


def error_name(code):
    return ERROR_NAMES.get(code, 'computeFault')


class BackupdException(Exception):
    """Base class: ``message`` is a %-template filled from keyword args."""

    message = "An unknown error occurred."
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.message % kwargs
            except (KeyError, TypeError):
                message = self.message
        self.msg = str(message)
        super().__init__(self.msg)

    @property
    def error_name(self):
        return error_name(self.code)


# --- API-visible errors -----------------------------------------------------

class Invalid(BackupdException):
    message = "Invalid request: %(reason)s"
    code = 400


class InvalidInput(Invalid):
    message = "Invalid input received: %(reason)s"


class InvalidState(Invalid):
    """Object is in a state that does not allow the request."""
    message = "%(reason)s"


class NotAuthenticated(BackupdException):
    message = "Authentication required: %(reason)s"
    code = 401


class Forbidden(BackupdException):
    message = "Policy doesn't allow %(action)s to be performed."
    code = 403


class NotFound(BackupdException):
    message = "Resource could not be found."
    code = 404


class VolumeNotFound(NotFound):
    message = "Volume %(volume_id)s could not be found."


class SnapshotNotFound(NotFound):
    message = "Snapshot %(snapshot_id)s could not be found."


class BackupNotFound(NotFound):
    message = "Backup %(backup_id)s could not be found."


class ServiceNotFound(NotFound):
    message = "Service %(service_id)s could not be found."


class VolumeTypeNotFound(NotFound):
    message = "Volume type %(volume_type_id)s could not be found."


class VolumeTypeExtraSpecNotFound(NotFound):
    message = ("Volume type %(volume_type_id)s has no extra spec with key "
               "%(key)s.")


class Conflict(BackupdException):
    message = "%(reason)s"
    code = 409


class NoValidHost(Conflict):
    """No volume host has room for a new volume (see
    backupd.api.volume_scheduling).

    409, not Cinder's 202 followed by a volume in ``error``: nothing is
    created, and the request can succeed unchanged once space is freed or a
    host added, so it is a conflict with the current state of the storage,
    not a malformed request (400) nor a server fault (5xx).
    """
    message = "%(reason)s"


class OverQuota(BackupdException):
    """A create would take a project past a quota (backupd.db.quotas):
    413 with Cinder's ``overLimit`` body."""
    code = 413

    def __init__(self, project_id, resource, limit, in_use, requested):
        unit = ' GiB' if 'gigabytes' in resource else ''
        option = resource.replace('_', '-')
        if resource not in ('volumes', 'snapshots', 'gigabytes', 'backups',
                            'backup_gigabytes'):   # a per-type quota
            base, _, type_name = resource.partition('_')
            option = '%s --volume-type %s' % (base, type_name)
        super().__init__(
            'Quota exceeded for %(resource)s of project %(project)s: the '
            'quota is %(limit)d%(unit)s, %(in_use)d%(unit)s are in use and '
            'this request needs %(requested)d%(unit)s more. Delete what is '
            'no longer needed, or ask an administrator to raise the quota '
            '(cinder quota-update --%(option)s N %(project)s).' % {
                'resource': resource, 'project': project_id,
                'limit': limit, 'in_use': in_use, 'requested': requested,
                'unit': unit, 'option': option},
            project_id=project_id, resource=resource, limit=limit,
            in_use=in_use, requested=requested)


class VolumeSizeExceedsLimit(BackupdException):
    """A volume larger than the project's per_volume_gigabytes (413)."""
    message = ('Volume size %(size)d GiB is larger than the per-volume limit '
               'of project %(project_id)s (per_volume_gigabytes = %(limit)d '
               'GiB); ask for a smaller volume or an administrator to raise '
               'per_volume_gigabytes.')
    code = 413


class VersionNotAcceptable(BackupdException):
    message = "Version %(version)s is not supported by the API. Minimum is %(min)s and maximum is %(max)s."
    code = 406


class ServiceUnavailable(BackupdException):
    message = "%(reason)s"
    code = 503


# --- Driver / engine errors (not tied to HTTP) --------------------------------

class DriverError(BackupdException):
    message = "Driver error: %(reason)s"


class DriverNotInitialized(DriverError):
    message = "Driver %(driver)s on host %(host)s is not initialized: %(reason)s"


class VolumeDriverError(DriverError):
    message = "Volume driver error: %(reason)s"


class BackupDriverError(DriverError):
    message = "Backup driver error: %(reason)s"


class BackupObjectNotFound(BackupDriverError):
    message = "Object %(name)s not found in container %(container)s."


class BackupChecksumMismatch(BackupDriverError):
    message = "%(reason)s"


class BackupCancelled(BackupDriverError):
    message = "Operation on backup %(backup_id)s was cancelled."


class ProcessExecutionError(DriverError):
    message = "%(reason)s"
