"""Loads the paste.deploy pipeline (backupd/api/api-paste.ini)."""
import os

from oslo_config import cfg
from paste import deploy

_PACKAGED = os.path.join(os.path.dirname(__file__), 'api-paste.ini')


def paste_config_path(conf):
    """api_paste_config as given, else next to the config files, else ours."""
    name = conf.api_paste_config
    if os.path.isabs(name):
        return name
    files = (conf.config_file if 'config_file' in conf else None) or []
    for config_dir in [os.path.dirname(f) for f in files]:
        candidate = os.path.join(config_dir, name)
        if os.path.exists(candidate):
            return candidate
    return _PACKAGED


def load_app(conf=cfg.CONF):
    return deploy.loadapp('config:%s' % paste_config_path(conf),
                          name='osapi_volume')


def pipeline_factory(loader, global_conf, **local_conf):
    """Pick the pipeline named by auth_strategy and assemble it."""
    names = local_conf[cfg.CONF.auth_strategy].split()
    app = loader.get_app(names[-1])
    for name in reversed(names[:-1]):
        app = loader.get_filter(name)(app)
    return app
