"""backupd: block-volume backup service with a Cinder-compatible REST API."""
