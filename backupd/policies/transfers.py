"""Rules for volume transfers (Cinder's names)."""
from backupd.policies import base
from backupd.policies import volumes

CREATE = 'volume:create_transfer'
GET = 'volume:get_transfer'
GET_ALL = 'volume:get_all_transfers'
DELETE = 'volume:delete_transfer'
ACCEPT = 'volume:accept_transfer'

_T = '/os-volume-transfer'

RULES = [
    volumes.rule(CREATE, base.PROJECT_MEMBER_OR_ADMIN,
                 'Offer a volume to another project.', 'POST', _T),
    volumes.rule(GET, base.PROJECT_READER_OR_ADMIN,
                 'Show a transfer.', 'GET', _T + '/{transfer_id}'),
    volumes.rule(GET_ALL, base.PROJECT_READER_OR_ADMIN,
                 'List transfers.', 'GET', _T + '/detail'),
    volumes.rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN,
                 'Cancel a transfer.', 'DELETE', _T + '/{transfer_id}'),
    # any project with the id and the key accepts (its member)
    volumes.rule(ACCEPT, base.PROJECT_MEMBER_OR_ADMIN,
                 'Accept a transfer (with its auth key).', 'POST',
                 _T + '/{transfer_id}/accept'),
]


def list_rules():
    return RULES
