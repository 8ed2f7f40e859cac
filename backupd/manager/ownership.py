"""This process's identity as the owner of operation leases, and the
reconciler's schedule (doc/reliability.rst).

Every backup or volume manager process has one token; its operations claim
their rows under it (backupd.db.leases) and its periodic task renews them.
"""
import os
import time
import uuid

from oslo_log import log as logging
from oslo_utils import timeutils

from backupd.db import leases
from backupd.db import retry

LOG = logging.getLogger(__name__)


class Owner:
    def __init__(self, conf, host, binary):
        self.conf = conf
        self.host = host
        self.binary = binary
        self._token = None
        self._pid = None
        self._last_pass = None

    @property
    def token(self):
        # made after a fork (oslo.service launchers), once per process
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._token = '%s/%s/%d/%s' % (self.host, self.binary, self._pid,
                                           uuid.uuid4().hex[:8])
        return self._token

    @property
    def seconds(self):
        return self.conf.operation_lease_time

    def claim(self, context, model, id_, statuses, values=None):
        """Take the row at an operation's start; a database blip then is
        retried as the writes that end an operation are (a claim by the
        same owner may be made again)."""
        return retry.call(leases.claim, context, model, id_, statuses,
                          self.token, self.seconds, values, conf=self.conf)

    def release(self, context, model, id_):
        """Give up the lease at an operation's end; a failure only delays
        the row's next operation until the lease expires."""
        try:
            retry.call(leases.release, context, model, id_, self.token,
                       conf=self.conf)
        except Exception as e:
            LOG.warning('Could not release the lease on %s %s (%s); it '
                        'expires in %ss.', model.__tablename__[:-1], id_, e,
                        self.seconds)

    def renew(self, context, *models):
        for model in models:
            leases.renew(context, model, self.token, self.seconds)

    def abandoned(self, context, model, statuses, **where):
        return leases.abandoned(context, model, statuses, self.token,
                                self.seconds, **where)

    def held_by_other(self, row):
        """Another owner's lease still runs on ``row``: never touch it."""
        return (row.lease_owner is not None and row.lease_owner != self.token
                and row.lease_expires_at is not None
                and row.lease_expires_at >= timeutils.utcnow())

    def reconcile_due(self):
        """True at most once per reconcile_interval."""
        now = time.monotonic()
        if (self._last_pass is not None and
                now - self._last_pass < self.conf.reconcile_interval):
            return False
        self._last_pass = now
        return True
