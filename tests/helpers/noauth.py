"""What a test's API request sends under noauth, for both deployments
(tests/fixtures/services.py in processes, tests/fixtures/api_inprocess.py
in this one): the path with its version and project, and the
``X-Auth-Token: user:project`` header."""


def api_path(path, project='demo', version='v3'):
    prefix = '/%s/%s' % (version, project) if project else '/' + version
    return prefix + path


def credentials(project='demo', user='demo', admin=False, microversion=None,
                headers=None):
    """(project, headers) of a request: an admin user is in the admin
    project unless ``project`` names another."""
    if admin:
        user = 'admin'
        project = 'admin' if project == 'demo' else project
    hdrs = {'X-Auth-Token': '%s:%s' % (user, project)}
    if microversion:
        hdrs['OpenStack-API-Version'] = 'volume %s' % microversion
    hdrs.update(headers or {})
    return project, hdrs
