"""Rules for user messages (Cinder's names)."""
from backupd.policies import base
from backupd.policies import volumes

GET = 'message:get'
GET_ALL = 'message:get_all'
DELETE = 'message:delete'

RULES = [
    volumes.rule(GET, base.PROJECT_READER_OR_ADMIN, 'Show a user message.',
                 'GET', '/messages/{message_id}'),
    volumes.rule(GET_ALL, base.PROJECT_READER_OR_ADMIN,
                 'List user messages.', 'GET', '/messages'),
    volumes.rule(DELETE, base.PROJECT_MEMBER_OR_ADMIN,
                 'Delete a user message.', 'DELETE', '/messages/{message_id}'),
]


def list_rules():
    return RULES
