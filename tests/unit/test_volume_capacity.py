"""What a volume host reports for placement, and what placement counts on
top of a report: the volume manager's capacity hook with the real file
driver (sparse files under tmp_path) on a real SQLite database."""
import os
import shutil
import uuid

from oslo_utils import timeutils

from backupd.db import api as db
from backupd.db import capacity as capacity_db
from backupd.db import models
from backupd.manager import states
from backupd.manager.volume import capacity
from tests.helpers import volume_manager
from tests.helpers.volume_manager import HOST

V = states.Volume
BINARY = 'backupd-volume'


def new_volume(ctx, **values):
    return volume_manager.new_volume(ctx, id=str(uuid.uuid4()),
                                     **values)


def service(ctx, host=HOST):
    (row,) = db.service_get_all(ctx, {'host': host, 'binary': BINARY})
    return row


def register(ctx, host=HOST):
    db.service_register(ctx, host, BINARY, BINARY, 'nova', '1.2')


def test_report_stores_the_driver_figures_and_the_volumes_sizes(
        ctx, manager):
    register(ctx)
    manager.conf.set_override('reserved_percentage', 7)
    manager.conf.set_override('max_over_subscription_ratio', 3.5)
    new_volume(ctx, size=2, status=V.AVAILABLE)
    new_volume(ctx, size=3, status=V.AVAILABLE)
    gone = new_volume(ctx, size=40, status=V.AVAILABLE)
    db.soft_delete(ctx, models.Volume, gone)
    new_volume(ctx, size=50, status=V.AVAILABLE, host='elsewhere')
    before = timeutils.utcnow()

    assert capacity.report(manager, ctx)

    row = service(ctx)
    st = os.statvfs(manager.conf.volumes_dir)
    assert row.total_capacity_gb == round(
        st.f_blocks * st.f_frsize / 1024 ** 3, 2)
    assert abs(row.free_capacity_gb
               - st.f_bavail * st.f_frsize / 1024 ** 3) < 0.1
    assert row.provisioned_capacity_gb == 5.0
    assert row.thin_provisioning is True      # file volumes are sparse
    assert (row.reserved_percentage, row.max_over_subscription_ratio) == (
        7, 3.5)
    assert before <= row.capacity_reported_at <= timeutils.utcnow()


def test_driver_ready_reports_at_once(ctx, manager):
    register(ctx)
    manager.init_driver(ctx)   # what a (re)started service does
    assert service(ctx).capacity_reported_at is not None


def test_a_failed_measurement_keeps_the_previous_report(ctx, manager):
    register(ctx)
    assert capacity.report(manager, ctx)
    first = service(ctx)
    # A real fault: volumes_dir vanishes, statvfs fails.
    shutil.rmtree(manager.conf.volumes_dir)
    assert capacity.report(manager, ctx) is False
    again = service(ctx)
    assert (again.free_capacity_gb, again.capacity_reported_at) == (
        first.free_capacity_gb, first.capacity_reported_at)


def test_pending_counts_volumes_newer_than_the_report_or_creating(
        ctx, manager):
    register(ctx)
    register(ctx, 'never-reported')
    new_volume(ctx, size=1, status=V.AVAILABLE)      # counted by the report
    new_volume(ctx, size=2, status=V.CREATING)       # maybe not allocated yet
    assert capacity.report(manager, ctx)
    new_volume(ctx, size=4, status=V.AVAILABLE)      # newer than the report
    deleted = new_volume(ctx, size=8, status=V.AVAILABLE)
    db.soft_delete(ctx, models.Volume, deleted)
    new_volume(ctx, size=16, status=V.AVAILABLE, host='never-reported')
    rows = db.service_get_all(ctx, {'binary': BINARY})
    assert capacity_db.pending_gb(ctx, rows, (V.CREATING,)) == {HOST: 6}
