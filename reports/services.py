"""Writes of the 月报表: the month's entered meetings/documents/trainings, and submission (a frozen,
hashed revision). There is no service that changes or deletes a revision."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Department, User
from accounts.scope import authorize
from audit.services import entry_append, snapshot

from .models import EntryKind, ReportEntry, ReportRevision, canonical_json
from .selectors import Month, local_date, report_data, revisions_for

TITLE_LABEL = {
    EntryKind.MEETING: "会议名称",
    EntryKind.DOCUMENT: "文件名称",
    EntryKind.TRAINING: "培训班名称",
}
DATE_LABEL = {
    EntryKind.MEETING: "召开时间",
    EntryKind.DOCUMENT: "印发日期",
    EntryKind.TRAINING: "培训时间",
}
ENTRY_FIELDS = ["department", "year", "month", "kind", "title", "held_on", "doc_number"]
ENTRY_FIELDS += ["attendees", "content"]
PHONE_RE = re.compile(r"^[0-9０-９()（）\-－ ]{7,20}$")
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def _check_month(month: Month) -> None:
    if (month.year, month.month) > (Month.current().year, Month.current().month):
        raise ValidationError("不能填报尚未开始的月份。")


def _parse_attendees(value: Any, errors: dict[str, str]) -> int | None:
    if value is None or str(value).strip() == "":
        errors["attendees"] = "请填写培训人员数量"
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors["attendees"] = "培训人员数量必须是整数"
        return None
    if number < 0:
        errors["attendees"] = "培训人员数量不能为负数"
        return None
    if number == 0:
        errors["attendees"] = "培训人员数量至少为 1 人"
        return None
    return number


@transaction.atomic
def entry_add(
    *,
    actor: User,
    department: Department,
    month: Month,
    kind: str,
    title: str,
    held_on: dt.date | None,
    doc_number: str = "",
    attendees: Any = None,
    content: str = "",
) -> ReportEntry:
    """Enter one meeting (name, date), document (name, 文号, date) or training (name, number of
    people, content, date) of `month`. Every problem is reported at once, in Chinese."""
    role = authorize(actor, "report.manage", department)
    _check_month(month)
    errors: dict[str, str] = {}
    if kind not in EntryKind.values:
        raise ValidationError({"kind": "请选择填报类别（会议、文件或培训）"})
    entry_kind = EntryKind(kind)
    title = (title or "").strip()
    if not title:
        errors["title"] = f"请填写{TITLE_LABEL[entry_kind]}"
    elif len(title) > 300:
        errors["title"] = f"{TITLE_LABEL[entry_kind]}不能超过 300 字"
    if held_on is None:
        errors["held_on"] = f"请填写{DATE_LABEL[entry_kind]}"
    elif not month.contains(held_on):
        errors["held_on"] = f"{DATE_LABEL[entry_kind]}须在{month.label}内"
    number: int | None = None
    doc_number = (doc_number or "").strip()
    content = (content or "").strip()
    if entry_kind == EntryKind.DOCUMENT:
        if not doc_number:
            errors["doc_number"] = "请填写文号"
        elif len(doc_number) > 100:
            errors["doc_number"] = "文号不能超过 100 字"
    else:
        doc_number = ""
    if entry_kind == EntryKind.TRAINING:
        number = _parse_attendees(attendees, errors)
        if not content:
            errors["content"] = "请填写培训内容"
    else:
        content = ""
    if errors:
        raise ValidationError(errors)
    assert held_on is not None
    entry = ReportEntry(
        department=department,
        year=month.year,
        month=month.month,
        kind=entry_kind,
        title=title,
        held_on=held_on,
        doc_number=doc_number,
        attendees=number,
        content=content,
        created_by=actor,
    )
    entry.full_clean()
    entry.save()
    entry_append(
        actor=actor,
        role=role,
        action="report.entry_add",
        instance=entry,
        after=snapshot(entry, ENTRY_FIELDS),
        department=department,
    )
    return entry


@transaction.atomic
def entry_delete(*, actor: User, entry: ReportEntry) -> None:
    """Remove an entered item from the month's draft (a submitted revision keeps its copy)."""
    role = authorize(actor, "report.manage", entry.department)
    entry = ReportEntry.objects.select_for_update().get(pk=entry.pk)
    before = snapshot(entry, ENTRY_FIELDS)
    entry_append(
        actor=actor,
        role=role,
        action="report.entry_delete",
        instance=entry,
        before=before,
        department=entry.department,
    )
    entry.delete()


def _contact(name: str, phone: str, mobile: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    name, phone, mobile = (name or "").strip(), (phone or "").strip(), (mobile or "").strip()
    if not name:
        errors["contact_name"] = "请填写联系人"
    elif len(name) > 32:
        errors["contact_name"] = "联系人不能超过 32 字"
    if not phone:
        errors["contact_phone"] = "请填写联系电话"
    elif not PHONE_RE.match(phone):
        errors["contact_phone"] = "联系电话格式不正确（如 0314-6062345）"
    if mobile and not MOBILE_RE.match(mobile):
        errors["contact_mobile"] = "手机号应为 11 位数字（以 1 开头）"
    if errors:
        raise ValidationError(errors)
    return {"name": name, "phone": phone, "mobile": mobile}


@transaction.atomic
def report_submit(
    *,
    actor: User,
    department: Department,
    month: Month,
    contact_name: str,
    contact_phone: str,
    contact_mobile: str = "",
    reason: str = "",
) -> ReportRevision:
    """Freeze the month's report as a new revision: entered items and computed figures as they
    are now, with the SHA-256 of their canonical JSON. A later submission is revision n+1,
    linked to revision n, and must say why it replaces it."""
    role = authorize(actor, "report.manage", department)
    _check_month(month)
    # One submitter at a time per department (revision numbers are consecutive).
    Department.objects.select_for_update().filter(pk=department.pk).first()
    previous = revisions_for(department, month).first()
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    try:
        contact = _contact(contact_name, contact_phone, contact_mobile)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if previous is not None and not reason:
        errors["reason"] = f"本月已报送第 {previous.number} 版，重新报送须说明原因"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    data = report_data(department, month, contact=contact, filled_on=local_date(now))
    text = canonical_json(data)
    revision = ReportRevision(
        department=department,
        year=month.year,
        month=month.month,
        number=previous.number + 1 if previous else 1,
        previous=previous,
        reason=reason if previous else "",
        data_json=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        submitted_by=actor,
        submitted_at=now,
    )
    revision.full_clean()
    revision.save()
    entry_append(
        actor=actor,
        role=role,
        action="report.submit",
        instance=revision,
        after={
            "department": department.pk,
            "month": f"{month.year:04d}-{month.month:02d}",
            "number": revision.number,
            "previous": previous.pk if previous else None,
            "sha256": revision.sha256,
        },
        reason=revision.reason,
        department=department,
    )
    return revision
