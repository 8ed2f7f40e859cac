"""Base of the versioned RPC clients the API and managers use."""
import oslo_messaging as messaging

from backupd import rpc


class RPCClient:
    TOPIC_OPT = None      # name of the option holding the topic
    VERSION = '1.0'

    def __init__(self, conf):
        target = messaging.Target(topic=getattr(conf, self.TOPIC_OPT),
                                  version=self.VERSION)
        self.client = rpc.get_client(target, version_cap=self.VERSION)

    def prepare(self, host, version=None, timeout=None):
        kwargs = {'server': host}
        if version:
            kwargs['version'] = version
        if timeout:
            kwargs['timeout'] = timeout
        return self.client.prepare(**kwargs)
