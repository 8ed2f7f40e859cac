"""Only the RPC API is reachable on the bus: the volume and backup services
answer their rpcapi methods and refuse a manager's service hooks
(init_host, cleanup, periodic_tasks, ...) with NoSuchMethod, changing
nothing. Real processes on the deployment's RabbitMQ vhost; each test
leaves a row in the stuck status a crash leaves, which those hooks would
repair if they ran.
"""
import inspect

import oslo_messaging as messaging
import pytest

from backupd import conf as backupd_conf
from backupd import context as backupd_context
from backupd.manager.backup import manager as backup_manager
from backupd.manager.volume import manager as volume_manager
from backupd import rpc

from tests.helpers import backup_support as bs

# Which database serves the rows does not matter here.
pytestmark = pytest.mark.parametrize('backupd_cluster', ['mariadb'],
                                     indirect=True)



@pytest.fixture(scope='module')
def dep(backupd_cluster):
    return backupd_cluster


@pytest.fixture
def bus(dep):
    """``bus(topic, version)``: a raw RPC client to that topic on the
    deployment's host, able to send any method name."""
    # The services' exchange is "backupd" (cmd/common.py does the same).
    messaging.set_transport_defaults('backupd')
    conf = backupd_conf.CONF
    conf([], project='backupd', default_config_files=[])
    rpc.init(conf, 'test', url=dep.settings['DEFAULT']['transport_url'])

    def client(topic, version):
        return rpc.get_client(messaging.Target(topic=topic, version=version)
                              ).prepare(server=dep.host, timeout=30)
    yield client
    rpc.cleanup()


def ctxt():
    return backupd_context.get_admin_context()


def service_hooks(manager_class):
    """Public methods of a manager that are not its RPC API: init_host,
    cleanup (both repair stuck rows), periodic_tasks, driver_name, ..."""
    return [name for name, func in
            inspect.getmembers(manager_class, inspect.isfunction)
            if not name.startswith('_') and not hasattr(func, 'exposed')]


def answers_to_service_hooks(client, manager_class):
    """{hook: the remote exception's type, or 'ran' when it returned}."""
    answers = {}
    for method in service_hooks(manager_class):
        try:
            client.call(ctxt(), method)
            answers[method] = 'ran'
        except messaging.RemoteError as e:   # not a builtin exception
            answers[method] = e.exc_type
        except Exception as e:   # a builtin one, re-raised as <name>_Remote
            answers[method] = type(e).__name__.replace('_Remote', '')
    return answers


def refused(manager_class):
    hooks = service_hooks(manager_class)
    assert {'init_host', 'cleanup', 'periodic_tasks'} <= set(hooks)
    return dict.fromkeys(hooks, 'NoSuchMethod')


def test_volume_service(dep, bus):
    client = bus(backupd_conf.CONF.volume_topic, '1.2')
    volume = bs.create_volume(dep)
    resp = dep.request('POST', '/volumes/%s/action' % volume, admin=True,
                       json={'os-reset_status': {'status': 'creating'}})
    assert resp.status_code == 202, resp.text

    assert client.call(ctxt(), 'capabilities') == {
        'snapshot_local_path': True, 'reflink': False,
        'change_tracking': False}
    answers = answers_to_service_hooks(client, volume_manager.VolumeManager)
    assert bs.volume_status(dep, volume) == 'creating'
    assert answers == refused(volume_manager.VolumeManager)
    assert client.call(ctxt(), 'get_volume_path',
                       volume_id=volume) == bs.volume_path(dep, volume)


def test_backup_service(dep, bus):
    client = bus(backupd_conf.CONF.backup_topic, '1.0')
    volume = bs.create_volume(dep)
    backup = bs.create_backup(dep, volume)
    exported = client.call(ctxt(), 'export_record', backup_id=backup)
    assert exported['backup_service'] == 'posix'
    # As a backup service that died mid-create leaves it.
    bs.sql(dep, "UPDATE backups SET status = 'creating' WHERE id = :id",
           id=backup)

    answers = answers_to_service_hooks(client, backup_manager.BackupManager)
    assert bs.sql(dep, 'SELECT status FROM backups WHERE id = :id',
                  id=backup) == [('creating',)]
    assert answers == refused(backup_manager.BackupManager)
