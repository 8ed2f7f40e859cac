"""Volume drivers: local storage for volumes and snapshots.

The contract is in :mod:`backupd.drivers.volume.base`; drivers are loaded by
name from the ``backupd.volume_drivers`` entry point namespace.
"""
