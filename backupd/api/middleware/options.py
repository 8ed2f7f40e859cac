"""The ``[oslo_middleware]`` options our filters read: oslo.middleware's
own (its ``OPTS`` lists), so configurations written for its filters keep
working."""
from oslo_config import cfg


def oslo_option(conf, opts, name):
    """``[oslo_middleware] name`` of ``conf`` (cfg.CONF when None), with
    ``opts`` registered. A filter reads it once: none of them is mutable,
    a restart is what changes it."""
    conf = conf or cfg.CONF
    conf.register_opts(opts, group='oslo_middleware')
    return conf.oslo_middleware[name]
