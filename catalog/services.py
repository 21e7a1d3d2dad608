"""Writes on item lists, their versions and items, joint items and the regulation library.

Every function is atomic, authorises its actor (None = a provisioning command such as the demo
loader, recorded as "system") and appends to the audit log in the same transaction. Published
versions are never edited: every item write checks that its version is a draft.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Department, DepartmentKind
from accounts.scope import Scope, authorize
from audit.services import entry_append, snapshot
from regions.models import Region

from .legal import ParsedBasis, parse_methods, short_title, split_bases
from .models import (
    Article,
    Category,
    InspectionItem,
    InspectionMethod,
    ItemList,
    JointItem,
    LegalBasis,
    ListKind,
    ListVersion,
    Regulation,
    VersionStatus,
)

if TYPE_CHECKING:
    from accounts.models import User

ITEM_FIELDS = [
    "name",
    "target",
    "kind",
    "methods_text",
    "subject",
    "basis_text",
    "content",
    "standards",
    "ratio",
    "frequency",
    "level",
    "remark",
]
JOINT_FIELDS = [
    "field",
    "name",
    "target",
    "initiator_name",
    "cooperator_names",
    "level",
    "basis_text",
    "content",
    "remark",
]
REGULATION_FIELDS = ["title", "issuer", "doc_number", "level", "effective_date", "status"]


# --- authorisation ----------------------------------------------------------------------------


def leading_office(region_code: str) -> Department | None:
    return Department.objects.filter(
        region_id=region_code, kind=DepartmentKind.LEADING_OFFICE
    ).first()


def list_manager_department(item_list: ItemList) -> Department | None:
    """The department whose catalog.manage holders maintain the list: its owner, or for a
    region's list the region's leading-group office."""
    if item_list.department_id:
        return item_list.department
    return leading_office(item_list.region_id)


def list_manage_role(actor: User | None, item_list: ItemList) -> str:
    """The role under which `actor` may change `item_list`, or PermissionDenied."""
    if actor is None:
        return "system"
    role = Scope.of(actor).role_for("catalog.manage", list_manager_department(item_list))
    if role is None:
        raise PermissionDenied("catalog.manage")
    return role


def can_manage_list(actor: User, item_list: ItemList) -> bool:
    try:
        list_manage_role(actor, item_list)
    except PermissionDenied:
        return False
    return True


def _regulation_role(actor: User | None) -> str:
    if actor is None:
        return "system"
    return authorize(actor, "regulation.manage", actor.department)


def _audit_target(item_list: ItemList) -> dict[str, Any]:
    if item_list.department_id:
        return {"department": item_list.department}
    return {"department": None, "region_code": item_list.region_id}


def _require_draft(version: ListVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise ValidationError("已发布的版本不能修改：请先“生成新版本草稿”，在草稿中调整后发布。")


# --- lists and versions -----------------------------------------------------------------------


def _unique_code(base: str) -> str:
    code, n = base, 2
    while ItemList.objects.filter(code=code).exists():
        code, n = f"{base}-{n}", n + 1
    return code


@transaction.atomic
def item_list_create(
    *,
    actor: User | None,
    kind: str,
    region: Region,
    department: Department | None = None,
    name: str = "",
    code: str = "",
) -> ItemList:
    """Create a list: a department's (kind department), a region's (kind region, no department)
    or a region's joint list (kind joint, owned by the leading-group office)."""
    if kind == ListKind.REGION:
        department = None
        code = code or _unique_code(f"R{region.code}")
        name = name or f"{region.name}随机抽查事项清单"
    elif kind == ListKind.JOINT:
        if department is None or department.kind != DepartmentKind.LEADING_OFFICE:
            raise ValidationError("部门联合抽查事项清单由本级双随机办维护。")
        code = code or _unique_code(f"J{region.code}")
        name = name or f"{region.name}部门联合抽查事项清单"
    else:
        if department is None:
            raise ValidationError("部门抽查事项清单须指定所属部门。")
        code = code or _unique_code(f"{region.code}-{department.kind}")
        name = name or f"{department.name}随机抽查事项清单"
    item_list = ItemList(
        code=code, name=name[:200], kind=kind, region=region, department=department
    )
    item_list.full_clean()
    role = list_manage_role(actor, item_list)
    item_list.save()
    entry_append(
        actor=actor,
        role=role,
        action="catalog.list.create",
        instance=item_list,
        after=snapshot(item_list, ["code", "name", "kind", "region", "department"]),
        **_audit_target(item_list),
    )
    return item_list


