"""backupd: the client CLI (arrives with its issue; use `cinder` meanwhile)."""
import sys


def main():
    print('The backupd CLI is not built yet; use the cinder CLI '
          '(see README.rst).', file=sys.stderr)
    return 2
