"""Entered fields (validation in Chinese), submission, and the immutability of revisions."""

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from reports import services
from reports.models import ImmutableRevision, ReportEntry, ReportRevision
from reports.selectors import Month

pytestmark = pytest.mark.usefixtures("reporting_day")

D = dt.date
NOV = Month(2026, 11)


def counts():
    return (
        ReportEntry.objects.count(),
        ReportRevision.objects.count(),
        AuditEntry.objects.count(),
    )


def add(actor, dept, kind, **kw):
    return services.entry_add(actor=actor, department=dept, month=NOV, kind=kind, **kw)


def test_entries_are_validated_with_chinese_messages(people, depts):
    org, market = people["kc_market_org"], depts["kc_market"]
    before = counts()
    cases: list[tuple[str, dict[str, Any], dict[str, list[str]]]] = [
        (
            "training",
            {"title": "", "held_on": None, "attendees": "-3", "content": ""},
            {
                "title": ["请填写培训班名称"],
                "held_on": ["请填写培训时间"],
                "attendees": ["培训人员数量不能为负数"],
                "content": ["请填写培训内容"],
            },
        ),
        (
            "training",
            {"title": "业务培训", "held_on": D(2026, 11, 3), "attendees": "", "content": "x"},
            {"attendees": ["请填写培训人员数量"]},
        ),
        (
            "training",
            {"title": "业务培训", "held_on": D(2026, 11, 3), "attendees": "十", "content": "x"},
            {"attendees": ["培训人员数量必须是整数"]},
        ),
        (
            "meeting",
            {"title": "  ", "held_on": D(2026, 10, 31)},
            {"title": ["请填写会议名称"], "held_on": ["召开时间须在2026年11月内"]},
        ),
        (
            "document",
            {"title": "关于印发方案的通知", "held_on": D(2026, 12, 1), "doc_number": ""},
            {"doc_number": ["请填写文号"], "held_on": ["印发日期须在2026年11月内"]},
        ),
    ]
    for kind, kw, expected in cases:
        with pytest.raises(ValidationError) as exc:
            add(org, market, kind, **kw)
        assert exc.value.message_dict == expected
    with pytest.raises(ValidationError) as exc:
        add(org, market, "party", title="x", held_on=D(2026, 11, 3))
    assert exc.value.message_dict == {"kind": ["请选择填报类别（会议、文件或培训）"]}
    assert counts() == before


def test_entries_are_stored_with_an_audit_entry(people, depts):
    org, market = people["kc_market_org"], depts["kc_market"]
    before = AuditEntry.objects.count()
    entry = add(
        org,
        market,
        "training",
        title=" 双随机业务培训班 ",
        held_on=D(2026, 11, 12),
        attendees="35",
        content="抽查流程、结果录入",
        doc_number="ignored",
    )
    assert (entry.title, entry.attendees, entry.doc_number) == ("双随机业务培训班", 35, "")
    assert AuditEntry.objects.count() == before + 1
    audit = AuditEntry.objects.order_by("-seq").first()
    assert audit.action == "report.entry_add"
    assert audit.after["attendees"] == 35
    services.entry_delete(actor=org, entry=entry)
    assert not ReportEntry.objects.exists()
    assert AuditEntry.objects.order_by("-seq").first().action == "report.entry_delete"


def test_future_months_are_refused(people, depts):
    with pytest.raises(ValidationError, match="尚未开始的月份"):
        services.entry_add(
            actor=people["kc_market_org"],
            department=depts["kc_market"],
            month=Month(2099, 1),
            kind="meeting",
            title="x",
            held_on=D(2099, 1, 5),
        )