def _copy_version_content(source: ListVersion, target: ListVersion) -> None:
    categories = {}
    for category in source.categories.all():
        categories[category.pk] = Category.objects.create(
            version=target,
            number=category.number,
            name=category.name,
            department_name=category.department_name,
        )
    Through = InspectionItem.methods.through
    for item in source.items.prefetch_related("methods", "bases"):
        methods = list(item.methods.all())
        bases = list(item.bases.all())
        item.pk = None
        item.id = None
        item.version = target
        item.category = categories[item.category_id]
        item.save()
        Through.objects.bulk_create(
            [Through(inspectionitem_id=item.pk, inspectionmethod_id=m.pk) for m in methods]
        )
        for basis in bases:
            basis.pk = None
            basis.id = None
            basis.item = item
        LegalBasis.objects.bulk_create(bases)
    for joint in source.joint_items.prefetch_related("cooperators", "bases"):
        cooperators = list(joint.cooperators.all())
        bases = list(joint.bases.all())
        joint.pk = None
        joint.id = None
        joint.version = target
        joint.save()
        joint.cooperators.set(cooperators)
        for basis in bases:
            basis.pk = None
            basis.id = None
            basis.joint_item = joint
        LegalBasis.objects.bulk_create(bases)


@transaction.atomic
def version_draft_create(
    *, actor: User | None, item_list: ItemList, title: str = ""
) -> ListVersion:
    """Open a new draft version: a copy of the current published version (or empty)."""
    item_list = ItemList.objects.select_for_update().get(pk=item_list.pk)
    role = list_manage_role(actor, item_list)
    if item_list.versions.filter(status=VersionStatus.DRAFT).exists():
        raise ValidationError("该清单已有未发布的草稿，请先发布或放弃该草稿。")
    current = item_list.versions.filter(status=VersionStatus.PUBLISHED).first()
    last = item_list.versions.order_by("-number").first()
    version = ListVersion(
        item_list=item_list,
        number=(last.number + 1) if last else 1,
        title=(title or (current.title if current else item_list.name))[:300],
        status=VersionStatus.DRAFT,
        based_on=current,
        created_by=actor,
    )
    version.full_clean()
    version.save()
    if current is not None:
        _copy_version_content(current, version)
    entry_append(
        actor=actor,
        role=role,
        action="catalog.version.draft",
        instance=version,
        after={"list": item_list.code, "number": version.number, "based_on": current},
        **_audit_target(item_list),
    )
    return version


@transaction.atomic
def version_publish(
    *, actor: User | None, version: ListVersion, reason: str, title: str = ""
) -> ListVersion:
    """Publish a draft: it becomes the current version; the previous one is superseded (and
    stays readable as it was)."""
    version = ListVersion.objects.select_for_update().select_related("item_list").get(pk=version.pk)
    item_list = version.item_list
    role = list_manage_role(actor, item_list)
    _require_draft(version)
    reason = reason.strip()
    if not reason:
        raise ValidationError("请填写调整说明（发布原因）。")
    if not version.items.exists() and not version.joint_items.exists():
        raise ValidationError("草稿中没有任何事项，不能发布。")
    now = timezone.now()
    previous = item_list.versions.filter(status=VersionStatus.PUBLISHED).first()
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["status", "superseded_at"])
    version.status = VersionStatus.PUBLISHED
    version.published_at = now
    version.published_by = actor
    version.reason = reason
    if title.strip():
        version.title = title.strip()[:300]
    version.full_clean()
    version.save()
    entry_append(
        actor=actor,
        role=role,
        action="catalog.version.publish",
        instance=version,
        before={"previous": previous.pk if previous else None},
        after={
            "list": item_list.code,
            "number": version.number,
            "items": version.items.count() + version.joint_items.count(),
        },
        reason=reason,
        **_audit_target(item_list),
    )
    return version


