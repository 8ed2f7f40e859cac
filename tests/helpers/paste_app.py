"""The real paste pipeline in process (noauth, no database), for tests of
what the API does before a handler touches the database."""
from backupd.api import app as api_app
from backupd.conf import CONF


def noauth_app():
    """Generator for a module fixture: ``app = pytest.fixture(
    scope='module')(paste_app.noauth_app)``."""
    CONF([], project='backupd', default_config_files=[])
    CONF.set_override('auth_strategy', 'noauth')
    yield api_app.load_app(CONF)
    CONF.clear_override('auth_strategy')
