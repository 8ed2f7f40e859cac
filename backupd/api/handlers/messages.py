"""User messages (3.3): GET /messages, GET|DELETE /messages/{id}.

Why an asynchronous request of the caller's project failed, written by
backupd.messages; a project sees its own, an admin every project's
(``all_tenants`` not needed, as in Cinder). Expired messages are not shown.
"""
from oslo_utils import timeutils
import sqlalchemy as sa

from backupd.api import common
from backupd.api import lookups
from backupd.api import sort_keys
from backupd.api import urls
from backupd.api import wsgi
from backupd.db import api as db
from backupd.db import models
from backupd import exception
from backupd import policies
from backupd.policies import messages as policy


def _require_version(req):
    if not wsgi.at_least(req, '3.3'):
        raise exception.NotFound(
            message='User messages need microversion 3.3 or later.')


def _view(req, row):
    return {'id': row.id, 'request_id': row.request_id,
            'message_level': row.message_level, 'event_id': row.event_id,
            'user_message': row.user_message,
            'resource_type': row.resource_type,
            'resource_uuid': row.resource_uuid,
            'created_at': row.created_at,
            'guaranteed_until': row.expires_at,
            'links': urls.links(req, 'messages', row.id)}


def _live(row):
    return row.expires_at is None or row.expires_at > timeutils.utcnow()


def _get(ctx, message_id):
    try:
        row = db.get(ctx, models.Message, message_id,
                     project_id=lookups.owner_filter(ctx))
    except exception.NotFound:
        row = None
    if row is None or not _live(row):
        raise exception.NotFound(
            message='Message %s could not be found.' % message_id)
    return row


def _live_clause():
    """SQL of _live: what a list reads."""
    expires_at = models.Message.__table__.c.expires_at
    return [sa.or_(expires_at.is_(None), expires_at > timeutils.utcnow())]


def _items(req, ctx, rows, detailed):
    return [_view(req, r) for r in rows]


def _project(ctx, req):
    return lookups.owner_filter(ctx)


# GET /messages shows every field: there is no detail list
index = common.list_routes(
    'messages', policy.GET_ALL, {}, sort_keys.MESSAGES,
    common.table_rows(models.Message, where=_live_clause), _items,
    check=_require_version, summary_columns=None, project=_project)[0]


def show(req, message_id):
    _require_version(req)
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.GET)
    return wsgi.json_response({'message': _view(req, _get(ctx,
                                                          message_id))})


def delete(req, message_id):
    _require_version(req)
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.DELETE)
    row = _get(ctx, message_id)
    db.soft_delete(ctx, models.Message, row.id)
    return wsgi.empty_response(204)
