"""Every write to the registry (检查对象, 信用风险等级, 名单标记, 投诉举报, 标签, 分类方案).

Each service is atomic, takes keyword arguments, checks the actor's scope, validates, writes
one audit entry in the same transaction, and (for entities) one EntityChange row pointing at
that entry, so an entity's history page can show who did what and when. Bulk imports write
through registry.importers instead (one audit entry per commit, EntityChange rows in bulk).

Personal data (phone, ID number, an 个体工商户 operator's name) goes into audit snapshots
masked: the audit log is readable by supervisors, who are not entitled to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.scope import Scope
from audit.models import AuditEntry
from audit.services import entry_append, snapshot
from core.masking import mask_id_number, mask_phone

from .models import (
    ChangeSource,
    Complaint,
    ComplaintSource,
    Entity,
    EntityChange,
    EntityFlag,
    EntityGrade,
    EntityTag,
    EntityType,
    FlagKind,
    GradeLevel,
    GradingScheme,
    Tag,
    TagCategory,
)

if TYPE_CHECKING:
    from accounts.models import Department, User
    from regions.models import Region

ENTITY_FIELDS = [
    "uscc",
    "reg_no",
    "name",
    "entity_type",
    "industry_code",
    "industry_detail",
    "representative",
    "id_number",
    "phone",
    "address",
    "region",
    "registered_on",
    "status",
]
EDITABLE_FIELDS = set(ENTITY_FIELDS)


def mask_name(value: str) -> str:
    """姓名 of a natural person: the surname and one * per remaining character."""
    value = value.strip()
    return value[:1] + "*" * (len(value) - 1) if value else ""


def entity_snapshot(entity: Entity) -> dict[str, Any]:
    data = snapshot(entity, ENTITY_FIELDS)
    data["phone"] = mask_phone(entity.phone) if entity.phone else ""
    data["id_number"] = mask_id_number(entity.id_number) if entity.id_number else ""
    if entity.entity_type == EntityType.INDIVIDUAL:
        data["representative"] = mask_name(entity.representative)
    return data


def authorize_entity(actor: User, region_code: str) -> str:
    """The role under which `actor` may change entities of `region_code`, or PermissionDenied.

    Writes stay at the actor's own level (a county also keeps its townships); upper levels
    read lower levels only (accounts.scope.Scope.role_for_region)."""
    role = Scope.of(actor).role_for_region("entity.manage", region_code)
    if role is None:
        raise PermissionDenied("entity.manage")
    return role


def _audit(
    *,
    actor: User,
    role: str,
    action: str,
    entity: Entity,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str = "",
    fields: Iterable[str] = (),
) -> AuditEntry:
    entry = entry_append(
        actor=actor,
        role=role,
        action=action,
        instance=entity,
        before=before,
        after=after,
        reason=reason,
        department=actor.department,
        region_code=entity.region_id,
    )
    EntityChange.objects.create(
        entity=entity,
        at=entry.created_at,
        action=action,
        source=ChangeSource.SERVICE,
        fields=sorted(fields),
        actor=actor,
        audit_seq=entry.seq,
    )
    return entry


def _check_departments(actor: User, departments: Iterable[Department]) -> list[Department]:
    scope = Scope.of(actor)
    chosen = list(departments)
    for department in chosen:
        if not scope.can("department.view", department):
            raise ValidationError({"departments": f"不能选择本级区划以外的部门：{department}"})
    return chosen


# --- entities ------------------------------------------------------------------------------


@transaction.atomic
def entity_create(
    *,
    actor: User,
    name: str,
    region: Region,
    uscc: str = "",
    reg_no: str = "",
    entity_type: str = EntityType.COMPANY,
    industry_code: str = "",
    industry_detail: str = "",
    representative: str = "",
    id_number: str = "",
    phone: str = "",
    address: str = "",
    registered_on: dt.date | None = None,
    status: str = "active",
    departments: Iterable[Department] = (),
    tags: Iterable[Tag] = (),
) -> Entity:
    role = authorize_entity(actor, region.code)
    entity = Entity(
        name=name.strip(),
        region=region,
        uscc=uscc.strip().upper(),
        reg_no=reg_no.strip(),
        entity_type=entity_type,
        industry_code=industry_code,
        industry_detail=industry_detail.strip(),
        representative=representative.strip(),
        id_number=id_number.strip().upper(),
        phone=phone.strip(),
        address=address.strip(),
        registered_on=registered_on,
        status=status,
    )
    entity.full_clean()
    entity.save()
    chosen = _check_departments(actor, departments)
    entity.departments.set(chosen)
    tag_list = list(tags)
    EntityTag.objects.bulk_create([EntityTag(entity=entity, tag=t) for t in tag_list])
    after = entity_snapshot(entity)
    after["departments"] = sorted(d.pk for d in chosen)
    after["tags"] = sorted(t.code for t in tag_list)
    _audit(
        actor=actor,
        role=role,
        action="entity.create",
        entity=entity,
        before=None,
        after=after,
        fields=after.keys(),
    )
    return entity


@transaction.atomic
def entity_update(
    *,
    actor: User,
    entity: Entity,
    reason: str = "",
    departments: Iterable[Department] | None = None,
    **changes: Any,
) -> Entity:
    """Change the listed fields (any of ENTITY_FIELDS) and optionally the departments."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"entity_update: unknown fields {sorted(unknown)}")
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    role = authorize_entity(actor, entity.region_id)
    if "region" in changes:
        authorize_entity(actor, changes["region"].code)
    before = entity_snapshot(entity)
    before_departments = sorted(entity.departments.values_list("pk", flat=True))
    for field, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
            if field in {"uscc", "id_number"}:
                value = value.upper()
        setattr(entity, field, value)
    entity.full_clean()
    after = entity_snapshot(entity)
    changed = {k for k in after if after[k] != before[k]}
    # masked snapshots can hide a change of a personal field; compare the raw values too
    for field in ("phone", "id_number", "representative"):
        if field in changes:
            old = Entity.objects.filter(pk=entity.pk).values_list(field, flat=True).get()
            if old != getattr(entity, field):
                changed.add(field)
    if departments is not None:
        chosen = _check_departments(actor, departments)
        after_departments = sorted(d.pk for d in chosen)
        if after_departments != before_departments:
            entity.departments.set(chosen)
            before["departments"], after["departments"] = before_departments, after_departments
            changed.add("departments")
    if not changed:
        raise ValidationError("没有需要保存的修改。")
    entity.save()
    _audit(
        actor=actor,
        role=role,
        action="entity.update",
        entity=entity,
        before={k: v for k, v in before.items() if k in changed},
        after={k: v for k, v in after.items() if k in changed},
        reason=reason,
        fields=changed,
    )
    return entity


