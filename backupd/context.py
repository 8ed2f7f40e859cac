"""Request context: who is asking, carried through API, RPC and DB layers."""
from oslo_context import context as oslo_context
from oslo_db.sqlalchemy import enginefacade


@enginefacade.transaction_context_provider
class RequestContext(oslo_context.RequestContext):
    """oslo.context's context plus the engine-facade session hooks."""

    def to_policy_values(self):
        values = super().to_policy_values()
        values['is_admin'] = self.is_admin
        return values

    def to_dict(self):
        values = super().to_dict()
        values['is_admin'] = self.is_admin
        return values

    @classmethod
    def from_dict(cls, values):
        return cls(user_id=values.get('user'), project_id=values.get('project'),
                   roles=values.get('roles') or [],
                   is_admin=values.get('is_admin', False),
                   request_id=values.get('request_id'),
                   global_request_id=values.get('global_request_id'),
                   overwrite=False)


def get_admin_context():
    """Context for work a service does on its own behalf (cleanup, heartbeats)."""
    return RequestContext(user_id=None, project_id=None, is_admin=True,
                          overwrite=False)
