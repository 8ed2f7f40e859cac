"""backupd's Tempest plugin: runs ``tempest.api.volume`` on a cloud that has
only Keystone and a block-storage service (no Nova, Glance or Neutron).

Tempest decides some things for a whole test class where only some of its
tests need another service. Two such class-level checks make volume-only
tests skip or error although they never touch the missing service:

* ``create_default_network = True`` (test_volumes_backup, _snapshots,
  _actions, admin/test_volumes_actions, ...): the class is skipped "as
  Neutron is not available". The network is only for servers, and every
  test of those classes that boots one is marked
  ``@utils.services('compute')``, so it is skipped on its own without Nova.
* ``BaseVolumeTest.setup_clients`` sets ``images_client`` only when Glance
  is there; VolumesActionsTest reads it in ``setup_clients`` (to alias its
  reader's image client), so the whole class errors. Its image tests are
  marked ``@utils.services('image')``.

With ``[backupd] lift_absent_service_checks = true`` (tests/tempest/
tempest.conf.template) and Nova and Neutron configured as absent, the
plugin clears the network flag when a volume test class starts. The image
client becomes a class attribute None (which ``setup_clients`` replaces
when Glance is there) instead of no attribute. The patch is made in ``load_tests``, which
Tempest calls in every test process after importing its own tests. No test body or assertion changes;
a test that does use the missing service still skips through its own
``@utils.services`` mark. Nothing else is added: ``load_tests`` names this
package's empty ``tests`` directory.
"""
import os

from oslo_config import cfg
from tempest.test_discover import plugins

GROUP = cfg.OptGroup('backupd', title='backupd: Tempest on a volume-only cloud')
OPTS = [
    cfg.BoolOpt('lift_absent_service_checks', default=False,
                help='Lift the class-level checks of volume API test classes '
                     'for Neutron and Glance when Nova, Neutron and Glance '
                     'are absent (backupd_tempest_plugin.plugin).'),
]


def _lift():
    """Patch tempest.api.volume.base once; the checks read the configuration
    when a class starts, so the option and [service_available] decide then."""
    from tempest.api.volume import base
    from tempest import config
    conf = config.CONF

    if getattr(base.BaseVolumeTest, '_backupd_lifted', False):
        return
    original = base.BaseVolumeTest.skip_checks.__func__

    def skip_checks(cls):
        if (conf.backupd.lift_absent_service_checks and
                not conf.service_available.nova and
                not conf.service_available.neutron):
            cls.create_default_network = False
        original(cls)

    base.BaseVolumeTest.skip_checks = classmethod(skip_checks)
    # Read only by setup_clients of classes whose image tests skip without
    # Glance; None instead of no attribute when Glance is absent.
    base.BaseVolumeTest.images_client = None
    base.BaseVolumeTest._backupd_lifted = True


class BackupdPlugin(plugins.TempestPlugin):
    def load_tests(self):
        _lift()
        here = os.path.dirname(os.path.abspath(__file__))
        return os.path.join(here, 'tests'), os.path.dirname(here)

    def register_opts(self, conf):
        conf.register_group(GROUP)
        conf.register_opts(OPTS, group=GROUP)

    def get_opt_lists(self):
        return [(GROUP.name, OPTS)]
