"""A process's first cast to a stopped broker is a delivery failure (503),
not a 500 (doc/reliability.rst, Bounded casts from the API).

oslo.messaging wraps the errors of a pooled connection, but a process that
has not cast yet has none: opening the first one to a stopped broker raised
kombu's OperationalError straight through the bounded cast, and the API
answered 500 (seen in test_outage_broker.py when the POST reached the API
worker that had not cast before).

A child process set up like the API (``common.prepare``) casts to a
RabbitMQ URL whose port is reserved and not listening: the connection is
refused for real, nothing is mocked.
"""
import subprocess
import sys
import textwrap

from tests.fixtures.ports import reserve_port

CHILD = textwrap.dedent('''
    import sys

    from backupd.cmd import common   # monkey-patches, as every service does

    import oslo_messaging

    from backupd import context
    from backupd.manager.backup import rpcapi

    conf = common.prepare('backupd-api', argv=[
        '--config-file', sys.argv[1]])
    client = rpcapi.BackupAPI(conf)
    try:
        client.create_backup(context.get_admin_context(), 'node-x', 'b-1')
    except oslo_messaging.MessageDeliveryFailure as e:
        print('delivery failure: %s' % e)
    else:
        print('delivered?')
''')


def test_first_cast_to_a_stopped_broker_is_a_delivery_failure(tmp_path):
    port = reserve_port()
    try:
        config = tmp_path / 'backupd.conf'
        config.write_text(
            '[DEFAULT]\n'
            'transport_url = rabbit://guest:guest@127.0.0.1:%d/\n'
            'rpc_cast_timeout = 1\n'
            'state_path = %s\n'
            '[database]\n'
            'connection = sqlite:///%s\n'
            % (port.getsockname()[1], tmp_path, tmp_path / 'db.sqlite'))
        done = subprocess.run([sys.executable, '-c', CHILD, str(config)],
                              capture_output=True, text=True, timeout=120)
    finally:
        port.close()
    said = done.stdout.strip().splitlines()
    assert done.returncode == 0 and said, done.stderr[-3000:]
    assert said[-1].startswith('delivery failure: the message broker did '
                               'not take the create_backup'), said[-1]
    assert 'ECONNREFUSED' in said[-1] or 'refused' in said[-1], said[-1]
