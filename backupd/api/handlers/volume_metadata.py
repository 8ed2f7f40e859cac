"""A volume's metadata as its own resource:
/volumes/{volume_id}/metadata[/{key}] (backupd.api.metadata_resource;
``openstack volume set/unset --property`` and ``cinder metadata`` use it).
The route table takes RESOURCE.routes()."""
from backupd.api import lookups
from backupd.api import metadata_resource
from backupd.db import models
from backupd.policies import volumes as policy

RESOURCE = metadata_resource.MetadataResource(
    'Volume', models.Volume, lookups.volume,
    {'get': policy.GET_METADATA, 'create': policy.CREATE_METADATA,
     'update': policy.UPDATE_METADATA, 'delete': policy.DELETE_METADATA})
