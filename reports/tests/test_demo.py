"""The demo 月报表 entries load through the services, idempotently."""

from django.conf import settings as django_settings

from accounts.models import Department
from audit.verification import chain_verify
from core.demo import demo_load as accounts_demo_load
from regions.services import regions_load
from reports.demo import demo_load
from reports.models import ReportEntry, ReportRevision
from reports.selectors import Month


def test_demo_reports_load_idempotently(db, tmp_path, settings, clock):
    settings.VAR_DIR = tmp_path
    regions_load(directory=django_settings.DIVISIONS_DIR, only_province="13")
    accounts_demo_load()
    departments = {d.name: d for d in Department.objects.filter(region__code__startswith="1308")}
    # the month before the day the demo is loaded
    today = clock.today()
    last = Month(today.year, today.month).previous()
    assert demo_load(departments=departments) == (
        f"月报表：录入 {last.label}会议、文件、培训 6 条，报送 2 个部门"
    )
    assert demo_load(departments=departments) == (
        f"月报表：录入 {last.label}会议、文件、培训 0 条，报送 0 个部门"
    )
    assert all(last.contains(e.held_on) for e in ReportEntry.objects.all())
    assert ReportEntry.objects.count() == 6
    market = departments["宽城满族自治县市场监督管理局"]
    revision = ReportRevision.objects.get(department=market)
    assert revision.verify()
    assert revision.data["entries"]["documents"][0]["doc_number"] == f"宽市监字〔{last.year}〕41号"
    assert chain_verify().ok
