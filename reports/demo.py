"""Demo 月报表 for the month before the day the demo is loaded: the county departments' meetings,
documents and trainings, entered through the services by each department's organiser; the
market and culture bureaux have also submitted (so the joint office's summary shows who has and
who has not). Idempotent: a department whose entries of that month exist is left as it is."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import Department, User
from core.demo import demo_today

from . import services
from .models import ReportEntry, ReportRevision
from .selectors import Month

QUARTER = "一二三四"


# department name → (organiser username, entries, contact (name, phone) to submit with or None)
def plan(m: Month) -> dict[str, tuple[str, list[dict[str, object]], tuple[str, str] | None]]:
    def day(n: int) -> dt.date:
        return dt.date(m.year, m.month, n)

    quarter = QUARTER[(m.month - 1) // 3]
    return {
        "宽城满族自治县市场监督管理局": (
            "kc.sj.organizer",
            [
                {
                    "kind": "meeting",
                    "title": "全局“双随机、一公开”监管工作推进会",
                    "held_on": day(3),
                },
                {
                    "kind": "document",
                    "title": f"关于开展{m.year}年第{quarter}季度“双随机、一公开”抽查工作的通知",
                    "doc_number": f"宽市监字〔{m.year}〕41号",
                    "held_on": day(4),
                },
                {
                    "kind": "training",
                    "title": "随机抽查业务及平台操作培训班",
                    "held_on": day(10),
                    "attendees": 42,
                    "content": "随机抽查工作规范（河北省地方标准）、一企一表录入、结果公示",
                },
            ],
            ("王建军", "0314-6062345"),
        ),
        "宽城满族自治县旅游和文化广电局": (
            "kc.wl.organizer",
            [
                {"kind": "meeting", "title": "文化市场联合抽查部署会", "held_on": day(5)},
                {
                    "kind": "training",
                    "title": "文化市场执法人员业务培训",
                    "held_on": day(18),
                    "attendees": 16,
                    "content": "网吧、娱乐场所检查要点",
                },
            ],
            ("赵志强", "0314-6063456"),
        ),
        "宽城满族自治县卫生健康局": (
            "kc.wj.organizer",
            [{"kind": "meeting", "title": "卫生监督抽查工作会议", "held_on": day(12)}],
            None,
        ),
    }


def demo_load(*, departments: dict[str, Department]) -> str:
    today = demo_today()
    month = Month(today.year, today.month).previous()
    entered = submitted = 0
    for name, (username, entries, contact) in plan(month).items():
        department = departments.get(name)
        organiser = User.objects.filter(username=username).first()
        if department is None or organiser is None:
            continue
        if ReportEntry.objects.filter(
            department=department, year=month.year, month=month.month
        ).exists():
            continue
        with transaction.atomic():
            for entry in entries:
                services.entry_add(actor=organiser, department=department, month=month, **entry)  # type: ignore[arg-type]
                entered += 1
            already = ReportRevision.objects.filter(
                department=department, year=month.year, month=month.month
            ).exists()
            if contact is not None and not already:
                services.report_submit(
                    actor=organiser,
                    department=department,
                    month=month,
                    contact_name=contact[0],
                    contact_phone=contact[1],
                )
                submitted += 1
    return f"月报表：录入 {month.label}会议、文件、培训 {entered} 条，报送 {submitted} 个部门"
