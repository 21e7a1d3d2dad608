"""The demo roster of 宽城满族自治县 loads idempotently and is what the brief says."""

import datetime as dt

from django.conf import settings as django_settings
from django.utils import timezone

from accounts.models import Department
from audit.verification import chain_verify
from core.demo import demo_load as accounts_demo_load
from inspectors.demo import demo_load
from inspectors.models import ConflictOfInterest, Expert, Inspector, InspectorStatus
from inspectors.selectors import inspector_status_on, inspectors_eligible_on
from regions.services import regions_load

FIVE = ["旅游和文化广电局", "公安局", "卫生健康局", "市场监督管理局", "消防救援大队"]


def test_demo_roster_loads_idempotently(db, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    regions_load(directory=django_settings.DIVISIONS_DIR, only_province="13")
    accounts_demo_load()
    departments = {d.name: d for d in Department.objects.filter(region__code__startswith="1308")}
    summary = demo_load(departments=departments)
    assert summary.startswith(
        "执法检查人员名录库：新增人员 40 名（共 40 名）、专家 12 名、回避登记 5 条"
    )
    today = timezone.localdate()
    for short in FIVE:
        department = departments["宽城满族自治县" + short]
        assert Inspector.objects.filter(department=department).count() == 8
        assert inspectors_eligible_on(department=department, date=today).count() >= 6
    for abbr in ("wl", "ga", "wj", "sj", "xf"):
        for i in (1, 2, 3):
            inspector = Inspector.objects.get(user__username=f"kc.{abbr}.inspector{i}")
            assert inspector.department == inspector.user.department
    on_leave = [
        i for i in Inspector.objects.all() if inspector_status_on(i, today) == InspectorStatus.LEAVE
    ]
    assert len(on_leave) == 2
    soon = Inspector.objects.filter(
        valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=30)
    )
    assert soon.count() == 2
    assert all(
        i.certificate_no.isdigit() and len(i.certificate_no) == 14 for i in Inspector.objects.all()
    )
    assert Expert.objects.count() == 12
    assert ConflictOfInterest.objects.count() == 5
    again = demo_load(departments=departments)
    assert (
        again
        == "执法检查人员名录库：新增人员 0 名（共 40 名）、专家 0 名、回避登记 0 条，关联演示账号 0 个。"
    )
    assert chain_verify().ok
