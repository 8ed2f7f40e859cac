"""Faults and Keystone logins for the Swift driver's tests: what an
HttpRelay (tests/helpers/http_relay.py) does to traffic, and a driver that
logs in to a FakeKeystone (tests/helpers/fake_keystone.py) handing out
real Swift tokens."""

def flip_first_byte_of(suffix):
    """alter_request for HttpRelay: damage PUT bodies of ``suffix``."""
    def alter(method, path, headers, body):
        if method == 'PUT' and path.endswith(suffix) and body:
            body = bytes([body[0] ^ 1]) + body[1:]
        return body
    return alter


def replace_etag_of(suffix, etag):
    """alter_response for HttpRelay: a wrong ETag for PUTs of ``suffix``."""
    def alter(method, path, status, headers):
        if method != 'PUT' or not path.endswith(suffix):
            return headers
        return [(k, etag if k.lower() == 'etag' else v) for k, v in headers]
    return alter


KEYSTONE_USER = dict(user='backup', password='backup-pw', project='service',
                     user_domain='users', project_domain='projects')


def keystone_driver(make_swift_driver, keystone, **overrides):
    options = dict(backup_swift_auth_version='3',
                   backup_swift_auth_url=keystone.url,
                   backup_swift_user=KEYSTONE_USER['user'],
                   backup_swift_key=KEYSTONE_USER['password'],
                   backup_swift_project=KEYSTONE_USER['project'],
                   backup_swift_user_domain=KEYSTONE_USER['user_domain'],
                   backup_swift_project_domain=KEYSTONE_USER[
                       'project_domain'])
    options.update(overrides)
    return make_swift_driver(**options)


def fresh_tokens(swift, first=()):
    """issue_token for FakeKeystone: ``first`` tokens, then real ones."""
    queued = list(first)
    return lambda: queued.pop(0) if queued else swift.connection().get_auth(
        )[1]
