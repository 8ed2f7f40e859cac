"""oslo.messaging plumbing: transports, RPC servers/clients, the notifier.

``transport_url`` decides the bus: ``rabbit://`` in production, ``fake://``
(oslo.messaging's in-process driver) for the embedded ``backupd-all``.
"""
from oslo_config import cfg
import oslo_messaging as messaging

from backupd import context as backupd_context

_TRANSPORT = None
_NOTIFIER = None


class ContextSerializer(messaging.Serializer):
    """Carries RequestContext across the bus as a dict."""

    def serialize_entity(self, ctxt, entity):
        return entity

    def deserialize_entity(self, ctxt, entity):
        return entity

    def serialize_context(self, ctxt):
        return ctxt.to_dict()

    def deserialize_context(self, ctxt):
        return backupd_context.RequestContext.from_dict(ctxt)


def init(conf, publisher_id, url=None):
    """Create the transports and notifier for this process (once).

    ``url`` overrides transport_url (the embedded default's ``fake://``).
    """
    global _TRANSPORT, _NOTIFIER
    _TRANSPORT = messaging.get_rpc_transport(conf, url=url)
    durable_by_default(conf)
    # [oslo_messaging_notifications] transport_url, else transport_url.
    notification_transport = messaging.get_notification_transport(conf,
                                                                   url=url)
    _NOTIFIER = messaging.Notifier(
        notification_transport,
        publisher_id=conf.notification_publisher_id or publisher_id,
        serializer=ContextSerializer())


def durable_by_default(conf):
    """Service topic queues and their messages survive a broker restart
    (doc/reliability.rst): a cast the API made before the restart, or
    after it but before the service declared its queue again, waits in
    the queue. An operator may still set amqp_durable_queues = false.

    RabbitMQ refuses to declare an exchange again with another durability,
    so every client of the ``backupd`` exchange (a notification listener
    too) must use the same setting; call this after creating a transport
    on ``conf``."""
    try:
        conf.set_default('amqp_durable_queues', True,
                         group='oslo_messaging_rabbit')
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        # another driver (fake:// in backupd-all registers no rabbit group)
        pass


def initialized():
    return _TRANSPORT is not None


def current_transport():
    """This process's RPC transport (None before ``init``): clients cache
    against it (backupd.api.rpc_clients)."""
    return _TRANSPORT


def cleanup():
    global _TRANSPORT, _NOTIFIER
    if _TRANSPORT is not None:
        _TRANSPORT.cleanup()
    _TRANSPORT = _NOTIFIER = None


def get_server(target, endpoints):
    """An RPC server dispatching only to methods marked
    ``@oslo_messaging.expose``.

    Managers also carry service hooks (init_host, cleanup, periodic_tasks)
    and helpers; none of those may be callable by whoever can reach the
    bus. A call to an unexposed name gets NoSuchMethod back.
    """
    return messaging.get_rpc_server(
        _TRANSPORT, target, endpoints, executor='eventlet',
        serializer=ContextSerializer(),
        access_policy=messaging.ExplicitRPCAccessPolicy)


def get_client(target, version_cap=None):
    return messaging.get_rpc_client(_TRANSPORT, target,
                                    version_cap=version_cap,
                                    serializer=ContextSerializer())


def get_notifier():
    return _NOTIFIER
