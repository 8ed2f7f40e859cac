"""The state table: every status and which states each transition starts from.

Callers pass ``FROM[<transition>]`` as the ``expected`` of
``db.api.conditional_update``; no status string is written anywhere else.
doc/contributor/states.rst is the prose version; tests/unit/test_state_docs.py
keeps the two equal.
"""


class Backup:
    CREATING = 'creating'
    AVAILABLE = 'available'
    DELETING = 'deleting'
    ERROR = 'error'
    ERROR_DELETING = 'error_deleting'
    RESTORING = 'restoring'
    PENDING_DELETE = 'pending_delete'
    DELETED = 'deleted'

    # transition -> statuses it may start from
    FROM = {
        'finish_create': (CREATING,),
        'fail_create': (CREATING,),
        'restore': (AVAILABLE,),
        'finish_restore': (RESTORING,),
        'delete': (AVAILABLE, ERROR),
        'delayed_delete': (AVAILABLE, ERROR),
        'force_delete': (CREATING, AVAILABLE, DELETING, ERROR, ERROR_DELETING,
                         RESTORING, PENDING_DELETE),
        'finish_delete': (DELETING,),
        'fail_delete': (DELETING,),
        'scrub': (PENDING_DELETE,),
        # a scrub whose storage delete failed: pending again, retried later
        'fail_scrub': (DELETING,),
        'undelete': (PENDING_DELETE,),
        # Not from deleting: a running delete is removing the data the
        # verification would vouch for.
        'reset_to_available': (CREATING, RESTORING, AVAILABLE, ERROR,
                               ERROR_DELETING),
        'reset_to_error': (CREATING, AVAILABLE, DELETING, ERROR,
                           ERROR_DELETING, RESTORING, PENDING_DELETE),
    }
    # os-reset_status targets
    RESET_TARGETS = (AVAILABLE, ERROR)
    # What API lists show unless an admin asks for status=pending_delete
    # (delayed delete: a pending backup is gone for its project).
    LISTED = (CREATING, AVAILABLE, DELETING, ERROR, ERROR_DELETING,
              RESTORING)


class Volume:
    CREATING = 'creating'
    AVAILABLE = 'available'
    IN_USE = 'in-use'
    DELETING = 'deleting'
    ERROR = 'error'
    ERROR_DELETING = 'error_deleting'
    BACKING_UP = 'backing-up'
    RESTORING_BACKUP = 'restoring-backup'
    ERROR_RESTORING = 'error_restoring'
    EXTENDING = 'extending'
    ERROR_EXTENDING = 'error_extending'
    # Cinder's other statuses (its VolumeStatus). backupd never sets them
    # itself, but an admin may (os-reset_status, as Tempest does), e.g.
    # 'maintenance' to fence a volume off: no transition starts from them
    # except reset_status and force_delete.
    ATTACHING = 'attaching'
    DETACHING = 'detaching'
    RESERVED = 'reserved'
    MAINTENANCE = 'maintenance'
    AWAITING_TRANSFER = 'awaiting-transfer'
    ERROR_BACKING_UP = 'error_backing-up'
    DOWNLOADING = 'downloading'
    UPLOADING = 'uploading'
    RETYPING = 'retyping'
    MANAGING = 'managing'
    ERROR_MANAGING = 'error_managing'
    ALL = (CREATING, AVAILABLE, IN_USE, DELETING, ERROR, ERROR_DELETING,
           BACKING_UP, RESTORING_BACKUP, ERROR_RESTORING, EXTENDING,
           ERROR_EXTENDING, ATTACHING, DETACHING, RESERVED, MAINTENANCE,
           AWAITING_TRANSFER, ERROR_BACKING_UP, DOWNLOADING, UPLOADING,
           RETYPING, MANAGING, ERROR_MANAGING)

    FROM = {
        'finish_create': (CREATING,),
        'fail_create': (CREATING,),
        'delete': (AVAILABLE, ERROR, ERROR_RESTORING, ERROR_EXTENDING),
        # Not while a backup reads it or a restore writes it: the backup
        # service owns the volume then (force-delete the backup instead).
        'force_delete': (CREATING, AVAILABLE, IN_USE, DELETING, ERROR,
                         ERROR_DELETING, ERROR_RESTORING, EXTENDING,
                         ERROR_EXTENDING, ATTACHING, DETACHING, RESERVED,
                         MAINTENANCE, AWAITING_TRANSFER, ERROR_BACKING_UP,
                         DOWNLOADING, UPLOADING, RETYPING, MANAGING,
                         ERROR_MANAGING),
        'finish_delete': (DELETING,),
        'fail_delete': (DELETING,),
        'attach': (AVAILABLE,),
        'detach': (IN_USE,),
        'backup': (AVAILABLE,),
        'backup_forced': (AVAILABLE, IN_USE),
        'finish_backup': (BACKING_UP,),
        'restore_target': (AVAILABLE,),
        'finish_restore': (RESTORING_BACKUP,),
        # a new volume a failed restore created: empty, even if available
        'fail_new_restore_target': (CREATING, AVAILABLE),
        'extend': (AVAILABLE,),
        'finish_extend': (EXTENDING,),
        'fail_extend': (EXTENDING,),
        'snapshot': (AVAILABLE,),
        'snapshot_forced': (AVAILABLE, IN_USE),
        # os-reserve / os-unreserve: Cinder's hold before an attach
        'reserve': (AVAILABLE,),
        'unreserve': (ATTACHING,),
        # os-retype (the type only: no migration)
        'retype': (AVAILABLE, IN_USE),
        # a transfer offered, accepted or cancelled (handlers/transfers.py)
        'transfer': (AVAILABLE,),
        'finish_transfer': (AWAITING_TRANSFER,),
        'reset_status': ALL,
        # a backup's temporary clone, whatever state a crash left it in
        'remove_temporary': ALL,
    }
    RESET_TARGETS = ALL


class Snapshot:
    CREATING = 'creating'
    AVAILABLE = 'available'
    DELETING = 'deleting'
    ERROR = 'error'
    ERROR_DELETING = 'error_deleting'
    BACKING_UP = 'backing-up'
    # Cinder's other statuses (its SnapshotStatus), for os-reset_status.
    UNMANAGING = 'unmanaging'
    RESTORING = 'restoring'
    ALL = (CREATING, AVAILABLE, DELETING, ERROR, ERROR_DELETING, BACKING_UP,
           UNMANAGING, RESTORING)

    FROM = {
        'finish_create': (CREATING,),
        'fail_create': (CREATING,),
        'delete': (AVAILABLE, ERROR),
        # with its volume (DELETE /volumes/{id}?cascade=True)
        'cascade_delete': (AVAILABLE, ERROR),
        'force_delete': (CREATING, AVAILABLE, DELETING, ERROR,
                         ERROR_DELETING, UNMANAGING, RESTORING),
        'finish_delete': (DELETING,),
        'fail_delete': (DELETING,),
        'backup': (AVAILABLE,),
        'finish_backup': (BACKING_UP,),
        'reset_status': ALL,
        'remove_temporary': ALL,
    }
    # Cinder accepts any of its snapshot statuses.
    RESET_TARGETS = ALL
    # os-update_snapshot_status (what a hypervisor reports about a snapshot
    # it takes itself): current status -> the statuses it may report, as
    # in Cinder.
    UPDATE_STATUS = {CREATING: (CREATING, AVAILABLE, ERROR),
                     DELETING: (DELETING, ERROR_DELETING)}
