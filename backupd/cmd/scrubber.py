"""backupd-scrubber: delayed-delete scrubber (arrives with its issue)."""
import sys


def main():
    print('backupd-scrubber is not built yet (delayed delete issue).',
          file=sys.stderr)
    return 2
