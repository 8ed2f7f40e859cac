"""What the volume operations share: native threads, per-volume locks,
status changes that log, notification payloads."""
import eventlet.patcher
from oslo_concurrency import lockutils
from oslo_log import log as logging

from backupd.db import api as db
from backupd.db import models
from backupd import exception
from backupd import hub
from backupd.manager import states
from backupd import notifications

LOG = logging.getLogger(__name__)


def run_native(func, *args):
    """Run blocking driver work in a native thread, off the eventlet hub."""
    if eventlet.patcher.is_monkey_patched('thread'):
        return hub.call(func, *args)
    return func(*args)


def volume_lock(volume_id):
    """Serializes the work on one volume (and its snapshots) in a manager,
    so e.g. a force-delete waits for the create it interrupts."""
    return lockutils.lock('backupd-volume-%s' % volume_id)


def require_driver(manager):
    if not manager.ready or manager.driver is None:
        raise exception.DriverNotInitialized(
            driver=manager.driver_name(), host=manager.host,
            reason=manager.not_ready_reason or 'not ready')
    return manager.driver


def change(ctxt, model, row_id, transition, to, **values):
    """CAS ``row_id`` to ``to`` from the states of ``transition``."""
    return db.conditional_update(ctxt, model, row_id,
                                 dict(values, status=to),
                                 {'status': table_of(model).FROM[transition]})


def fail(ctxt, model, row_id, transition, to, error, what):
    """Log why ``what`` failed and CAS the row to the error status ``to``;
    returns whether the row changed."""
    LOG.error('%s failed: %s', what, error)
    if not change(ctxt, model, row_id, transition, to):
        LOG.warning('%s: %s %s was no longer in %s; status left as is.',
                    what, model.__tablename__[:-1], row_id,
                    "/".join(table_of(model).FROM[transition]))
        return False
    return True


def driver_step(ctxt, model, row_id, what, failure, notice, step,
                on_failed=None):
    """The driver work of an operation on a claimed row: ``step()`` (on
    the hub: it returns the driver method and its arguments, run in a
    native thread). On an exception the row goes to the error status of
    ``failure`` ((transition, status), as :func:`fail`; ``on_failed()`` in
    the same transaction when it did) and ``notice`` (:func:`notifier`)
    sends the ``error`` notification. Returns the failure's message, or
    None when the driver succeeded."""
    try:
        method, args = step()
        run_native(method, *args)
    except Exception as e:
        with db.writer.using(ctxt):
            if fail(ctxt, model, row_id, *failure, e, what) and on_failed:
                on_failed()
        notice('error', reason=str(e))
        return '%s failed: %s' % (what, e)
    return None


def notifier(ctxt, resource, action, payload, row, **extra):
    """``notice(phase, **more)``: the ``resource.action.<phase>``
    notification of ``row`` (``payload(row, **extra, **more)``)."""
    def notice(phase, **more):
        notify(ctxt, resource, action, phase,
               payload(row, **dict(extra, **more)))
    return notice


def table_of(model):
    """The state table (states.Volume or states.Snapshot) of a model."""
    return states.Volume if model is models.Volume else states.Snapshot


def volume_payload(volume, **extra):
    return dict({
        'volume_id': volume.id, 'display_name': volume.display_name,
        'size': volume.size, 'host': volume.host,
        'availability_zone': volume.availability_zone,
        'tenant_id': volume.project_id, 'user_id': volume.user_id,
        'snapshot_id': volume.snapshot_id,
        'source_volid': volume.source_volid, 'status': volume.status,
    }, **extra)


def snapshot_payload(snapshot, **extra):
    return dict({
        'snapshot_id': snapshot.id, 'volume_id': snapshot.volume_id,
        'display_name': snapshot.display_name,
        'volume_size': snapshot.volume_size, 'status': snapshot.status,
        'tenant_id': snapshot.project_id, 'user_id': snapshot.user_id,
    }, **extra)


def notify(ctxt, resource, action, phase, payload):
    try:
        notifications.notify(ctxt, resource, action, phase, payload)
    except Exception:  # a notification never breaks an operation
        LOG.exception('Could not send %s.%s.%s', resource, action, phase)