@transaction.atomic
def entity_tags_set(*, actor: User, entity: Entity, tags: Iterable[Tag], reason: str = "") -> None:
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    role = authorize_entity(actor, entity.region_id)
    wanted = {t.pk: t for t in tags}
    for tag in wanted.values():
        if not tag.is_active or not tag.category.applies_to_entities:
            raise ValidationError({"tags": f"标签“{tag.name}”已停用或不适用于检查对象"})
    current = dict(entity.entity_tags.values_list("tag_id", "tag__code"))
    added = [wanted[pk] for pk in wanted if pk not in current]
    removed = [pk for pk in current if pk not in wanted]
    if not added and not removed:
        raise ValidationError("标签没有变化。")
    EntityTag.objects.filter(entity=entity, tag_id__in=removed).delete()
    EntityTag.objects.bulk_create([EntityTag(entity=entity, tag=t) for t in added])
    _audit(
        actor=actor,
        role=role,
        action="entity.tags",
        entity=entity,
        before={"tags": sorted(current.values())},
        after={"tags": sorted(t.code for t in wanted.values())},
        reason=reason,
        fields=["tags"],
    )


# --- grades --------------------------------------------------------------------------------


def _grade_write(
    *, actor: User | None, entity: Entity, level: GradeLevel, valid_from: dt.date, reason: str
) -> tuple[EntityGrade | None, EntityGrade]:
    current = (
        EntityGrade.objects.select_for_update()
        .select_related("level")
        .filter(entity=entity, scheme_id=level.scheme_id, valid_to__isnull=True)
        .first()
    )
    if current is not None:
        if current.level_id == level.pk:
            raise ValidationError({"level": f"当前等级已是 {level.code}，无需重新评定。"})
        if valid_from < current.valid_from:
            raise ValidationError(
                {
                    "valid_from": f"生效日期不能早于当前等级 {current.level.code} 的生效日期"
                    f" {current.valid_from:%Y-%m-%d}。"
                }
            )
        current.valid_to = valid_from
        current.save(update_fields=["valid_to"])
    grade = EntityGrade(
        entity=entity,
        scheme_id=level.scheme_id,
        level=level,
        valid_from=valid_from,
        reason=reason.strip(),
        recorded_by=actor,
    )
    grade.full_clean()
    grade.save()
    if GradingScheme.objects.filter(pk=level.scheme_id, is_default=True).exists():
        Entity.objects.filter(pk=entity.pk).update(current_level=level)
        entity.current_level = level
    return current, grade


