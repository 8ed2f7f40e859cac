"""volume_backend_name of a volume type chooses among the volume hosts'
backends, and GET /os-availability-zone follows the volume hosts' zones
and states: host A (api, volume, backup; backend "file", zone nova) and a
second backupd-volume on host B (backend "ssd", zone zone-b), on RabbitMQ
and MariaDB."""
import uuid

from tests.fixtures import services
from tests.fixtures.services import wait_for
from tests.helpers import backup_support as bs


def _type(dep, backend):
    name = '%s-%s' % (backend, uuid.uuid4().hex[:6])
    resp = dep.request('POST', '/types', admin=True, json={'volume_type': {
        'name': name, 'extra_specs': {'volume_backend_name': backend}}})
    assert resp.status_code == 200, resp.text
    return name


def _host_of(dep, volume_id):
    shown = dep.request('GET', '/volumes/%s' % volume_id, admin=True)
    return shown.json()['volume']['os-vol-host-attr:host'].split('@')[0]


def _zones(dep):
    resp = dep.request('GET', '/os-availability-zone')
    assert resp.status_code == 200, resp.text
    return {z['zoneName']: z['zoneState']['available']
            for z in resp.json()['availabilityZoneInfo']}


def test_backend_name_places_and_zones_follow_hosts(backupd_cluster_factory,
                                                    tmp_path_factory):
    a = backupd_cluster_factory(db='mariadb')
    b = services.Deployment(
        tmp_path_factory.mktemp('type-b'), ['backupd-volume'], {
            'DEFAULT': {'transport_url': a.settings['DEFAULT']['transport_url'],
                        'volume_backend_name': 'ssd',
                        'storage_availability_zone': 'zone-b',
                        'report_interval': '1', 'service_down_time': '4'},
            'database': {'connection': a.database.url}})
    b.start()
    try:
        wait_for(lambda: _zones(a) == {'nova': True, 'zone-b': True}, 60,
                 what='both zones available')
        # B reports its backend with its capacity
        wait_for(lambda: bs.sql(
            a, 'SELECT volume_backend_name FROM services WHERE host = :h '
               'AND volume_backend_name IS NOT NULL', h=b.host) == [('ssd',)],
            60, what='host B reporting backend ssd')
        ssd, file_ = _type(a, 'ssd'), _type(a, 'file')
        for name, host, zone in ((ssd, b.host, 'zone-b'),
                                 (file_, a.host, 'nova')):
            resp = a.request('POST', '/volumes', json={'volume': {
                'size': 1, 'volume_type': name, 'availability_zone': zone}})
            assert resp.status_code == 202, resp.text
            assert _host_of(a, resp.json()['volume']['id']) == host
        # a backend no host serves, in the zone asked for: 409 naming them
        resp = a.request('POST', '/volumes', json={'volume': {
            'size': 1, 'volume_type': ssd, 'availability_zone': 'nova'}})
        assert resp.status_code == 409, resp.text
        assert 'backend ssd' in resp.text and a.host in resp.text
        b.stop()
        wait_for(lambda: _zones(a) == {'nova': True, 'zone-b': False}, 30,
                 what='zone-b unavailable once its only host is down')
    finally:
        b.close()
