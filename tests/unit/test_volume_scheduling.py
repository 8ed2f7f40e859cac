"""The pure placement function: capacity filter and weigher
(backupd.api.volume_scheduling), with Cinder's rules for reserve and thin
over-subscription and backupd's rules for pending and unreported hosts."""
import random

import pytest

from backupd.api import volume_scheduling
from backupd import exception

H = volume_scheduling.HostCapacity


def thick(host, total, free, **kw):
    return H(host, total_gb=total, free_gb=free, **kw)


def thin(host, total, free, provisioned=0.0, ratio=20.0, **kw):
    return H(host, total_gb=total, free_gb=free, provisioned_gb=provisioned,
             thin=True, max_over_subscription_ratio=ratio, **kw)


def test_the_host_with_the_most_free_space_wins():
    hosts = [thick('a', 100, 10), thick('b', 100, 30), thick('c', 100, 20)]
    for seed in range(20):
        assert volume_scheduling.choose(hosts, 5, rng=random.Random(seed)) == 'b'


def test_hosts_without_room_are_left_out_even_with_most_free():
    # b has the most free space but its reserve (50% of 100) leaves 10
    hosts = [thick('a', 100, 20), thick('b', 100, 60, reserved_percentage=50)]
    assert volume_scheduling.choose(hosts, 15) == 'a'


def test_exact_fit_counts_as_room():
    assert volume_scheduling.choose([thick('a', 10, 10)], 10) == 'a'
    assert volume_scheduling.choose(
        [thick('a', 10, 10, reserved_percentage=10)], 9) == 'a'


def test_ties_are_broken_at_random():
    hosts = [thick('a', 100, 50), thick('b', 100, 50), thick('c', 100, 1)]
    chosen = {volume_scheduling.choose(hosts, 1, rng=random.Random(seed))
              for seed in range(40)}
    assert chosen == {'a', 'b'}


def test_thin_hosts_respect_the_over_subscription_ratio():
    # 90 provisioned + 20 > (100 - 0) x 1.0
    host = thin('a', 100, 95, provisioned=90, ratio=1.0)
    assert 'provision 90 GiB of at most 100 GiB' in host.why_no_room(20)
    assert host.why_no_room(10) is None
    # the reserve shrinks the base the ratio multiplies: (100 - 10) x 2
    host = thin('a', 100, 95, provisioned=170, ratio=2.0,
                reserved_percentage=10)
    assert host.why_no_room(10) is None
    assert host.why_no_room(11) is not None


def test_thin_hosts_need_free_space_too():
    host = thin('a', 100, 5, provisioned=0, ratio=20.0)
    assert host.why_no_room(6) == 'has 5 GiB free'


def test_thick_hosts_ignore_the_ratio():
    host = thick('a', 100, 50, provisioned_gb=1000,
                 max_over_subscription_ratio=1.0)
    assert host.why_no_room(50) is None


def test_pending_volumes_count_as_used_and_provisioned():
    # a reported 100 free, but 95 GiB were placed there since its report
    a = thin('a', 100, 100, provisioned=0, ratio=20.0, pending_gb=95)
    b = thin('b', 100, 40)
    assert volume_scheduling.choose([a, b], 10) == 'b'
    assert volume_scheduling.choose([a], 5) == 'a'
    assert 'counting 95 GiB of volumes created since its last capacity ' \
           'report' in a.why_no_room(10)
    ratio_bound = thin('c', 100, 100, provisioned=50, ratio=1.0,
                       pending_gb=45)
    assert ratio_bound.why_no_room(5) is None       # 50 + 45 + 5 = 100
    assert 'provision 95 GiB of at most 100 GiB' in \
        ratio_bound.why_no_room(6)


def test_unreported_hosts_come_after_every_reported_host_with_room():
    hosts = [H('new'), thick('a', 100, 1)]
    for seed in range(20):
        assert volume_scheduling.choose(hosts, 1, rng=random.Random(seed)) == 'a'
    assert volume_scheduling.choose(hosts, 2) == 'new'
    assert volume_scheduling.choose([H('new')], 1000) == 'new'


def test_no_room_is_a_409_naming_size_best_host_free_space_and_fixes():
    hosts = [thick('a', 100, 10), thick('b', 100, 30.456,
                                        reserved_percentage=10)]
    with pytest.raises(exception.NoValidHost) as caught:
        volume_scheduling.choose(hosts, 50, where=' in availability zone nova')
    error = caught.value
    assert error.code == 409 and error.error_name == 'conflictingRequest'
    assert error.msg == (
        'Cannot create a volume of 50 GiB: no volume host in availability '
        'zone nova has room for it. The host with the most free space, b, '
        'has 20.46 GiB free (after keeping 10% of 100 GiB in reserve). To '
        'create it, ask for a smaller volume, free space on a volume host '
        '(delete volumes or snapshots no longer needed) or add a volume '
        'host in availability zone nova.')


def test_ratio_refusal_suggests_raising_the_ratio():
    with pytest.raises(exception.NoValidHost) as caught:
        volume_scheduling.choose([thin('a', 10, 10, provisioned=9, ratio=1.0)], 2)
    assert 'raise max_over_subscription_ratio on a' in caught.value.msg
    assert 'max_over_subscription_ratio 1.0 x (total 10 GiB - 0% reserved)' \
        in caught.value.msg


def test_no_host_at_all_still_explains():
    with pytest.raises(exception.NoValidHost) as caught:
        volume_scheduling.choose([], 1)
    assert caught.value.msg.startswith(
        'Cannot create a volume of 1 GiB: no volume host has room for it. '
        'To create it,')


def test_of_service_reads_a_services_row():
    class Row:
        host = 'h'
        total_capacity_gb = 10.0
        free_capacity_gb = 4.0
        provisioned_capacity_gb = None
        thin_provisioning = True
        reserved_percentage = 5
        max_over_subscription_ratio = 2.5
    cap = volume_scheduling.of_service(Row, pending_gb=3)
    assert cap == H('h', 10.0, 4.0, 0.0, True, 5, 2.5, 3.0)
    assert volume_scheduling.of_service(type('R', (Row,), {
        'total_capacity_gb': None, 'free_capacity_gb': None}), 0
    ).reported is False


def test_a_single_candidate_is_named_plainly_with_custom_wording():
    with pytest.raises(exception.NoValidHost) as caught:
        volume_scheduling.choose([thick('a', 10, 2)], 3, 'restore backup b1 to a '
                         'new volume', scope='it must be on a',
                         fixes=['free space on a', 'restore onto an '
                                'existing volume'])
    assert caught.value.msg == (
        'Cannot restore backup b1 to a new volume of 3 GiB: it must be on a. '
        'a has 2 GiB free. To create it, free space on a or restore onto an '
        'existing volume.')
