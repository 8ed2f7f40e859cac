"""The API surface in one table, and the dispatcher around it.

URLs arrive as ``/v3/{project_id}/<path>``, ``/v3/<path>`` (project from the
identity) or ``/v2/{project_id}/<path>`` (behaves as microversion 3.0); the
dispatcher strips that prefix, negotiates the microversion, checks the URL's
project against the caller's, and routes ``<path>`` through ROUTES.
"""
import routes
import webob
import webob.exc

from backupd.api import actions
from backupd.api.handlers import backup_admin
from backupd.api.handlers import backup_restore
from backupd.api.handlers import availability_zones
from backupd.api.handlers import backups
from backupd.api.handlers import extensions
from backupd.api.handlers import group_snapshots
from backupd.api.handlers import group_types
from backupd.api.handlers import groups
from backupd.api.handlers import hosts
from backupd.api.handlers import limits
from backupd.api.handlers import messages
from backupd.api.handlers import qos_specs
from backupd.api.handlers import quota_sets
from backupd.api.handlers import scheduler_stats
from backupd.api.handlers import service_actions
from backupd.api.handlers import services
from backupd.api.handlers import snapshot_metadata
from backupd.api.handlers import snapshot_status
from backupd.api.handlers import snapshots
from backupd.api.handlers import transfers
from backupd.api.handlers import volume_flags
from backupd.api.handlers import volume_metadata
from backupd.api.handlers import volume_retype
from backupd.api.handlers import volume_summary
from backupd.api.handlers import volume_types
from backupd.api.handlers import volumes
from backupd.api.middleware import auth
from backupd.api.middleware import faults
from backupd.api.middleware import request_checks
from backupd.api import microversions
from backupd.api import urls
from backupd.api import versions
from backupd.api import wsgi
from backupd import exception

