"""What backupd-volume and backupd-backup are: one manager served over RPC."""
from backupd.cmd import common
from backupd.cmd import errors
from backupd import service


def console_script(binary, topic_option, manager_class):
    """(build, main) of the console script ``binary``: ``build(conf)`` is
    the RPC service of ``manager_class`` on the topic of ``topic_option``
    (backupd-all builds it into its one process); ``main()`` reads the
    configuration, checks the database and runs the service."""
    def build(conf):
        return service.Service(conf, binary, getattr(conf, topic_option),
                               manager_class(conf, conf.host))

    @errors.operator_errors(binary)
    def main():
        conf = common.prepare(binary)
        common.require_database(conf)
        return common.launch([build(conf)])
    return build, main