@transaction.atomic
def version_draft_discard(*, actor: User | None, version: ListVersion) -> None:
    version = ListVersion.objects.select_for_update().select_related("item_list").get(pk=version.pk)
    role = list_manage_role(actor, version.item_list)
    _require_draft(version)
    entry_append(
        actor=actor,
        role=role,
        action="catalog.version.discard",
        instance=version,
        before={"list": version.item_list.code, "number": version.number},
        **_audit_target(version.item_list),
    )
    LegalBasis.objects.filter(item__version=version).delete()
    LegalBasis.objects.filter(joint_item__version=version).delete()
    version.items.all().delete()
    version.joint_items.all().delete()
    version.categories.all().delete()
    version.delete()


# --- regulations ------------------------------------------------------------------------------


class RegulationCache:
    """Resolves cited titles to regulations during one import, creating missing ones (as
    `auto_created`, without articles) and remembering which were created."""

    def __init__(self) -> None:
        self.by_key: dict[str, Regulation] = {}
        self.created: list[str] = []

    def get(self, parsed: ParsedBasis) -> Regulation | None:
        if not parsed.title:
            return None
        key = short_title(parsed.title)
        if not key:
            return None
        if key not in self.by_key:
            regulation = Regulation.objects.filter(short_title=key).first()
            if regulation is None:
                regulation = Regulation(
                    title=parsed.title[:300],
                    short_title=key[:300],
                    doc_number=parsed.doc_number[:200],
                    auto_created=True,
                )
                regulation.full_clean()
                regulation.save()
                self.created.append(regulation.title)
            self.by_key[key] = regulation
        return self.by_key[key]


def _basis_rows(
    parsed: list[ParsedBasis], regulations: RegulationCache, **owner: Any
) -> list[LegalBasis]:
    return [
        LegalBasis(
            position=index,
            text=basis.text,
            regulation=regulations.get(basis),
            article_ref=basis.article_ref,
            article_numbers=basis.article_numbers,
            **owner,
        )
        for index, basis in enumerate(parsed, start=1)
    ]


def _methods(names: Iterable[str], cache: dict[str, InspectionMethod]) -> list[InspectionMethod]:
    result = []
    for name in names:
        if name not in cache:
            cache[name], _ = InspectionMethod.objects.get_or_create(name=name)
        result.append(cache[name])
    return result


# --- items ------------------------------------------------------------------------------------


@dataclass
class ItemData:
    """One item as read from a file or a form (the importer's record)."""

    row: int
    category_no: int
    category: str
    name: str
    kind: str
    methods: list[str]
    department: str = ""
    code: str = ""
    item_no: int = 0
    target: str = ""
    methods_text: str = ""
    subject: str = ""
    basis_text: str = ""
    content: str = ""
    standards: str = ""
    ratio: str = ""
    frequency: str = ""
    level: str = ""
    remark: str = ""
    bases: list[ParsedBasis] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ITEM_FIELDS}