def test_submit_freezes_the_month_and_resubmission_is_revision_2(world, people, depts):
    org, market = people["kc_market_org"], depts["kc_market"]
    add(org, market, "meeting", title="全县双随机工作部署会", held_on=D(2026, 11, 5))
    with pytest.raises(ValidationError) as exc:
        services.report_submit(
            actor=org, department=market, month=NOV, contact_name="", contact_phone="123"
        )
    assert exc.value.message_dict == {
        "contact_name": ["请填写联系人"],
        "contact_phone": ["联系电话格式不正确（如 0314-6062345）"],
    }
    assert not ReportRevision.objects.exists()
    audits = AuditEntry.objects.count()
    rev1 = services.report_submit(
        actor=org,
        department=market,
        month=NOV,
        contact_name="雷骄",
        contact_phone="0314-6062345",
        contact_mobile="13900001234",
    )
    assert AuditEntry.objects.count() == audits + 1
    assert (rev1.number, rev1.previous, rev1.reason) == (1, None, "")
    assert rev1.sha256 == hashlib.sha256(rev1.data_json.encode()).hexdigest()
    assert rev1.verify()
    data = json.loads(rev1.data_json)
    assert data["entries"]["meetings"] == [{"title": "全县双随机工作部署会", "date": "2026-11-05"}]
    assert data["figures"]["results"]["published"] == 3
    assert data["contact"] == {"name": "雷骄", "phone": "0314-6062345", "mobile": "13900001234"}
    frozen = (rev1.data_json, rev1.sha256)

    # The records move on: another entry, another publication in November.
    add(org, market, "document", title="关于开展抽查的通知", doc_number="宽市监〔2026〕9号",
        held_on=D(2026, 11, 6))  # fmt: skip
    from inspections.models import SheetResult

    from .conftest import at

    SheetResult.objects.filter(pk=world["sheets"][3].result.pk).update(
        published_at=at(2026, 11, 29, 9, 0)
    )
    rev1.refresh_from_db()
    assert (rev1.data_json, rev1.sha256) == frozen

    # No way to change it: model save and delete refuse, and so does a queryset delete (PROTECT
    # from revision 2 below aside, the model refuses first).
    rev1.reason = "改一下"
    with pytest.raises(ImmutableRevision):
        rev1.save()
    with pytest.raises(ImmutableRevision):
        rev1.delete()

    with pytest.raises(ValidationError) as exc:
        services.report_submit(
            actor=org, department=market, month=NOV, contact_name="雷骄", contact_phone="6062345"
        )
    assert exc.value.message_dict == {"reason": ["本月已报送第 1 版，重新报送须说明原因"]}
    rev2 = services.report_submit(
        actor=org,
        department=market,
        month=NOV,
        contact_name="雷骄",
        contact_phone="6062345",
        reason="补报印发的文件和月末公示的结果",
    )
    assert (rev2.number, rev2.previous_id) == (2, rev1.pk)
    data2 = rev2.data
    assert data2["figures"]["results"]["published"] == 4
    assert [d["doc_number"] for d in data2["entries"]["documents"]] == ["宽市监〔2026〕9号"]
    rev1 = ReportRevision.objects.get(pk=rev1.pk)
    assert (rev1.data_json, rev1.sha256, rev1.reason) == (*frozen, "")
    assert rev1.data["figures"]["results"]["published"] == 3


def test_only_the_own_department_enters_and_submits(world, people, depts):
    market = depts["kc_market"]
    before = counts()
    denied = [
        people["kc_culture_admin"],  # another department
        people["xl_market_admin"],  # another county
        people["cd_market_admin"],  # the city sees the county, read-only
        people["kc_market_insp"],  # an inspector
        people["kc_supervisor"],
        people["kc_joint"],
    ]
    for user in denied:
        with pytest.raises(PermissionDenied):
            add(user, market, "meeting", title="x", held_on=D(2026, 11, 5))
        with pytest.raises(PermissionDenied):
            services.report_submit(
                actor=user, department=market, month=NOV, contact_name="x", contact_phone="6062345"
            )
    assert counts() == before
    entry = add(
        people["kc_market_admin"], market, "meeting", title="局务会", held_on=D(2026, 11, 5)
    )
    before = counts()
    for user in denied:
        with pytest.raises(PermissionDenied):
            services.entry_delete(actor=user, entry=entry)
    assert counts() == before
