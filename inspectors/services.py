"""Writes on the 执法检查人员名录库, the 专家名录库 and conflict declarations.

Every service is atomic, checks scope with `authorize` (inspector.manage on the department the
record belongs to), validates with full_clean, and appends one audit entry in its transaction.
Audit snapshots hold personal fields (phone, ID number) masked: the log is read by supervisors
who are not entitled to them in full. `actor=None` is reserved for provisioning (demo data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Department, Role, User
from accounts.scope import authorize
from audit.services import entry_append, snapshot
from core.masking import mask_id_number, mask_phone
from registry.models import Tag

from .models import (
    CertificateType,
    ConflictOfInterest,
    Expert,
    ExpertStatus,
    Inspector,
    InspectorCertificate,
    InspectorStatus,
    InspectorStatusPeriod,
)
from .validation import (
    normalise_certificate_no,
    normalise_entity_key,
    normalise_id_number,
    normalise_phone,
)

MANAGE = "inspector.manage"
ONE_DAY = dt.timedelta(days=1)

INSPECTOR_FIELDS = [
    "department",
    "name",
    "gender",
    "post",
    "certificate_no",
    "certificate_type",
    "law_field",
    "certificate_authority",
    "valid_from",
    "valid_to",
    "phone",
    "id_number",
    "is_active",
    "note",
]
CERTIFICATE_FIELDS = {
    "certificate_no",
    "certificate_type",
    "law_field",
    "certificate_authority",
    "valid_from",
    "valid_to",
}
EXPERT_FIELDS = [
    "department",
    "name",
    "organisation",
    "title",
    "qualification",
    "certificate_no",
    "phone",
    "status",
    "note",
]


# --- helpers ---------------------------------------------------------------------------------


def _role(actor: User | None, department: Department) -> str:
    return "system" if actor is None else authorize(actor, MANAGE, department)


def _field_error(field: str, exc: ValueError) -> ValidationError:
    return ValidationError({field: str(exc)})


def _clean_personal(data: dict[str, Any]) -> None:
    try:
        if "phone" in data:
            data["phone"] = normalise_phone(data["phone"])
    except ValueError as exc:
        raise _field_error("phone", exc) from None
    try:
        if "id_number" in data:
            data["id_number"] = normalise_id_number(data["id_number"])
    except ValueError as exc:
        raise _field_error("id_number", exc) from None


def _masked(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("phone"):
        data["phone"] = mask_phone(data["phone"])
    if data.get("id_number"):
        data["id_number"] = mask_id_number(data["id_number"])
    return data


def _raw_snapshot(instance: Inspector | Expert, fields: list[str]) -> dict[str, Any]:
    data = snapshot(instance, fields)
    data["specialties"] = sorted(instance.specialties.values_list("code", flat=True))
    return data


def inspector_snapshot(inspector: Inspector) -> dict[str, Any]:
    """What the audit log keeps of an inspector (personal fields masked)."""
    return _masked(_raw_snapshot(inspector, INSPECTOR_FIELDS))


def expert_snapshot(expert: Expert) -> dict[str, Any]:
    return _masked(_raw_snapshot(expert, EXPERT_FIELDS))


def _specialty_tags(tags: Iterable[Tag | int]) -> list[Tag]:
    ids = sorted({t.pk if isinstance(t, Tag) else int(t) for t in tags})
    found = list(Tag.objects.filter(pk__in=ids).select_related("category"))
    if len(found) != len(ids):
        raise ValidationError({"specialties": "所选专业特长不存在"})
    wrong = [t.name for t in found if not t.category.applies_to_inspectors]
    if wrong:
        raise ValidationError(
            {"specialties": f"标签“{'、'.join(wrong)}”不属于人员专业领域分类，不能作为专业特长"}
        )
    return found


def _certificate_no_free(number: str, *, inspector: Inspector | None) -> None:
    """A certificate number is held by one inspector, now and in the history of others."""
    others = Inspector.objects.filter(certificate_no=number)
    history = InspectorCertificate.objects.filter(certificate_no=number)
    if inspector is not None:
        others = others.exclude(pk=inspector.pk)
        history = history.exclude(inspector=inspector)
    if others.exists() or history.exists():
        raise ValidationError({"certificate_no": f"执法证号 {number} 已被其他人员登记"})


def _status_period_rows(inspector: Inspector) -> list[dict[str, Any]]:
    return [
        {"status": p.status, "from": p.valid_from, "to": p.valid_to, "reason": p.reason}
        for p in inspector.status_periods.order_by("valid_from", "id")
        if not p.superseded
    ]


# --- inspectors ------------------------------------------------------------------------------


@transaction.atomic
def inspector_create(
    *,
    actor: User | None,
    department: Department,
    name: str,
    certificate_no: str,
    certificate_type: str = CertificateType.ENFORCEMENT,
    law_field: str = "",
    certificate_authority: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    post: str = "",
    gender: str = "",
    phone: str = "",
    id_number: str = "",
    specialties: Iterable[Tag | int] = (),
    status: str = InspectorStatus.ON_DUTY,
    status_from: dt.date | None = None,
    is_active: bool = True,
    note: str = "",
) -> Inspector:
    """Add an inspector with their current certificate and an opening status period (from
    `status_from`, default today)."""
    role = _role(actor, department)
    try:
        certificate_no = normalise_certificate_no(certificate_no)
    except ValueError as exc:
        raise _field_error("certificate_no", exc) from None
    personal = {"phone": phone, "id_number": id_number}
    _clean_personal(personal)
    if status not in InspectorStatus.values:
        raise ValidationError({"status": f"未知状态：{status}"})
    tags = _specialty_tags(specialties)
    _certificate_no_free(certificate_no, inspector=None)
    inspector = Inspector(
        department=department,
        name=name.strip(),
        gender=gender,
        post=post.strip(),
        certificate_no=certificate_no,
        certificate_type=certificate_type,
        law_field=law_field.strip(),
        certificate_authority=certificate_authority.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
        is_active=is_active,
        note=note.strip(),
        **personal,
    )
    inspector.full_clean()
    inspector.save()
    inspector.specialties.set(tags)
    InspectorCertificate.objects.create(
        inspector=inspector,
        certificate_no=certificate_no,
        certificate_type=certificate_type,
        law_field=inspector.law_field,
        authority=inspector.certificate_authority,
        valid_from=valid_from,
        valid_to=valid_to,
        is_current=True,
        reason="登记",
        created_by=actor,
    )
    InspectorStatusPeriod.objects.create(
        inspector=inspector,
        status=status,
        valid_from=status_from or timezone.localdate(),
        reason="登记",
        created_by=actor,
    )
    after = inspector_snapshot(inspector)
    after["status"] = status
    entry_append(
        actor=actor,
        role=role,
        action="inspector.create",
        instance=inspector,
        after=after,
        department=department,
    )
    return inspector


UPDATABLE = set(INSPECTOR_FIELDS) | {"specialties"}


@transaction.atomic
def inspector_update(
    *, actor: User | None, inspector: Inspector, reason: str = "", **changes: Any
) -> tuple[Inspector, bool]:
    """Change the given fields (others are kept). Certificate fields correct the current
    certificate record in place; a new certificate is `inspector_certificate_renew`. Moving an
    inspector to another department needs inspector.manage on both. Returns (inspector,
    changed); nothing is written or logged when nothing changed."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    role = _role(actor, inspector.department)
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    before = _raw_snapshot(inspector, INSPECTOR_FIELDS)
    if "department" in changes and changes["department"].pk != inspector.department_id:
        _role(actor, changes["department"])
    if "certificate_no" in changes:
        try:
            changes["certificate_no"] = normalise_certificate_no(changes["certificate_no"])
        except ValueError as exc:
            raise _field_error("certificate_no", exc) from None
        _certificate_no_free(changes["certificate_no"], inspector=inspector)
    _clean_personal(changes)
    tags = _specialty_tags(changes.pop("specialties")) if "specialties" in changes else None
    for field, value in changes.items():
        setattr(inspector, field, value.strip() if isinstance(value, str) else value)
    inspector.full_clean()
    after = snapshot(inspector, INSPECTOR_FIELDS)
    after["specialties"] = (
        sorted(t.code for t in tags) if tags is not None else before["specialties"]
    )
    if after == before:
        return inspector, False
    inspector.save()
    if tags is not None:
        inspector.specialties.set(tags)
    if CERTIFICATE_FIELDS & set(changes):
        InspectorCertificate.objects.filter(inspector=inspector, is_current=True).update(
            certificate_no=inspector.certificate_no,
            certificate_type=inspector.certificate_type,
            law_field=inspector.law_field,
            authority=inspector.certificate_authority,
            valid_from=inspector.valid_from,
            valid_to=inspector.valid_to,
        )
    entry_append(
        actor=actor,
        role=role,
        action="inspector.update",
        instance=inspector,
        before=_masked(before),
        after=_masked(after),
        reason=reason,
        department=inspector.department,
    )
    return inspector, True


