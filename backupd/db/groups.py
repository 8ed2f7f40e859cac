"""The volume types a group takes (group_volume_types rows have no soft
delete: they go with their group's bookkeeping)."""
from backupd.db import api
from backupd.db import models

T = models.GroupVolumeType


@api.reader
def volume_types_of(context, group_ids):
    """{group id: [volume type ids]}."""
    result = {group_id: [] for group_id in group_ids}
    if group_ids:
        for row in context.session.query(T).filter(
                T.group_id.in_(list(group_ids))).order_by(T.id):
            result[row.group_id].append(row.volume_type_id)
    return result
