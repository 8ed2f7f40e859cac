"""A manager exposes over RPC exactly the methods its rpcapi client sends.

rpc.get_server dispatches only to ``@oslo_messaging.expose`` methods, so an
rpcapi method without an exposed endpoint would fail at run time with
NoSuchMethod, and an exposed extra would open a service hook to the bus.
The names sent are derived by calling every public method of each client
on a recorder that stands in for oslo.messaging's client and keeps what
would go on the bus (nothing is faked on the manager side).
"""
import inspect

import pytest

from backupd.manager.backup import manager as backup_manager
from backupd.manager.backup import rpcapi as backup_rpcapi
from backupd.manager import rpcapi
from backupd.manager.volume import manager as volume_manager
from backupd.manager.volume import rpcapi as volume_rpcapi

PAIRS = [(backup_rpcapi.BackupAPI, backup_manager.BackupManager),
         (volume_rpcapi.VolumeAPI, volume_manager.VolumeManager)]


class Recorder:
    """What an RPC client would send: (version, method, kwargs) each."""

    def __init__(self):
        self.sent = []
        self._version = None

    def prepare(self, version=None, **kwargs):
        prepared = Recorder()
        prepared.sent = self.sent
        prepared._version = version
        return prepared

    def cast(self, ctxt, method, **kwargs):
        self.sent.append((self._version, method, kwargs))

    call = cast


def client_methods(client_class):
    return {name: func for name, func in
            inspect.getmembers(client_class, inspect.isfunction)
            if not name.startswith('_') and
            not hasattr(rpcapi.RPCClient, name)}


def sent_by(client_class):
    """{method name on the bus: (version, kwargs)} of every client method."""
    client = client_class.__new__(client_class)   # no transport needed
    client.client = recorder = Recorder()
    for name, func in client_methods(client_class).items():
        params = list(inspect.signature(func).parameters.values())[1:]
        required = [p.name for p in params
                    if p.default is inspect.Parameter.empty]
        before = len(recorder.sent)
        func(client, *['%s-value' % name for name in required])
        assert len(recorder.sent) == before + 1, (
            '%s.%s sent %d messages' % (client_class.__name__, name,
                                        len(recorder.sent) - before))
    return {method: (version, kwargs) for version, method, kwargs
            in recorder.sent}


def exposed(manager_class):
    return {name for name, value in inspect.getmembers(manager_class)
            if getattr(value, 'exposed', False)}


@pytest.mark.parametrize('client_class,manager_class', PAIRS)
def test_exposed_methods_are_exactly_those_the_client_sends(
        client_class, manager_class):
    sent = sent_by(client_class)
    assert sent, 'no RPC method derived from %s' % client_class.__name__
    assert exposed(manager_class) == set(sent)


def version(text):
    return tuple(int(part) for part in text.split('.'))


def endpoint_version(manager_class):
    """What oslo.messaging's dispatcher checks: the endpoint's target
    version, 1.0 without one."""
    target = getattr(manager_class, 'target', None)
    return (target and target.version) or '1.0'


@pytest.mark.parametrize('client_class,manager_class', PAIRS)
def test_each_message_fits_its_endpoint(client_class, manager_class):
    serves = version(endpoint_version(manager_class))
    for method, (asked, kwargs) in sent_by(client_class).items():
        # The dispatcher calls endpoint.method(ctxt, **kwargs).
        inspect.signature(getattr(manager_class, method)).bind(
            None, 'ctxt', **kwargs)
        asked = version(asked or client_class.VERSION)
        assert asked[0] == serves[0] and asked <= serves, method
