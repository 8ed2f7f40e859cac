"""``POST /<resources>/{id}/action``: one route, several handler modules.

Each handler module that serves actions of a resource has an ``ACTIONS``
table ({action name: handler(req, ctx, resource_id)}); the route table
joins them with :func:`route`, so handler modules never import each other.
A handler returns None for Cinder's usual 202 with no body, or its own
response.
"""
from backupd.api import common
from backupd.api import wsgi


def route(*tables):
    actions = {}
    for table in tables:
        both = set(actions) & set(table)
        assert not both, 'actions served twice: %s' % sorted(both)
        actions.update(table)

    def action(req, **ids):
        (resource_id,) = ids.values()
        name, handler = common.action_of(req, actions)
        resp = handler(req, wsgi.context_of(req), resource_id)
        return resp if resp is not None else wsgi.empty_response(202)
    action.actions = actions
    return action