@dataclass
class UpsertReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    created_codes: list[str] = field(default_factory=list)
    updated_codes: list[str] = field(default_factory=list)
    regulations_created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def items_upsert(
    *,
    actor: User | None,
    version: ListVersion,
    records: Iterable[ItemData],
    progress: Callable[[int], None] | None = None,
    source: str = "",
) -> UpsertReport:
    """Create or update the items of a draft by code (re-importing the same file changes
    nothing). Runs inside the caller's transaction (the import's)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("items_upsert must run inside a transaction")
    item_list = version.item_list
    role = list_manage_role(actor, item_list)
    _require_draft(version)
    report = UpsertReport()
    regulations = RegulationCache()
    method_cache: dict[str, InspectionMethod] = {}
    categories = {c.number: c for c in version.categories.all()}
    existing = {item.code: item for item in version.items.prefetch_related("methods", "bases")}
    for done, record in enumerate(records, start=1):
        category = categories.get(record.category_no)
        department = record.department or (
            item_list.department.name if item_list.department else ""
        )
        if category is None:
            category = Category(
                version=version,
                number=record.category_no,
                name=record.category,
                department_name=department,
            )
            category.full_clean()
            category.save()
            categories[record.category_no] = category
        elif (category.name, category.department_name) != (record.category, department) and (
            record.item_no == 1 or not category.name
        ):
            category.name, category.department_name = record.category, department
            category.save(update_fields=["name", "department_name"])
        code = record.code or f"{item_list.code}-{record.category_no}-{record.item_no}"
        values = record.values()
        methods = _methods(record.methods, method_cache)
        item = existing.get(code)
        if item is None:
            item = InspectionItem(
                version=version, category=category, code=code, position=record.item_no, **values
            )
            item.full_clean()
            item.save()
            item.methods.set(methods)
            LegalBasis.objects.bulk_create(_basis_rows(record.bases, regulations, item=item))
            existing[code] = item
            report.created += 1
            report.created_codes.append(code)
        else:
            before = {name: getattr(item, name) for name in ITEM_FIELDS}
            same = (
                before == values
                and item.category_id == category.pk
                and item.position == record.item_no
                and sorted(m.name for m in item.methods.all()) == sorted(m.name for m in methods)
                and [b.text for b in item.bases.all()] == [b.text for b in record.bases]
            )
            if same:
                report.unchanged += 1
            else:
                for name, value in values.items():
                    setattr(item, name, value)
                item.category = category
                item.position = record.item_no
                item.full_clean()
                item.save()
                item.methods.set(methods)
                item.bases.all().delete()
                LegalBasis.objects.bulk_create(_basis_rows(record.bases, regulations, item=item))
                report.updated += 1
                report.updated_codes.append(code)
        if progress and done % 200 == 0:
            progress(done)
    report.regulations_created = regulations.created
    if report.changed or report.regulations_created:
        entry_append(
            actor=actor,
            role=role,
            action="catalog.items.import",
            instance=version,
            after={
                "list": item_list.code,
                "version": version.number,
                "source": source,
                "created": report.created_codes,
                "updated": report.updated_codes,
                "regulations_created": report.regulations_created,
            },
            **_audit_target(item_list),
        )
    return report


def _get_draft_item(item: InspectionItem) -> InspectionItem:
    item = (
        InspectionItem.objects.select_for_update()
        .select_related("version", "version__item_list")
        .get(pk=item.pk)
    )
    _require_draft(item.version)
    return item


@transaction.atomic
def item_update(
    *, actor: User | None, item: InspectionItem, data: dict[str, Any]
) -> InspectionItem:
    """Edit one item of a draft. `data` holds ITEM_FIELDS values (methods and bases are parsed
    from methods_text and basis_text)."""
    item = _get_draft_item(item)
    role = list_manage_role(actor, item.version.item_list)
    before = snapshot(item, ITEM_FIELDS)
    for name in ITEM_FIELDS:
        if name in data:
            setattr(item, name, data[name])
    item.full_clean()
    item.save()
    item.methods.set(_methods(parse_methods(item.methods_text), {}))
    item.bases.all().delete()
    LegalBasis.objects.bulk_create(
        _basis_rows(split_bases(item.basis_text), RegulationCache(), item=item)
    )
    entry_append(
        actor=actor,
        role=role,
        action="catalog.item.update",
        instance=item,
        before=before,
        after=snapshot(item, ITEM_FIELDS),
        **_audit_target(item.version.item_list),
    )
    return item


@transaction.atomic
def item_delete(*, actor: User | None, item: InspectionItem) -> None:
    item = _get_draft_item(item)
    role = list_manage_role(actor, item.version.item_list)
    entry_append(
        actor=actor,
        role=role,
        action="catalog.item.delete",
        instance=item,
        before={"code": item.code, **snapshot(item, ITEM_FIELDS)},
        **_audit_target(item.version.item_list),
    )
    item.bases.all().delete()
    item.delete()


# --- joint items ------------------------------------------------------------------------------


@dataclass
class JointData:
    row: int
    number: int
    field: str
    name: str
    initiator_name: str
    code: str = ""
    target: str = ""
    cooperator_names: str = ""
    level: str = ""
    basis_text: str = ""
    content: str = ""
    remark: str = ""
    bases: list[ParsedBasis] = dataclasses.field(default_factory=list)

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in JOINT_FIELDS}


def _department_by_name(region_id: str, name: str) -> Department | None:
    """A platform department called `name` (full or short name), preferring the list's own
    region, then the regions around it (same city)."""
    name = name.strip()
    if not name:
        return None
    candidates = list(
        Department.objects.filter(region__code__startswith=region_id[:4]).filter(
            Q(name=name) | Q(short_name=name)
        )
    )
    exact = [d for d in candidates if d.region_id == region_id]
    found = exact or candidates
    return found[0] if found else None


def joint_items_upsert(
    *,
    actor: User | None,
    version: ListVersion,
    records: Iterable[JointData],
    progress: Callable[[int], None] | None = None,
    source: str = "",
) -> UpsertReport:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("joint_items_upsert must run inside a transaction")
    item_list = version.item_list
    role = list_manage_role(actor, item_list)
    _require_draft(version)
    report = UpsertReport()
    regulations = RegulationCache()
    existing = {j.code: j for j in version.joint_items.prefetch_related("bases", "cooperators")}
    region_id = item_list.region_id
    for done, record in enumerate(records, start=1):
        code = record.code or f"{item_list.code}-{record.number}"
        values = record.values()
        initiator = _department_by_name(region_id, record.initiator_name)
        cooperators = [
            d
            for d in (
                _department_by_name(region_id, n)
                for n in re.split(r"[、，,；;\s]+", record.cooperator_names)
            )
            if d is not None
        ]
        joint = existing.get(code)
        if joint is None:
            joint = JointItem(
                version=version, code=code, position=record.number, initiator=initiator, **values
            )
            joint.full_clean()
            joint.save()
            joint.cooperators.set(cooperators)
            LegalBasis.objects.bulk_create(_basis_rows(record.bases, regulations, joint_item=joint))
            existing[code] = joint
            report.created += 1
            report.created_codes.append(code)
        else:
            same = (
                {n: getattr(joint, n) for n in JOINT_FIELDS} == values
                and joint.position == record.number
                and joint.initiator_id == (initiator.pk if initiator else None)
                and {d.pk for d in joint.cooperators.all()} == {d.pk for d in cooperators}
                and [b.text for b in joint.bases.all()] == [b.text for b in record.bases]
            )
            if same:
                report.unchanged += 1
            else:
                for name, value in values.items():
                    setattr(joint, name, value)
                joint.position = record.number
                joint.initiator = initiator
                joint.full_clean()
                joint.save()
                joint.cooperators.set(cooperators)
                joint.bases.all().delete()
                LegalBasis.objects.bulk_create(
                    _basis_rows(record.bases, regulations, joint_item=joint)
                )
                report.updated += 1
                report.updated_codes.append(code)
        if progress and done % 200 == 0:
            progress(done)
    report.regulations_created = regulations.created
    if report.changed or report.regulations_created:
        entry_append(
            actor=actor,
            role=role,
            action="catalog.joint_items.import",
            instance=version,
            after={
                "list": item_list.code,
                "version": version.number,
                "source": source,
                "created": report.created_codes,
                "updated": report.updated_codes,
                "regulations_created": report.regulations_created,
            },
            **_audit_target(item_list),
        )
    return report


# --- regulation library -----------------------------------------------------------------------


@dataclass
class RegulationData:
    row: int
    title: str
    issuer: str = ""
    doc_number: str = ""
    level: str = ""
    effective_date: dt.date | None = None
    status: str = ""
    article_number: int | None = None
    article_text: str = ""


def regulations_upsert(
    *,
    actor: User | None,
    records: Iterable[RegulationData],
    progress: Callable[[int], None] | None = None,
) -> UpsertReport:
    """Create or update regulations (by short title) and their articles (by number). Metadata
    cells left empty keep what the library already holds. Counts are per row: a row is
    "created" when it adds a regulation or an article. Runs in the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("regulations_upsert must run inside a transaction")
    role = _regulation_role(actor)
    report = UpsertReport()
    for done, record in enumerate(records, start=1):
        created = updated = False
        key = short_title(record.title)
        regulation = Regulation.objects.filter(short_title=key).first()
        if regulation is None:
            regulation = Regulation(title=record.title, short_title=key)
            created = True
        before = snapshot(regulation, [*REGULATION_FIELDS, "auto_created"])
        if len(record.title) > len(regulation.title):
            regulation.title = record.title  # 消防法 (from a basis) → 中华人民共和国消防法
        for name in ("issuer", "doc_number", "level", "effective_date", "status"):
            value = getattr(record, name)
            if value:
                setattr(regulation, name, value)
        regulation.auto_created = False
        after = snapshot(regulation, [*REGULATION_FIELDS, "auto_created"])
        if created or before != after:
            regulation.full_clean()
            regulation.save()
            entry_append(
                actor=actor,
                role=role,
                action="regulation.create" if created else "regulation.update",
                instance=regulation,
                before=None if created else before,
                after=after,
            )
            updated = not created
        if record.article_number:
            article = Article.objects.filter(
                regulation=regulation, number=record.article_number
            ).first()
            if article is None:
                article = Article(
                    regulation=regulation, number=record.article_number, text=record.article_text
                )
                article.full_clean()
                article.save()
                created = True
                entry_append(
                    actor=actor,
                    role=role,
                    action="regulation.article.create",
                    instance=article,
                    after={"ref": article.ref, "text": article.text},
                )
            elif article.text != record.article_text:
                entry_append(
                    actor=actor,
                    role=role,
                    action="regulation.article.update",
                    instance=article,
                    before={"ref": article.ref, "text": article.text},
                    after={"ref": article.ref, "text": record.article_text},
                )
                article.text = record.article_text
                article.full_clean()
                article.save()
                updated = True
        if created:
            report.created += 1
            report.created_codes.append(record.title)
        elif updated:
            report.updated += 1
            report.updated_codes.append(record.title)
        else:
            report.unchanged += 1
        if progress and done % 500 == 0:
            progress(done)
    return report


@transaction.atomic
def regulation_update(
    *, actor: User | None, regulation: Regulation, data: dict[str, Any]
) -> Regulation:
    role = _regulation_role(actor)
    regulation = Regulation.objects.select_for_update().get(pk=regulation.pk)
    before = snapshot(regulation, REGULATION_FIELDS)
    for name in REGULATION_FIELDS:
        if name in data:
            setattr(regulation, name, data[name])
    regulation.short_title = short_title(regulation.title)
    regulation.auto_created = False
    regulation.full_clean()
    regulation.save()
    entry_append(
        actor=actor,
        role=role,
        action="regulation.update",
        instance=regulation,
        before=before,
        after=snapshot(regulation, REGULATION_FIELDS),
    )
    return regulation
