"""Delayed delete: the scrubber that removes ``pending_delete`` backups once
``scrub_time`` has passed, and the operator's way back (``--restore``).

* :mod:`.lock` - the inter-process lock every scrubber holds while it runs.
* :mod:`.driver` - the backup driver, loaded as the backup manager loads it.
* :mod:`.scrub` - one scrub run: the database as the work queue, paged,
  a bounded pool of workers.
* :mod:`.undelete` - ``--restore`` and ``--list-pending``.
* :mod:`.daemon` - the periodic service (``--daemon``, and in backupd-all).
"""