def current_grades_refresh(entity_ids: Iterable[int] | None = None) -> int:
    """Recompute Entity.current_level (the current grade under the default scheme) from the
    grade history, for `entity_ids` or every entity; the number of entities updated. For bulk
    writers (demo data) and for a change of the default scheme."""
    current = EntityGrade.objects.filter(
        entity=OuterRef("pk"), scheme__is_default=True, valid_to__isnull=True
    ).values("level_id")[:1]
    entities = Entity.objects.all()
    if entity_ids is not None:
        entities = entities.filter(pk__in=list(entity_ids))
    return entities.update(current_level=Subquery(current))


def _grade_dict(grade: EntityGrade | None) -> dict[str, Any] | None:
    if grade is None:
        return None
    return {
        "scheme": grade.scheme_id,
        "level": grade.level.code,
        "valid_from": grade.valid_from,
        "valid_to": grade.valid_to,
    }


@transaction.atomic
def grade_assign(
    *, actor: User, entity: Entity, level: GradeLevel, valid_from: dt.date, reason: str = ""
) -> EntityGrade:
    """Give `entity` grade `level` from `valid_from` on; the current grade of that scheme ends
    the same day (valid_to is exclusive). Backdating before the current grade is refused."""
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    role = authorize_entity(actor, entity.region_id)
    if _blacklisted(entity):
        raise ValidationError("该检查对象在黑名单中：请通过“移出黑名单”同时评定新的等级。")
    previous, grade = _grade_write(
        actor=actor, entity=entity, level=level, valid_from=valid_from, reason=reason
    )
    _audit(
        actor=actor,
        role=role,
        action="entity.grade",
        entity=entity,
        before={"grade": _grade_dict(previous)},
        after={"grade": _grade_dict(grade)},
        reason=reason,
        fields=["grade"],
    )
    return grade


# --- flags (名单) --------------------------------------------------------------------------


def _blacklisted(entity: Entity) -> bool:
    return EntityFlag.objects.filter(
        entity=entity, kind=FlagKind.BLACKLIST, valid_to__isnull=True
    ).exists()


def _flag_dict(flag: EntityFlag) -> dict[str, Any]:
    return snapshot(
        flag,
        [
            "kind",
            "valid_from",
            "valid_to",
            "reason",
            "penalty",
            "recording_unit",
            "document",
            "clear_reason",
        ],
    )


def _flag_open(
    *,
    actor: User,
    entity: Entity,
    kind: str,
    valid_from: dt.date,
    reason: str,
    recording_unit: str,
    document: str,
    penalty: str,
) -> EntityFlag:
    if EntityFlag.objects.filter(entity=entity, kind=kind, valid_to__isnull=True).exists():
        raise ValidationError({"kind": f"该检查对象已在“{FlagKind(kind).label}”中。"})
    flag = EntityFlag(
        entity=entity,
        kind=kind,
        valid_from=valid_from,
        reason=reason.strip(),
        recording_unit=recording_unit.strip(),
        document=document.strip(),
        penalty=penalty.strip(),
        recorded_by=actor,
    )
    flag.full_clean()
    flag.save()
    return flag


def _flag_close(
    *, actor: User, entity: Entity, kind: str, valid_to: dt.date, reason: str
) -> tuple[dict[str, Any], EntityFlag]:
    flag = (
        EntityFlag.objects.select_for_update()
        .filter(entity=entity, kind=kind, valid_to__isnull=True)
        .first()
    )
    if flag is None:
        raise ValidationError({"kind": f"该检查对象不在“{FlagKind(kind).label}”中。"})
    if not reason.strip():
        raise ValidationError({"reason": "请填写移出原因。"})
    if valid_to < flag.valid_from:
        raise ValidationError(
            {"valid_to": f"移出日期不能早于列入日期 {flag.valid_from:%Y-%m-%d}。"}
        )
    before = _flag_dict(flag)
    flag.valid_to = valid_to
    flag.clear_reason = reason.strip()
    flag.cleared_by = actor
    flag.full_clean()
    flag.save()
    return before, flag


