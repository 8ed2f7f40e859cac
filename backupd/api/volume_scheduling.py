"""Where a new volume goes: a capacity filter and weigher, as pure functions.

Cinder's scheduler (CapacityFilter + CapacityWeigher), answered while the
API handles the request. Input: the usable hosts (up, enabled, in the
requested availability zone) with their last capacity report and the GiB
placed on them since (``pending_gb``, counted as used and provisioned until
the host reports again). A host has room for ``size`` GiB when

* free - pending - reserve >= size, where reserve = total x
  reserved_percentage / 100; and, for thin provisioning (file volumes,
  LVM thin),
* provisioned + pending + size <= (total - reserve) x
  max_over_subscription_ratio.

Among the hosts with room the one with the most free space (free - pending
- reserve) wins; ties are broken at random. A host that never reported
(e.g. an older backupd-volume during an upgrade) is usable but comes after
every reported host with room: it gets the volume only when none of them
can. No host at all: :class:`backupd.exception.NoValidHost` (409) naming
the size, the best host, its free space and what to do.
"""
import dataclasses
import random

from backupd import exception


@dataclasses.dataclass(frozen=True)
class HostCapacity:
    host: str
    total_gb: float = None     # None: the host never reported
    free_gb: float = None
    provisioned_gb: float = 0.0
    thin: bool = False
    reserved_percentage: int = 0
    max_over_subscription_ratio: float = 1.0
    pending_gb: float = 0.0

    @property
    def reported(self):
        return self.total_gb is not None and self.free_gb is not None

    @property
    def reserve_gb(self):
        return self.total_gb * (self.reserved_percentage or 0) / 100.0

    @property
    def usable_free_gb(self):
        """Free space placement may still hand out."""
        return self.free_gb - self.pending_gb - self.reserve_gb

    @property
    def max_provisioned_gb(self):
        return ((self.total_gb - self.reserve_gb)
                * (self.max_over_subscription_ratio or 1.0))

    def why_no_room(self, size):
        """None when ``size`` GiB fits here, else why not: a phrase
        following the host's name ("has 2 GiB free")."""
        if self.usable_free_gb < size:
            return 'has %s GiB free%s' % (
                _gb(max(self.usable_free_gb, 0.0)),
                self._free_detail())
        provisioned = self.provisioned_gb + self.pending_gb
        if self.thin and provisioned + size > self.max_provisioned_gb:
            return ('has %s GiB free but its volumes already provision '
                    '%s GiB of at most %s GiB (max_over_subscription_ratio '
                    '%s x (total %s GiB - %d%% reserved))' % (
                        _gb(self.usable_free_gb), _gb(provisioned),
                        _gb(self.max_provisioned_gb),
                        self.max_over_subscription_ratio, _gb(self.total_gb),
                        self.reserved_percentage or 0))
        return None

    def _free_detail(self):
        parts = []
        if self.reserved_percentage:
            parts.append('after keeping %d%% of %s GiB in reserve' % (
                self.reserved_percentage, _gb(self.total_gb)))
        if self.pending_gb:
            parts.append('counting %s GiB of volumes created since its last '
                         'capacity report' % _gb(self.pending_gb))
        return ' (%s)' % '; '.join(parts) if parts else ''


def of_service(service, pending_gb=0.0):
    """HostCapacity from a services row (backupd.db.models.Service)."""
    return HostCapacity(
        host=service.host, total_gb=service.total_capacity_gb,
        free_gb=service.free_capacity_gb,
        provisioned_gb=service.provisioned_capacity_gb or 0.0,
        thin=bool(service.thin_provisioning),
        reserved_percentage=service.reserved_percentage or 0,
        max_over_subscription_ratio=(service.max_over_subscription_ratio
                                     or 1.0),
        pending_gb=float(pending_gb or 0.0))


def choose(hosts, size, what='create a volume', where='', rng=random,
           scope=None, fixes=None):
    """Host name for a new volume of ``size`` GiB among ``hosts``.

    The rest only words the error: ``what`` the request ("create a
    volume"), ``where`` the candidates (" in availability zone nova"),
    ``scope`` a sentence replacing "no volume host<where> has room for it",
    ``fixes`` the remedies instead of "ask for a smaller volume, free space
    ... or add a volume host<where>".
    Raises NoValidHost when no host fits.
    """
    reported = [h for h in hosts if h.reported]
    fitting = [h for h in reported if h.why_no_room(size) is None]
    if fitting:
        most = max(h.usable_free_gb for h in fitting)
        return rng.choice([h for h in fitting
                           if h.usable_free_gb == most]).host
    unknown = [h for h in hosts if not h.reported]
    if unknown:
        return rng.choice(unknown).host
    raise exception.NoValidHost(reason=no_room_message(
        reported, size, what, where, scope, fixes))


def no_room_message(reported, size, what, where='', scope=None, fixes=None):
    best = max(reported, key=lambda h: h.usable_free_gb, default=None)
    message = 'Cannot %s of %d GiB: %s.' % (
        what, size, scope or 'no volume host%s has room for it' % where)
    if len(reported) == 1:
        message += ' %s %s.' % (best.host, best.why_no_room(size))
    elif best is not None:
        message += ' The host with the most free space, %s, %s.' % (
            best.host, best.why_no_room(size))
    remedies = list(fixes or [
        'ask for a smaller volume', 'free space on a volume host (delete '
        'volumes or snapshots no longer needed)', 'add a volume host' + where])
    if best is not None and best.thin and best.usable_free_gb >= size:
        remedies.insert(-1, 'raise max_over_subscription_ratio on %s'
                            % best.host)
    return message + ' To create it, %s or %s.' % (', '.join(remedies[:-1]),
                                                    remedies[-1])


def _gb(value):
    return ('%.2f' % value).rstrip('0').rstrip('.')