# path -> {HTTP method: handler(req, **path_params)}
ROUTES = {
    '/os-services': {'GET': services.index},
    '/os-services/{action}': {'PUT': service_actions.update},
    '/os-hosts': {'GET': hosts.index},
    '/os-hosts/{host_name}': {'GET': hosts.show},
    '/capabilities/{host}': {'GET': hosts.capabilities},
    '/extensions': {'GET': extensions.index},
    '/extensions/{alias}': {'GET': extensions.show},
    '/scheduler-stats/get_pools': {'GET': scheduler_stats.get_pools},
    '/backups': {'GET': backups.index, 'POST': backups.create},
    '/backups/detail': {'GET': backups.detail},
    '/backups/import_record': {'POST': backup_admin.import_record},
    '/backups/{backup_id}': {'GET': backups.show, 'PUT': backups.update,
                             'DELETE': backups.delete},
    '/backups/{backup_id}/action': {'POST': backup_admin.action},
    '/backups/{backup_id}/restore': {'POST': backup_restore.restore},
    '/backups/{backup_id}/export_record': {
        'GET': backup_admin.export_record},
    '/volumes': {'GET': volumes.index, 'POST': volumes.create},
    '/volumes/detail': {'GET': volumes.detail},
    '/volumes/summary': {'GET': volume_summary.summary},
    '/volumes/{volume_id}': {'GET': volumes.show, 'PUT': volumes.update,
                             'DELETE': volumes.delete},
    '/volumes/{volume_id}/action': {
        'POST': actions.route(volumes.ACTIONS, volume_flags.ACTIONS,
                              volume_retype.ACTIONS)},
    # /metadata: GET, POST, PUT; /metadata/{key}: GET, PUT, DELETE
    **volume_metadata.RESOURCE.routes('/volumes/{volume_id}/metadata'),
    '/snapshots': {'GET': snapshots.index, 'POST': snapshots.create},
    '/snapshots/detail': {'GET': snapshots.detail},
    '/snapshots/{snapshot_id}': {'GET': snapshots.show,
                                 'PUT': snapshots.update,
                                 'DELETE': snapshots.delete},
    '/snapshots/{snapshot_id}/action': {
        'POST': actions.route(snapshots.ACTIONS, snapshot_status.ACTIONS)},
    **snapshot_metadata.RESOURCE.routes('/snapshots/{snapshot_id}/metadata'),
    # volume transfers (3.55 adds the volume-transfers name)
    **{'/%s%s' % (collection, path): methods
       for collection in ('os-volume-transfer', 'volume-transfers')
       for path, methods in {
           '': {'GET': transfers.index, 'POST': transfers.create},
           '/detail': {'GET': transfers.detail},
           '/{transfer_id}': {'GET': transfers.show,
                              'DELETE': transfers.delete},
           '/{transfer_id}/accept': {'POST': transfers.accept},
       }.items()},
    '/qos-specs': {'GET': qos_specs.index, 'POST': qos_specs.create},
    '/qos-specs/{qos_id}': {'GET': qos_specs.show, 'PUT': qos_specs.update,
                            'DELETE': qos_specs.delete},
    '/qos-specs/{qos_id}/delete_keys': {'PUT': qos_specs.delete_keys},
    '/qos-specs/{qos_id}/associations': {'GET': qos_specs.associations},
    '/qos-specs/{qos_id}/associate': {'GET': qos_specs.associate},
    '/qos-specs/{qos_id}/disassociate': {'GET': qos_specs.disassociate},
    '/qos-specs/{qos_id}/disassociate_all': {
        'GET': qos_specs.disassociate_all},
    '/group_types': {'GET': group_types.index, 'POST': group_types.create},
    '/group_types/{group_type_id}': {'GET': group_types.show,
                                     'PUT': group_types.update,
                                     'DELETE': group_types.delete},
    '/group_types/{group_type_id}/group_specs': {
        'GET': group_types.specs_index, 'POST': group_types.specs_create},
    '/group_types/{group_type_id}/group_specs/{key}': {
        'GET': group_types.specs_show, 'PUT': group_types.specs_update,
        'DELETE': group_types.specs_delete},
    # groups and group snapshots (3.13, 3.14): Cinder's generic ones
    '/groups': {'GET': groups.index, 'POST': groups.create},
    '/groups/detail': {'GET': groups.detail},
    '/groups/action': {'POST': groups.collection_action},
    '/groups/{group_id}': {'GET': groups.show, 'PUT': groups.update},
    '/groups/{group_id}/action': {'POST': actions.route(groups.ACTIONS)},
    '/group_snapshots': {'GET': group_snapshots.index,
                         'POST': group_snapshots.create},
    '/group_snapshots/detail': {'GET': group_snapshots.detail},
    '/group_snapshots/{group_snapshot_id}': {
        'GET': group_snapshots.show, 'DELETE': group_snapshots.delete},
    '/group_snapshots/{group_snapshot_id}/action': {
        'POST': actions.route(group_snapshots.ACTIONS)},
    '/messages': {'GET': messages.index},
    '/messages/{message_id}': {'GET': messages.show,
                               'DELETE': messages.delete},
    # quotas, types and zones (doc/quotas-and-types.rst)
    '/os-quota-sets/{project_id}': {'GET': quota_sets.show,
                                    'PUT': quota_sets.update,
                                    'DELETE': quota_sets.delete},
    '/os-quota-sets/{project_id}/defaults': {'GET': quota_sets.defaults},
    '/os-quota-class-sets/{class_name}': {'GET': quota_sets.class_show,
                                          'PUT': quota_sets.class_update},
    '/limits': {'GET': limits.index},
    '/types': {'GET': volume_types.index, 'POST': volume_types.create},
    '/types/{type_id}': {'GET': volume_types.show,
                         'PUT': volume_types.update,
                         'DELETE': volume_types.delete},
    '/types/{type_id}/extra_specs': {'GET': volume_types.specs_index,
                                     'POST': volume_types.specs_create},
    '/types/{type_id}/extra_specs/{key}': {
        'GET': volume_types.specs_show, 'PUT': volume_types.specs_update,
        'DELETE': volume_types.specs_delete},
    '/types/{type_id}/action': {
        'POST': actions.route(volume_types.ACTIONS)},
    '/types/{type_id}/os-volume-type-access': {
        'GET': volume_types.access_index},
    '/os-availability-zone': {'GET': availability_zones.index},
}

# First path segments that are collections, so "/v3/<segment>/..." without a
# project id can be told apart from "/v3/<project_id>/...".
COLLECTIONS = frozenset(path.strip('/').split('/')[0] for path in ROUTES)

def split_path(path):
    """(major, project_id or None, rest) of a request path; rest None = root."""
    segments = [s for s in path.split('/') if s]
    if not segments or segments[0] not in ('v2', 'v3'):
        return None, None, None
    major = int(segments[0][1])
    rest = segments[1:]
    if not rest:
        return major, None, None
    if major == 3 and rest[0] in COLLECTIONS:
        return major, None, '/' + '/'.join(rest)
    return major, rest[0], '/' + '/'.join(rest[1:])