@transaction.atomic
def flag_set(
    *,
    actor: User,
    entity: Entity,
    kind: str,
    valid_from: dt.date,
    reason: str,
    recording_unit: str,
    document: str = "",
) -> EntityFlag:
    """List `entity` in 经营异常名录 / 严重违法失信名单 / 重点关注 from `valid_from`."""
    if kind == FlagKind.BLACKLIST:
        raise ValidationError({"kind": "列入黑名单请使用“拉黑”，须写明惩戒措施。"})
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    role = authorize_entity(actor, entity.region_id)
    flag = _flag_open(
        actor=actor,
        entity=entity,
        kind=kind,
        valid_from=valid_from,
        reason=reason,
        recording_unit=recording_unit,
        document=document,
        penalty="",
    )
    _audit(
        actor=actor,
        role=role,
        action="entity.flag_set",
        entity=entity,
        before=None,
        after=_flag_dict(flag),
        reason=reason,
        fields=[f"flag:{kind}"],
    )
    return flag


@transaction.atomic
def flag_clear(
    *, actor: User, entity: Entity, kind: str, valid_to: dt.date, reason: str
) -> EntityFlag:
    """Move `entity` out of a list on `valid_to` (the first day it is no longer listed)."""
    if kind == FlagKind.BLACKLIST:
        raise ValidationError(
            {"kind": "移出黑名单须同时评定新的信用风险等级：请使用“移出黑名单”。"}
        )
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    role = authorize_entity(actor, entity.region_id)
    before, flag = _flag_close(
        actor=actor, entity=entity, kind=kind, valid_to=valid_to, reason=reason
    )
    _audit(
        actor=actor,
        role=role,
        action="entity.flag_clear",
        entity=entity,
        before=before,
        after=_flag_dict(flag),
        reason=reason,
        fields=[f"flag:{kind}"],
    )
    return flag


@transaction.atomic
def blacklist_add(
    *,
    actor: User,
    entity: Entity,
    valid_from: dt.date,
    reason: str,
    penalty: str,
    recording_unit: str,
    document: str = "",
) -> EntityFlag:
    """拉黑: reason, penalty (惩戒措施) and the recording unit are all required."""
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    role = authorize_entity(actor, entity.region_id)
    if not penalty.strip():
        raise ValidationError({"penalty": "拉黑须写明处罚或惩戒措施。"})
    flag = _flag_open(
        actor=actor,
        entity=entity,
        kind=FlagKind.BLACKLIST,
        valid_from=valid_from,
        reason=reason,
        recording_unit=recording_unit,
        document=document,
        penalty=penalty,
    )
    _audit(
        actor=actor,
        role=role,
        action="entity.blacklist_add",
        entity=entity,
        before=None,
        after=_flag_dict(flag),
        reason=reason,
        fields=["flag:blacklist"],
    )
    return flag


@transaction.atomic
def blacklist_remove(
    *,
    actor: User,
    entity: Entity,
    valid_to: dt.date,
    reason: str,
    new_grade: GradeLevel | None,
) -> EntityGrade:
    """Move `entity` out of the blacklist on `valid_to` and, in the same call, give it
    `new_grade` from that day on (required: an entity leaves the blacklist with a grade)."""
    if new_grade is None:
        raise ValidationError({"new_grade": "移出黑名单须同时评定新的信用风险等级。"})
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    role = authorize_entity(actor, entity.region_id)
    before, flag = _flag_close(
        actor=actor, entity=entity, kind=FlagKind.BLACKLIST, valid_to=valid_to, reason=reason
    )
    previous, grade = _grade_write(
        actor=actor, entity=entity, level=new_grade, valid_from=valid_to, reason=reason
    )
    _audit(
        actor=actor,
        role=role,
        action="entity.blacklist_remove",
        entity=entity,
        before={"flag": before, "grade": _grade_dict(previous)},
        after={"flag": _flag_dict(flag), "grade": _grade_dict(grade)},
        reason=reason,
        fields=["flag:blacklist", "grade"],
    )
    return grade


# --- complaints ----------------------------------------------------------------------------


