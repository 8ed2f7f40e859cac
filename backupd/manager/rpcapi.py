"""Base of the versioned RPC clients the API and managers use.

Casts are bounded (doc/reliability.rst): each attempt gives up at once when
the broker can't be reached (``retry=0``), and is sent with the mandatory
flag under publisher confirms (``at_least_once``), so a cast to a topic with
no queue bound (a queue deleted, or not yet declared again after a broker
restart) raises instead of vanishing. Attempts repeat until
``rpc_cast_timeout``; then the last error goes to the caller (the API undoes
its change and answers 503).
"""
import sys
import time

import oslo_messaging as messaging
from oslo_log import log as logging

from backupd import conf as conf_module
from backupd import rpc

LOG = logging.getLogger(__name__)

#: Seconds between two attempts of a cast that was not delivered.
CAST_PAUSE = 0.5

#: What a send raises when the broker did not take it. oslo.messaging wraps
#: the errors of a pooled connection, but when the process has no pooled
#: connection yet (the first cast of an API worker) and the broker is down,
#: kombu's error while opening one comes through unwrapped.
UNDELIVERED = (messaging.MessageDeliveryFailure,
               messaging.MessageUndeliverable)


def undelivered():
    """UNDELIVERED, plus kombu's OperationalError once kombu is loaded.

    kombu (and amqp) load with the rabbit driver; a process on fake://
    (backupd-all, the scrubber) never loads them, and none of their errors
    can reach it, so importing them just for this ``except`` would cost
    every start some 50 ms."""
    kombu_exceptions = sys.modules.get('kombu.exceptions')
    if kombu_exceptions is None:
        return UNDELIVERED
    return UNDELIVERED + (kombu_exceptions.OperationalError,)


class RPCClient:
    TOPIC_OPT = None      # name of the option holding the topic
    VERSION = '1.0'
    conf = None          # set by __init__; CONF when a test skips it

    def __init__(self, conf):
        self.conf = conf
        target = messaging.Target(topic=getattr(conf, self.TOPIC_OPT),
                                  version=self.VERSION)
        self.client = rpc.get_client(target, version_cap=self.VERSION)

    def prepare(self, host, version=None, timeout=None, **extra):
        kwargs = dict(extra, server=host)
        if version:
            kwargs['version'] = version
        if timeout:
            kwargs['timeout'] = timeout
        return self.client.prepare(**kwargs)

    def cast(self, ctxt, host, method, version=None, **kwargs):
        """A cast delivered to a bound queue within rpc_cast_timeout, or the
        last MessagingException."""
        client = self.prepare(host, version, retry=0,
                              transport_options=messaging.TransportOptions(
                                  at_least_once=True))
        bound = (self.conf or conf_module.CONF).rpc_cast_timeout
        deadline = time.monotonic() + bound
        while True:
            try:
                return client.cast(ctxt, method, **kwargs)
            except undelivered() as e:
                if time.monotonic() + CAST_PAUSE >= deadline:
                    raise messaging.MessageDeliveryFailure(
                        'the message broker did not take the %s for %s '
                        'within %ss (%s: %s)' % (
                            method, host, bound,
                            type(e).__name__,
                            str(e) or 'no queue bound to the topic'))
                LOG.info('Cast %s to %s not delivered (%s); trying again.',
                         method, host, type(e).__name__)
                time.sleep(CAST_PAUSE)


class Ping:
    """A service's check of its own path through the bus
    (backupd.manager.buscheck). Sent at the client's base version: only a
    service ever sends it, to itself, so both ends run the same code."""

    def ping(self, ctxt, host, timeout):
        return self.prepare(host, timeout=timeout, retry=0).call(ctxt, 'ping')
