"""A snapshot's metadata as its own resource:
/snapshots/{snapshot_id}/metadata[/{key}] (backupd.api.metadata_resource).
The route table takes RESOURCE.routes()."""
from backupd.api import lookups
from backupd.api import metadata_resource
from backupd.db import models
from backupd.policies import snapshots as policy

RESOURCE = metadata_resource.MetadataResource(
    'Snapshot', models.Snapshot, lookups.snapshot,
    {'get': policy.GET_METADATA, 'create': policy.UPDATE_METADATA,
     'update': policy.UPDATE_METADATA, 'delete': policy.DELETE_METADATA})