@transaction.atomic
def complaint_record(
    *,
    actor: User,
    entity: Entity,
    received_on: dt.date,
    source: str = ComplaintSource.OTHER,
    summary: str = "",
) -> Complaint:
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    role = authorize_entity(actor, entity.region_id)
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "受理日期不能晚于今天。"})
    complaint = Complaint(
        entity=entity,
        received_on=received_on,
        source=source,
        summary=summary.strip(),
        recorded_by=actor,
    )
    complaint.full_clean()
    complaint.save()
    _audit(
        actor=actor,
        role=role,
        action="entity.complaint",
        entity=entity,
        before=None,
        after=snapshot(complaint, ["received_on", "source", "summary"]),
        fields=["complaints"],
    )
    return complaint


# --- tag library and grading schemes (platform-wide vocabularies) ---------------------------


def _authorize_library(actor: User) -> str:
    """Tags and schemes are shared by every region: holders of entity.manage maintain them."""
    scope = Scope.of(actor)
    reaches = scope.reaches("entity.manage")
    if reaches:
        return reaches[0][0]
    if scope.is_platform_admin:
        return "platform_admin"
    raise PermissionDenied("entity.manage")


def _library_audit(
    actor: User, role: str, action: str, instance: Any, before: Any, after: Any
) -> None:
    entry_append(
        actor=actor, role=role, action=action, instance=instance, before=before, after=after
    )


TAG_FIELDS = ["category", "code", "name", "description", "is_active"]
CATEGORY_FIELDS = ["code", "name", "applies_to_entities", "applies_to_inspectors", "sort_order"]


@transaction.atomic
def tag_category_create(
    *,
    actor: User,
    code: str,
    name: str,
    applies_to_entities: bool = True,
    applies_to_inspectors: bool = False,
    sort_order: int = 0,
) -> TagCategory:
    role = _authorize_library(actor)
    category = TagCategory(
        code=code.strip(),
        name=name.strip(),
        applies_to_entities=applies_to_entities,
        applies_to_inspectors=applies_to_inspectors,
        sort_order=sort_order,
    )
    category.full_clean()
    category.save()
    _library_audit(
        actor, role, "tag_category.create", category, None, snapshot(category, CATEGORY_FIELDS)
    )
    return category


@transaction.atomic
def tag_create(
    *, actor: User, category: TagCategory, code: str, name: str, description: str = ""
) -> Tag:
    role = _authorize_library(actor)
    tag = Tag(
        category=category, code=code.strip(), name=name.strip(), description=description.strip()
    )
    tag.full_clean()
    tag.save()
    _library_audit(actor, role, "tag.create", tag, None, snapshot(tag, TAG_FIELDS))
    return tag


@transaction.atomic
def tag_update(*, actor: User, tag: Tag, **changes: Any) -> Tag:
    unknown = set(changes) - {"name", "description", "is_active", "category"}
    if unknown:
        raise TypeError(f"tag_update: unknown fields {sorted(unknown)}")
    role = _authorize_library(actor)
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    before = snapshot(tag, TAG_FIELDS)
    for field, value in changes.items():
        setattr(tag, field, value.strip() if isinstance(value, str) else value)
    tag.full_clean()
    after = snapshot(tag, TAG_FIELDS)
    if after == before:
        raise ValidationError("没有需要保存的修改。")
    tag.save()
    _library_audit(actor, role, "tag.update", tag, before, after)
    return tag


@transaction.atomic
def scheme_create(
    *,
    actor: User,
    code: str,
    name: str,
    levels: list[tuple[str, str]],
    authority: str = "",
) -> GradingScheme:
    """A new grading scheme; `levels` are (code, meaning) from low risk to high risk."""
    role = _authorize_library(actor)
    if len(levels) < 2:
        raise ValidationError({"levels": "分类方案至少需要两个等级。"})
    codes = [c.strip() for c, _ in levels]
    if len(set(codes)) != len(codes):
        raise ValidationError({"levels": "等级代码不能重复。"})
    scheme = GradingScheme(code=code.strip(), name=name.strip(), authority=authority.strip())
    scheme.full_clean()
    scheme.save()
    for rank, (level_code, level_name) in enumerate(levels, start=1):
        level = GradeLevel(
            scheme=scheme, code=level_code.strip(), name=level_name.strip(), rank=rank
        )
        level.full_clean()
        level.save()
    _library_audit(
        actor,
        role,
        "grading_scheme.create",
        scheme,
        None,
        {**snapshot(scheme, ["code", "name", "authority"]), "levels": levels},
    )
    return scheme
