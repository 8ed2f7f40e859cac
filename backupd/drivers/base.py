"""The convention both driver kinds follow (backup/ and volume/).

A driver is a subclass of :class:`Driver` (through
``backup.base.BackupDriver`` or ``volume.base.VolumeDriver``, both abstract
base classes: a driver missing an operation cannot be instantiated).

Options
    A driver module defines ``OPTS`` and ``list_opts()`` (for the sample
    generator, see ``backupd.conf.opts``); the driver class names the same
    list in its ``OPTS`` attribute. :class:`Driver` registers the ``OPTS``
    of the class and of every base class that declares some on the ``conf``
    it is given, so a driver has no registration code of its own and a test
    passes a private ``oslo_config.cfg.ConfigOpts()``.

Capabilities
    Flags named ``supports_<what>``: class attributes (a property, or an
    instance attribute set by ``check_for_setup_error()``, where only the
    storage found at start can tell). :meth:`Driver.capabilities` turns them
    into the dict other services see, keyed by ``<what>``.

Lifecycle: ``Driver(conf, ...)``, then ``do_setup()`` once, then
``check_for_setup_error()``; the manager retries both until they pass
(``backupd.manager.driver_init``).
"""
import abc

#: Prefix of every capability flag.
CAPABILITY_PREFIX = 'supports_'


def register_opts(conf, driver_class):
    """Register the ``OPTS`` each class of ``driver_class``'s hierarchy
    declares itself, bases first; registering the same options again is a
    no-op in oslo.config."""
    for klass in reversed(driver_class.__mro__):
        opts = vars(klass).get('OPTS')
        if opts:
            conf.register_opts(opts)


class Driver(abc.ABC):
    """Base of every driver; see the module docstring."""

    #: Options of this class (the module's ``OPTS``); registered by
    #: ``__init__`` together with those of the base classes.
    OPTS = ()

    def __init__(self, conf):
        self.conf = conf
        register_opts(conf, type(self))

    def do_setup(self):
        """Prepare what the driver needs (directories, connections); called
        before any operation, again after a failure."""

    def check_for_setup_error(self):
        """Raise the kind's driver error (``BackupDriverError``,
        ``VolumeDriverError``), naming what is wrong and what to do, when
        the driver cannot work; detect capabilities that depend on the
        storage found."""

    @classmethod
    def capability_flags(cls):
        """Names of the ``supports_*`` flags, sorted."""
        return sorted(name for name in dir(cls)
                      if name.startswith(CAPABILITY_PREFIX))

    def capabilities(self):
        """``{<what>: bool}`` for each flag ``supports_<what>``, as this
        driver instance has it now (after ``check_for_setup_error()``)."""
        return {name[len(CAPABILITY_PREFIX):]: bool(getattr(self, name))
                for name in self.capability_flags()}
