"""Backup drivers: the contract (base), the chunked data engine (chunked)
and its storage backends (posix, swift), loaded by stevedore from the
``backupd.backup_drivers`` entry point namespace."""