@transaction.atomic
def inspector_status_change(
    *,
    actor: User | None,
    inspector: Inspector,
    status: str,
    effective_from: dt.date,
    reason: str,
    until: dt.date | None = None,
) -> InspectorStatusPeriod:
    """Give the inspector `status` from `effective_from` (through `until`, inclusive, when
    given; afterwards the status they had before returns). The period covering the start is
    closed the day before, later periods inside the window are superseded, so the periods stay
    contiguous and never overlap. A change effective on the day a period starts supersedes that
    period (it stays in the history)."""
    role = _role(actor, inspector.department)
    if status not in InspectorStatus.values:
        raise ValidationError({"status": f"未知状态：{status}"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写状态变更原因"})
    if until is not None and until < effective_from:
        raise ValidationError({"until": "截止日期不能早于生效日期"})
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    periods = [
        p
        for p in inspector.status_periods.select_for_update().order_by("valid_from", "id")
        if not p.superseded
    ]
    if periods and effective_from < periods[0].valid_from:
        raise ValidationError(
            {"effective_from": f"生效日期不能早于该人员的首次登记日期 {periods[0].valid_from}"}
        )
    current = next(
        (
            p
            for p in periods
            if p.valid_from <= effective_from
            and (p.valid_to is None or p.valid_to >= effective_from)
        ),
        None,
    )
    if (
        current is not None
        and current.status == status
        and until is None
        and (current.valid_to is None)
    ):
        raise ValidationError(
            {"status": f"该人员自 {effective_from} 起已是“{current.get_status_display()}”状态"}
        )
    before = _status_period_rows(inspector)
    for period in periods:
        end = period.valid_to
        if end is not None and end < effective_from:
            continue
        if until is not None and period.valid_from > until:
            continue
        tail_needed = until is not None and (end is None or end > until)
        if tail_needed:
            assert until is not None
            InspectorStatusPeriod.objects.create(
                inspector=inspector,
                status=period.status,
                valid_from=until + ONE_DAY,
                valid_to=end,
                reason=period.reason,
                created_by=actor,
            )
        if period.valid_from < effective_from:
            period.valid_to = effective_from - ONE_DAY
        else:
            period.valid_to = period.valid_from - ONE_DAY  # superseded
        period.save(update_fields=["valid_to"])
    new = InspectorStatusPeriod.objects.create(
        inspector=inspector,
        status=status,
        valid_from=effective_from,
        valid_to=until,
        reason=reason.strip(),
        created_by=actor,
    )
    entry_append(
        actor=actor,
        role=role,
        action="inspector.status_change",
        instance=inspector,
        before={"periods": before},
        after={"periods": _status_period_rows(inspector)},
        reason=reason.strip(),
        department=inspector.department,
    )
    return new


@transaction.atomic
def inspector_certificate_renew(
    *,
    actor: User | None,
    inspector: Inspector,
    certificate_no: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    authority: str | None = None,
    certificate_type: str | None = None,
    law_field: str | None = None,
    reason: str = "",
) -> InspectorCertificate:
    """Record a new (renewed or re-issued) certificate; the previous one stays in the history and
    still counts for the dates it covered."""
    role = _role(actor, inspector.department)
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    try:
        number = normalise_certificate_no(certificate_no)
    except ValueError as exc:
        raise _field_error("certificate_no", exc) from None
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": "有效期至不能早于有效期起"})
    _certificate_no_free(number, inspector=inspector)
    before = inspector_snapshot(inspector)
    previous = inspector.certificates.filter(is_current=True).first()
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    inspector.certificate_no = number
    inspector.valid_from, inspector.valid_to = valid_from, valid_to
    if authority is not None:
        inspector.certificate_authority = authority.strip()
    if certificate_type is not None:
        inspector.certificate_type = certificate_type
    if law_field is not None:
        inspector.law_field = law_field.strip()
    inspector.full_clean()
    inspector.save()
    record = InspectorCertificate.objects.create(
        inspector=inspector,
        certificate_no=number,
        certificate_type=inspector.certificate_type,
        law_field=inspector.law_field,
        authority=inspector.certificate_authority,
        valid_from=valid_from,
        valid_to=valid_to,
        is_current=True,
        reason=reason.strip() or "换发",
        created_by=actor,
    )
    entry_append(
        actor=actor,
        role=role,
        action="inspector.certificate_renew",
        instance=inspector,
        before=before,
        after=inspector_snapshot(inspector),
        reason=reason.strip(),
        department=inspector.department,
    )
    return record


@transaction.atomic
def inspector_link_account(
    *, actor: User | None, inspector: Inspector, user: User | None
) -> Inspector:
    """Link the inspector to their login account (an INSPECTOR of the same department), or
    unlink with user=None."""
    role = _role(actor, inspector.department)
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    before = {"user": inspector.user_id}
    if user is not None:
        if Role.INSPECTOR not in user.role_codes:
            raise ValidationError({"user": f"账号 {user.username} 没有“执法检查人员”角色"})
        if user.department_id != inspector.department_id:
            raise ValidationError({"user": f"账号 {user.username} 不属于 {inspector.department}"})
        taken = Inspector.objects.filter(user=user).exclude(pk=inspector.pk).first()
        if taken is not None:
            raise ValidationError({"user": f"账号 {user.username} 已关联人员 {taken.name}"})
    if before["user"] == (user.pk if user else None):
        return inspector
    inspector.user = user
    inspector.save(update_fields=["user", "updated_at"])
    entry_append(
        actor=actor,
        role=role,
        action="inspector.link_account" if user else "inspector.unlink_account",
        instance=inspector,
        before=before,
        after={"user": user.pk if user else None, "username": user.username if user else ""},
        department=inspector.department,
    )
    return inspector


# --- conflicts of interest (回避) ---------------------------------------------------------------


@transaction.atomic
def conflict_declare(
    *,
    actor: User | None,
    inspector: Inspector,
    entity_key: str,
    relation: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    entity_name: str = "",
    detail: str = "",
) -> ConflictOfInterest:
    """Record that `inspector` must not be drawn for the entity `entity_key` (USCC / 注册号)
    from valid_from through valid_to. Managers of the inspector's department declare; an
    inspector may also declare for themselves (their linked account)."""
    inspector = Inspector.objects.select_for_update().get(pk=inspector.pk)
    if actor is not None and inspector.user_id == actor.pk and Role.INSPECTOR in actor.role_codes:
        role = "self"
    else:
        role = _role(actor, inspector.department)
    try:
        key = normalise_entity_key(entity_key)
    except ValueError as exc:
        raise _field_error("entity_key", exc) from None
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": "截止日期不能早于起始日期"})
    overlapping = ConflictOfInterest.objects.filter(
        inspector=inspector, entity_key=key, withdrawn_at__isnull=True
    ).exclude(valid_to__lt=valid_from)
    if valid_to is not None:
        overlapping = overlapping.exclude(valid_from__gt=valid_to)
    if overlapping.exists():
        raise ValidationError({"entity_key": f"该人员与 {key} 已有有效期重叠的回避登记"})
    conflict = ConflictOfInterest(
        inspector=inspector,
        entity_key=key,
        entity_name=entity_name.strip(),
        relation=relation,
        detail=detail.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
        declared_by=actor,
    )
    conflict.full_clean()
    conflict.save()
    entry_append(
        actor=actor,
        role=role,
        action="inspector.conflict_declare",
        instance=inspector,
        after={
            "conflict": conflict.pk,
            **snapshot(
                conflict,
                ["entity_key", "entity_name", "relation", "detail", "valid_from", "valid_to"],
            ),
        },
        department=inspector.department,
    )
    return conflict


@transaction.atomic
def conflict_withdraw(
    *, actor: User | None, conflict: ConflictOfInterest, reason: str
) -> ConflictOfInterest:
    """Withdraw a declaration (kept in the history, no longer excludes anything)."""
    inspector = conflict.inspector
    role = _role(actor, inspector.department)
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤销原因"})
    conflict = ConflictOfInterest.objects.select_for_update().get(pk=conflict.pk)
    if conflict.withdrawn_at is not None:
        raise ValidationError("该回避登记已撤销")
    conflict.withdrawn_at = timezone.now()
    conflict.withdrawn_by = actor
    conflict.withdraw_reason = reason.strip()
    conflict.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    entry_append(
        actor=actor,
        role=role,
        action="inspector.conflict_withdraw",
        instance=inspector,
        before={"conflict": conflict.pk, "entity_key": conflict.entity_key},
        after={"conflict": conflict.pk, "withdrawn": True},
        reason=reason.strip(),
        department=inspector.department,
    )
    return conflict


# --- experts ---------------------------------------------------------------------------------


@transaction.atomic
def expert_create(
    *,
    actor: User | None,
    department: Department,
    name: str,
    organisation: str,
    title: str = "",
    qualification: str = "",
    certificate_no: str = "",
    specialties: Iterable[Tag | int] = (),
    phone: str = "",
    status: str = ExpertStatus.ACTIVE,
    note: str = "",
) -> Expert:
    role = _role(actor, department)
    data: dict[str, Any] = {"phone": phone}
    _clean_personal(data)
    tags = _specialty_tags(specialties)
    expert = Expert(
        department=department,
        name=name.strip(),
        organisation=organisation.strip(),
        title=title.strip(),
        qualification=qualification.strip(),
        certificate_no=certificate_no.strip(),
        phone=data["phone"],
        status=status,
        note=note.strip(),
    )
    expert.full_clean()
    expert.save()
    expert.specialties.set(tags)
    entry_append(
        actor=actor,
        role=role,
        action="expert.create",
        instance=expert,
        after=expert_snapshot(expert),
        department=department,
    )
    return expert


EXPERT_UPDATABLE = set(EXPERT_FIELDS) | {"specialties"}


@transaction.atomic
def expert_update(*, actor: User | None, expert: Expert, **changes: Any) -> tuple[Expert, bool]:
    unknown = set(changes) - EXPERT_UPDATABLE
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    role = _role(actor, expert.department)
    if "department" in changes and changes["department"].pk != expert.department_id:
        _role(actor, changes["department"])
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    before = _raw_snapshot(expert, EXPERT_FIELDS)
    _clean_personal(changes)
    tags = _specialty_tags(changes.pop("specialties")) if "specialties" in changes else None
    for field, value in changes.items():
        setattr(expert, field, value.strip() if isinstance(value, str) else value)
    expert.full_clean()
    after = snapshot(expert, EXPERT_FIELDS)
    after["specialties"] = (
        sorted(t.code for t in tags) if tags is not None else before["specialties"]
    )
    if after == before:
        return expert, False
    expert.save()
    if tags is not None:
        expert.specialties.set(tags)
    entry_append(
        actor=actor,
        role=role,
        action="expert.update",
        instance=expert,
        before=_masked(before),
        after=_masked(after),
        department=expert.department,
    )
    return expert, True
