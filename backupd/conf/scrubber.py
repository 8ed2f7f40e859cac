"""Options of delayed delete and its scrubber (backupd-scrubber).

The lock every scrubber holds while it runs (so ``--restore`` can tell) is
an oslo.concurrency external lock under ``[oslo_concurrency] lock_path``
(default ``$state_path/lock`` when unset).
"""
from oslo_config import cfg

OPTS = [
    cfg.BoolOpt('delayed_delete', default=False,
                help='Whether deleting a backup through the API only marks '
                     'it "pending_delete" (its stored data kept) instead of '
                     'removing it at once. A pending backup is hidden from '
                     'its project (404, not listed, not an incremental '
                     'parent) and can be brought back with "backupd-scrubber '
                     '--restore <backup_id>" until the scrubber removes it, '
                     'scrub_time seconds after the delete. os-force_delete '
                     'always deletes at once. With True, run a scrubber: '
                     'backupd-all runs one in-process; otherwise run '
                     '"backupd-scrubber --daemon" or "backupd-scrubber" from '
                     'cron. Possible values: True, False. Related: '
                     'scrub_time, wakeup_time, scrub_pool_size.'),
    cfg.IntOpt('scrub_time', default=86400, min=0,
               help='Seconds a "pending_delete" backup is kept (and can be '
                    'restored with backupd-scrubber --restore) before the '
                    'scrubber removes its data and row; one day by default. '
                    '0 means the next scrubber run removes it. Possible '
                    'values: an integer >= 0. Related: delayed_delete, '
                    'wakeup_time.'),
    cfg.IntOpt('wakeup_time', default=300, min=1,
               help='Seconds between two runs of a scrubber daemon '
                    '("backupd-scrubber --daemon", or the one backupd-all '
                    'runs when delayed_delete is on). A backup is removed at '
                    'the latest scrub_time + wakeup_time seconds after its '
                    'delete. Possible values: an integer >= 1. Related: '
                    'scrub_time.'),
    cfg.IntOpt('scrub_pool_size', default=1, min=1,
               help='How many backups one scrubber run removes at once (its '
                    'pool of workers; each removes one backup\'s objects in '
                    'a native thread). Raise it when object deletes are slow '
                    '(Swift) and many backups fall due together. Possible '
                    'values: an integer >= 1. Related: scrub_page_size.'),
    cfg.IntOpt('scrub_page_size', default=100, min=1,
               help='How many due backups a scrubber run loads from the '
                    'database per query (the run pages through them). '
                    'Possible values: an integer >= 1. Related: '
                    'scrub_pool_size.'),
]


def register(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [(None, OPTS)]
