"""noauth trusts whatever identity a request claims (``X-Roles: admin``
makes anyone an admin), so it may serve only this machine unless the
operator says otherwise, explicitly (``noauth_allow_non_loopback``).
backupd-api and backupd-all check before they bind (backupd.cmd.api)."""
import ipaddress
import socket


class NoauthExposed(Exception):
    """The API would serve noauth beyond this machine."""


def is_loopback(host):
    """True when every address ``host`` names is a loopback address."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    return bool(infos) and all(
        ipaddress.ip_address(info[4][0].split('%')[0]).is_loopback
        for info in infos)


def check(conf, host):
    """Raise NoauthExposed when the API would listen on ``host`` with
    auth_strategy = noauth and ``host`` is not loopback-only."""
    if conf.auth_strategy != 'noauth' or conf.noauth_allow_non_loopback:
        return
    if not is_loopback(host):
        raise NoauthExposed(
            'auth_strategy = noauth would serve %s, which is not a loopback '
            'address, and with noauth anyone who can connect is whoever '
            'they claim, admin included; listen on 127.0.0.1 '
            '(osapi_volume_listen), use auth_strategy = keystone, or set '
            'noauth_allow_non_loopback = true if a firewall or proxy '
            'guards it' % host)