class VersionDocuments:
    """Answers version discovery before authentication, as Cinder does.
    Plain WSGI: every other request passes with two environ lookups."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get('REQUEST_METHOD') == 'GET':
            req = webob.Request(environ)
            document = None
            if req.path_info in ('', '/'):
                document = versions.all_versions(urls.base_url(req))
            else:
                major, project, rest = split_path(req.path_info)
                if major is not None and project is None and rest is None:
                    document = versions.one_version(urls.base_url(req),
                                                    major)
            if document is not None:
                return document(environ, start_response)
        return self.application(environ, start_response)


def _first_segment(path):
    return path.split('/', 2)[1]


class APIRouter:
    def __init__(self):
        # One mapper per first path segment: Routes tries a mapper's
        # routes one by one, and the table has dozens (issue 15).
        self.mappers = {}
        for path in ROUTES:
            mapper = self.mappers.setdefault(_first_segment(path),
                                             routes.Mapper())
            # Routes keeps defaults as strings: route to the table's key.
            mapper.connect(path, route=path)

    def match(self, path):
        """Routes' match of ``path`` (its ``route``: the ROUTES key and
        the path's parameters), or None."""
        mapper = self.mappers.get(_first_segment(path))
        return mapper.match(path) if mapper is not None else None

    def __call__(self, environ, start_response):
        """Plain WSGI around ``respond``: webob's wsgify also made a
        second response object and a copy of itself per call."""
        req = webob.Request(environ)
        try:
            resp = self.respond(req)
        except webob.exc.HTTPException as exc:
            resp = exc
        return resp(environ, start_response)

    def respond(self, req):
        major, url_project, rest = split_path(req.path_info)
        if major is None or rest is None:
            raise webob.exc.HTTPNotFound(
                detail='No API at %s; try /v3/{project_id}/...' % req.path_info)
        version = microversions.APIVersion(microversions.MIN_VERSION)
        headers = {}
        if major == 3:
            headers = {microversions.HEADER: '%s %s' % (
                           microversions.SERVICE_TYPE, version),
                       'Vary': microversions.HEADER}
        try:
            if major == 3:
                version = microversions.negotiate(
                    req.headers.get(microversions.HEADER))
                headers[microversions.HEADER] = '%s %s' % (
                    microversions.SERVICE_TYPE, version)
            req.environ[wsgi.VERSION_KEY] = version
            self._check_project(req, url_project)
            request_checks.check_identity(wsgi.context_of(req))
            req.environ[urls.URL_PREFIX_KEY] = '/'.join(
                p for p in (urls.base_url(req), 'v%d' % major, url_project)
                if p)
            resp = self._dispatch(req, rest)
        except Exception as e:
            resp = faults.error_response(e)
        resp.headers.update(headers)
        return resp

    @staticmethod
    def _check_project(req, url_project):
        ctx = wsgi.context_of(req)
        if url_project is None:
            if ctx.project_id is None:
                raise exception.InvalidInput(
                    reason='no project: put it in the URL '
                           '(/v3/{project_id}/...) or send X-Project-Id')
            return
        if req.environ.get(auth.URL_PROJECT_FILLS_IN) and ctx.project_id is None:
            ctx.project_id = url_project
        elif ctx.project_id != url_project:
            raise exception.InvalidInput(
                reason='the project in the URL (%s) is not the project of '
                       'your credentials (%s)' % (url_project, ctx.project_id))

    def _dispatch(self, req, rest):
        if req.path_info.endswith('/'):
            # "/volumes/" is a show (or update, delete) of an empty id, not
            # the list: Cinder answers 404, and so does a list then.
            raise webob.exc.HTTPNotFound(
                detail='The resource %s/ could not be found: an empty id '
                       'after the last "/"; drop the trailing "/" to list.'
                       % rest)
        match = self.match(rest)
        if match is None:
            raise webob.exc.HTTPNotFound(
                detail='The resource %s could not be found.' % rest)
        handlers = ROUTES[match.pop('route')]
        request_checks.check_path_params(match)
        handler = handlers.get(req.method)
        if handler is None:
            raise webob.exc.HTTPMethodNotAllowed(
                detail='%s is not allowed on %s' % (req.method, rest),
                headers={'Allow': ', '.join(sorted(handlers))})
        return handler(req, **match)


def app_factory(global_conf, **local_conf):
    return APIRouter()


def versions_filter_factory(global_conf, **local_conf):
    return VersionDocuments
