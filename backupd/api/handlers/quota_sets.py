"""os-quota-sets/{project_id} (+ /defaults) and os-quota-class-sets/{class}.

Bodies as Cinder's: ``{"quota_set": {"id": project, resource: limit ...}}``;
with ``?usage=true`` each resource is ``{"limit", "in_use", "reserved"}``
(``reserved`` is always 0: a create's usage is committed with its row, see
backupd.db.quotas). PUT answers the limits without ``id``.
"""
from backupd.api import common
from backupd.api import wsgi
from backupd.api.schemas import quotas as schemas
from backupd.db import quotas as quotas_db
from backupd import exception
from backupd import policies
from backupd.policies import quotas as policy
from backupd import quota


def show(req, project_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.SHOW, {'project_id': project_id})
    limits = quota.limits(ctx, project_id)
    if wsgi.bool_param(req, 'usage'):
        used = quota.in_use(ctx, project_id)
        limits = {r: {'limit': limit, 'in_use': used.get(r, 0),
                      'reserved': 0} for r, limit in limits.items()}
    return wsgi.json_response({'quota_set': dict(limits, id=project_id)})


def defaults(req, project_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.SHOW, {'project_id': project_id})
    return wsgi.json_response(
        {'quota_set': dict(quota.defaults(ctx), id=project_id)})


def update(req, project_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.UPDATE, {'project_id': project_id})
    body = wsgi.extract_json(req, schemas.QUOTA_SET)['quota_set']
    # Cinder's default is to skip; a value that is no boolean ("maybe")
    # is a 400, not a skipped check.
    skip = ('skip_validation' not in body or
            common.flag(body, 'skip_validation', 'quota_set'))
    body.pop('skip_validation', None)
    values = _limits_of(ctx, body, ('id', 'tenant_id'), 'quota_set')
    if not skip:
        _check_not_below_usage(ctx, project_id, values)
    quotas_db.set_project_limits(ctx, project_id, values)
    return wsgi.json_response({'quota_set': quota.limits(ctx, project_id)})


def delete(req, project_id):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.DELETE, {'project_id': project_id})
    quotas_db.delete_project_limits(ctx, project_id)
    return wsgi.empty_response(200)


def class_show(req, class_name):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.QUOTA_CLASSES, {})
    return wsgi.json_response(
        {'quota_class_set': dict(_class_limits(ctx, class_name),
                                 id=class_name)})


def class_update(req, class_name):
    ctx = wsgi.context_of(req)
    policies.authorize(ctx, policy.QUOTA_CLASSES, {})
    body = wsgi.extract_json(req, schemas.QUOTA_CLASS_SET)['quota_class_set']
    values = _limits_of(ctx, body, ('id', 'class_name'), 'quota_class_set')
    quotas_db.set_class_limits(ctx, class_name, values)
    return wsgi.json_response(
        {'quota_class_set': _class_limits(ctx, class_name)})


def _class_limits(ctx, class_name):
    """A class's limits: the defaults with the class's own on top (for the
    default class the defaults already hold them)."""
    values = quota.defaults(ctx)
    values.update({r: v for r, v in quotas_db.class_limits(
        ctx, class_name).items() if r in values})
    return values


def _limits_of(ctx, body, ignored, key):
    """{resource: int limit} of a PUT body; 400 naming unknown keys."""
    known = quota.resources(ctx)
    values = {k: v for k, v in body.items() if k not in ignored}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise exception.InvalidInput(
            reason='%s: bad key(s) %s; quotas can be set on %s (per-type '
                   'ones for the volume types that exist).'
                   % (key, ', '.join(unknown), ', '.join(known)))
    return {k: common.body_int(v, '%s/%s' % (key, k), minimum=-1)
            for k, v in values.items()}


def _check_not_below_usage(ctx, project_id, values):
    used = quota.in_use(ctx, project_id)
    for resource, limit in sorted(values.items()):
        if 0 <= limit < used.get(resource, 0):
            raise exception.InvalidInput(
                reason='quota_set/%s: %d is below what project %s already '
                       'uses (%d); delete some first, or send '
                       'skip_validation=true.' % (resource, limit,
                                                  project_id,
                                                  used[resource]))
