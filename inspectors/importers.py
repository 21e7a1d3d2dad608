"""Excel import of inspectors (kind "inspectors") and experts (kind "experts").

Departments are named as users write them (full name or short name) and looked up in the
importing user's own region; a row may only put people into a department the importer may
manage (inspector.manage). Inspectors are upserted by 执法证号, experts by (管理部门, 姓名,
工作单位), so re-importing a file changes nothing. For an existing record a blank cell keeps what
is stored: a file never wipes data by omission.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accounts.models import Department
from accounts.scope import Scope
from core.importing import Column, CommitReport, Importer, RowError, RowRejected, cell_text
from core.tabular import clean_code, parse_date
from registry.models import Tag

from . import services
from .models import (
    CertificateType,
    Expert,
    ExpertStatus,
    Gender,
    Inspector,
    InspectorCertificate,
    InspectorStatus,
)
from .selectors import inspector_status_on
from .validation import normalise_certificate_no, normalise_id_number, normalise_phone

SEPARATORS = re.compile(r"[、,，;；/\s]+")
GENDER_BY_LABEL = {label: value for value, label in Gender.choices}
STATUS_BY_LABEL = {label: value for value, label in InspectorStatus.choices}
EXPERT_STATUS_BY_LABEL = {label: value for value, label in ExpertStatus.choices}
CERT_TYPE_BY_LABEL = {label: value for value, label in CertificateType.choices}
IMPORT_REASON = "批量导入"


class _Lookups:
    """Per-import caches: departments of the importer's region and the specialty tags."""

    def __init__(self, importer: Importer):
        self.actor = importer.context.actor
        self.scope = Scope.of(self.actor)
        self.region_code = self.actor.department.region_id if self.actor.department else ""
        self._departments: dict[str, Department | None] = {}
        self._tags: dict[str, list[Tag]] | None = None

    def department(self, text: str) -> Department | None:
        if text not in self._departments:
            self._departments[text] = (
                Department.objects.filter(region_id=self.region_code, is_active=True)
                .filter(Q(name=text) | Q(short_name=text))
                .select_related("region")
                .first()
            )
        return self._departments[text]

    def can_manage(self, department: Department) -> bool:
        return self.scope.can(services.MANAGE, department)

    def tags(self) -> dict[str, list[Tag]]:
        if self._tags is None:
            self._tags = {}
            for tag in Tag.objects.filter(
                category__applies_to_inspectors=True, is_active=True
            ).select_related("category"):
                for key in {tag.name, tag.code}:
                    self._tags.setdefault(key, []).append(tag)
        return self._tags


def _resolve_department(
    lookups: _Lookups, text: str, row: int, header: str, errors: list[RowError]
) -> Department | None:
    if not text:
        department = lookups.actor.department
        if department is None or not lookups.can_manage(department):
            errors.append(RowError(row, header, f"请填写{header}"))
            return None
        return department
    department = lookups.department(text)
    if department is None:
        errors.append(
            RowError(row, header, f"“{text}”不是本级行政区划内的部门，请填写部门全称或简称")
        )
        return None
    if not lookups.can_manage(department):
        errors.append(
            RowError(
                row,
                header,
                f"无权在“{department.name}”登记人员：只能导入本人有管理权限的部门",
            )
        )
        return None
    return department


def _resolve_tags(
    lookups: _Lookups, text: str, row: int, header: str, errors: list[RowError]
) -> tuple[int, ...] | None:
    if not text:
        return None
    names = [n for n in SEPARATORS.split(text) if n]
    tags = lookups.tags()
    ids: list[int] = []
    unknown, ambiguous = [], []
    for name in names:
        found = tags.get(name, [])
        if not found:
            unknown.append(name)
        elif len({t.pk for t in found}) > 1:
            ambiguous.append(name)
        else:
            ids.append(found[0].pk)
    if unknown:
        available = sorted({t.name for group in tags.values() for t in group})
        hint = (
            f"可选：{'、'.join(available[:30])}"
            if available
            else "分类标签库中还没有人员专业领域标签"
        )
        errors.append(
            RowError(row, header, f"“{'、'.join(unknown)}”不在分类标签库的专业领域中（{hint}）")
        )
    if ambiguous:
        errors.append(
            RowError(row, header, f"“{'、'.join(ambiguous)}”在多个分类中重名，请改用标签编码")
        )
    return tuple(sorted(set(ids)))


def _date(
    values: dict[str, Any], key: str, header: str, row: int, errors: list[RowError]
) -> dt.date | None:
    value = values.get(key)
    try:
        return parse_date(cell_text(values, key) or None if isinstance(value, str) else value)
    except ValueError as exc:
        errors.append(RowError(row, header, str(exc)))
        return None


def _choice(
    text: str, mapping: dict[str, str], header: str, row: int, errors: list[RowError]
) -> str:
    if not text:
        return ""
    if text in mapping:
        return mapping[text]
    errors.append(
        RowError(row, header, f"“{text}”不是有效的{header}（可选：{'、'.join(mapping)}）")
    )
    return ""


# --- inspectors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectorRow:
    row: int
    department_id: int
    department_name: str
    name: str
    certificate_no: str
    values: tuple[tuple[str, Any], ...]  # optional fields given in the file (non-blank)
    specialty_ids: tuple[int, ...] | None
    status: str

    def given(self) -> dict[str, Any]:
        return dict(self.values)


class InspectorImporter(Importer):
    kind = "inspectors"
    label = "执法检查人员"
    permission = "inspector.manage"
    columns = [
        Column("姓名", "name", required=True, example="王海燕"),
        Column(
            "所属部门",
            "department",
            help="本级行政区划内的部门全称或简称；不填则为导入人所在部门",
            example="宽城满族自治县市场监督管理局",
            aliases=("执法单位", "所在部门", "所在单位", "工作单位", "部门"),
        ),
        Column("性别", "gender", help="男 或 女", example="女"),
        Column("职务", "post", example="副所长", aliases=("职务职级", "职级")),
        Column(
            "执法证号",
            "certificate_no",
            required=True,
            help="执法证件号码，唯一；已存在的号码按本行更新",
            example="13082720190012",
            aliases=("执法证件号", "执法证件号码", "执法证编号", "执法证件编号"),
        ),
        Column(
            "证件类型",
            "certificate_type",
            help="可选：" + "、".join(CERT_TYPE_BY_LABEL) + "；不填为行政执法证",
            example="行政执法证",
        ),
        Column("执法门类", "law_field", example="市场监管", aliases=("执法领域", "执法类别")),
        Column("发证机关", "authority", example="河北省人民政府", aliases=("发证单位",)),
        Column(
            "证件有效期起",
            "valid_from",
            help="日期，如 2021-01-01",
            example="2021-01-01",
            aliases=("发证日期", "有效期起"),
        ),
        Column(
            "证件有效期至",
            "valid_to",
            help="日期；过期后不再参与抽取",
            example="2027-12-31",
            aliases=("有效期至", "有效期截止", "证件有效期", "有效期限"),
        ),
        Column(
            "专业特长",
            "specialties",
            help="分类标签库中专业领域标签的名称，多个用顿号或逗号分隔",
            example="食品安全、特种设备",
            aliases=("专业领域", "专长", "特长"),
        ),
        Column(
            "状态",
            "status",
            help="可选：" + "、".join(STATUS_BY_LABEL) + "；新增人员不填为在岗",
            example="在岗",
            aliases=("人员状态", "在岗状态"),
        ),
        Column(
            "联系电话",
            "phone",
            example="13903141234",
            aliases=("手机号", "手机号码", "电话", "联系方式"),
        ),
        Column(
            "身份证号",
            "id_number",
            help="18 位居民身份证号码，可不填",
            aliases=("身份证号码", "公民身份号码", "身份证"),
        ),
        Column("备注", "note"),
    ]

    def __init__(self, context):
        super().__init__(context)
        self.lookups = _Lookups(self)

    def parse_row(self, values: dict[str, Any], row: int) -> InspectorRow:
        errors: list[RowError] = []
        name = cell_text(values, "name")
        if not name:
            errors.append(RowError(row, "姓名", "姓名不能为空"))
        elif len(name) > 64:
            errors.append(RowError(row, "姓名", "姓名过长，不能超过 64 字"))
        department = _resolve_department(
            self.lookups, cell_text(values, "department"), row, "所属部门", errors
        )
        number = ""
        try:
            number = normalise_certificate_no(values.get("certificate_no"))
        except ValueError as exc:
            errors.append(RowError(row, "执法证号", str(exc)))
        if number:
            self._check_owner(number, row, errors)
        given: dict[str, Any] = {}
        for key, header in (("post", "职务"), ("law_field", "执法门类"), ("authority", "发证机关")):
            text = cell_text(values, key)
            if len(text) > (100 if key == "authority" else 64):
                errors.append(RowError(row, header, f"{header}过长"))
            elif text:
                given[key] = text
        note = cell_text(values, "note")
        if note:
            given["note"] = note[:255]
        gender = _choice(cell_text(values, "gender"), GENDER_BY_LABEL, "性别", row, errors)
        if gender:
            given["gender"] = gender
        cert_type = _choice(
            cell_text(values, "certificate_type"), CERT_TYPE_BY_LABEL, "证件类型", row, errors
        )
        if cert_type:
            given["certificate_type"] = cert_type
        valid_from = _date(values, "valid_from", "证件有效期起", row, errors)
        valid_to = _date(values, "valid_to", "证件有效期至", row, errors)
        if valid_from and valid_to and valid_to < valid_from:
            errors.append(RowError(row, "证件有效期至", "有效期至不能早于有效期起"))
        if valid_from:
            given["valid_from"] = valid_from
        if valid_to:
            given["valid_to"] = valid_to
        for key, header, normalise in (
            ("phone", "联系电话", normalise_phone),
            ("id_number", "身份证号", normalise_id_number),
        ):
            try:
                value = normalise(values.get(key))
            except ValueError as exc:
                errors.append(RowError(row, header, str(exc)))
            else:
                if value:
                    given[key] = value
        status = _choice(cell_text(values, "status"), STATUS_BY_LABEL, "状态", row, errors)
        tags = _resolve_tags(
            self.lookups, cell_text(values, "specialties"), row, "专业特长", errors
        )
        if errors:
            raise RowRejected(errors)
        assert department is not None
        return InspectorRow(
            row=row,
            department_id=department.pk,
            department_name=department.name,
            name=name,
            certificate_no=number,
            values=tuple(sorted(given.items())),
            specialty_ids=tags,
            status=status,
        )

    def _check_owner(self, number: str, row: int, errors: list[RowError]) -> None:
        existing = Inspector.objects.filter(certificate_no=number).select_related("department")
        current = existing.first()
        if current is not None and not self.lookups.can_manage(current.department):
            errors.append(
                RowError(
                    row, "执法证号", f"执法证号 {number} 已由其他部门登记，不能通过本次导入修改"
                )
            )
            return
        retired = (
            InspectorCertificate.objects.filter(certificate_no=number)
            .exclude(inspector__certificate_no=number)
            .first()
        )
        if retired is not None:
            errors.append(
                RowError(row, "执法证号", f"执法证号 {number} 是已换发的旧证号，请填写现用证号")
            )

    def check_file(self, records: Iterator[tuple[int, Any]]) -> Iterator[RowError]:
        seen: dict[str, int] = {}
        errors = []
        for number, record in records:
            first = seen.setdefault(record.certificate_no, number)
            if first != number:
                errors.append(RowError(number, "执法证号", f"执法证号与第 {first} 行重复"))
        return iter(errors)

    def preview_row(self, record: InspectorRow) -> dict[str, Any]:
        given = record.given()
        return {
            "姓名": record.name,
            "所属部门": record.department_name,
            "执法证号": record.certificate_no,
            "证件有效期至": given["valid_to"].isoformat() if "valid_to" in given else "",
            "状态": InspectorStatus(record.status).label if record.status else "",
        }

    def commit(
        self, records: Iterator[InspectorRow], progress: Callable[[int], None]
    ) -> CommitReport:
        actor = self.context.actor
        report = CommitReport()
        today = timezone.localdate()
        departments: dict[int, Department] = {}
        for done, record in enumerate(records, start=1):
            department = departments.get(record.department_id)
            if department is None:
                department = Department.objects.get(pk=record.department_id)
                departments[department.pk] = department
            given = record.given()
            authority = given.pop("authority", None)
            if authority is not None:
                given["certificate_authority"] = authority
            existing = Inspector.objects.filter(certificate_no=record.certificate_no).first()
            if existing is None:
                services.inspector_create(
                    actor=actor,
                    department=department,
                    name=record.name,
                    certificate_no=record.certificate_no,
                    specialties=record.specialty_ids or (),
                    status=record.status or InspectorStatus.ON_DUTY,
                    **given,
                )
                report.created += 1
            else:
                changes: dict[str, Any] = {"name": record.name, "department": department, **given}
                if record.specialty_ids is not None:
                    changes["specialties"] = record.specialty_ids
                _, changed = services.inspector_update(
                    actor=actor, inspector=existing, reason=IMPORT_REASON, **changes
                )
                if record.status and inspector_status_on(existing, today) != record.status:
                    services.inspector_status_change(
                        actor=actor,
                        inspector=existing,
                        status=record.status,
                        effective_from=today,
                        reason=IMPORT_REASON,
                    )
                    changed = True
                if changed:
                    report.updated += 1
                else:
                    report.unchanged += 1
            progress(done)
        return report


# --- experts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertRow:
    row: int
    department_id: int
    department_name: str
    name: str
    organisation: str
    values: tuple[tuple[str, Any], ...]
    specialty_ids: tuple[int, ...] | None

    def given(self) -> dict[str, Any]:
        return dict(self.values)


class ExpertImporter(Importer):
    kind = "experts"
    label = "专家"
    permission = "inspector.manage"
    columns = [
        Column("姓名", "name", required=True, example="李建民"),
        Column(
            "工作单位",
            "organisation",
            required=True,
            help="与姓名一起识别同一位专家；重复导入按此更新",
            example="承德市特种设备检验所",
            aliases=("单位", "所在单位", "单位名称"),
        ),
        Column(
            "管理部门",
            "department",
            help="本级行政区划内的部门全称或简称；不填则为导入人所在部门",
            example="宽城满族自治县市场监督管理局",
            aliases=("所属部门", "维护部门"),
        ),
        Column("职称/职务", "title", example="高级工程师", aliases=("职称", "职务")),
        Column("专业资格", "qualification", example="特种设备检验师", aliases=("执业资格", "资格")),
        Column("资格证书编号", "certificate_no", aliases=("证书编号", "资格证号")),
        Column(
            "专业领域",
            "specialties",
            help="分类标签库中专业领域标签的名称，多个用顿号或逗号分隔",
            example="特种设备",
            aliases=("专业特长", "专业", "专长"),
        ),
        Column("联系电话", "phone", example="13803141234", aliases=("手机号", "手机号码", "电话")),
        Column("状态", "status", help="可选：" + "、".join(EXPERT_STATUS_BY_LABEL), example="在库"),
        Column("备注", "note"),
    ]

    def __init__(self, context):
        super().__init__(context)
        self.lookups = _Lookups(self)

    def parse_row(self, values: dict[str, Any], row: int) -> ExpertRow:
        errors: list[RowError] = []
        name = cell_text(values, "name")
        organisation = cell_text(values, "organisation")
        if not name:
            errors.append(RowError(row, "姓名", "姓名不能为空"))
        elif len(name) > 64:
            errors.append(RowError(row, "姓名", "姓名过长，不能超过 64 字"))
        if not organisation:
            errors.append(RowError(row, "工作单位", "工作单位不能为空"))
        elif len(organisation) > 200:
            errors.append(RowError(row, "工作单位", "工作单位过长，不能超过 200 字"))
        department = _resolve_department(
            self.lookups, cell_text(values, "department"), row, "管理部门", errors
        )
        given: dict[str, Any] = {}
        for key, header, limit in (
            ("title", "职称/职务", 64),
            ("qualification", "专业资格", 200),
            ("note", "备注", 255),
        ):
            text = cell_text(values, key)
            if len(text) > limit:
                errors.append(RowError(row, header, f"{header}过长，不能超过 {limit} 字"))
            elif text:
                given[key] = text
        certificate = clean_code(values.get("certificate_no"))
        if len(certificate) > 64:
            errors.append(RowError(row, "资格证书编号", "资格证书编号过长"))
        elif certificate:
            given["certificate_no"] = certificate
        try:
            phone = normalise_phone(values.get("phone"))
        except ValueError as exc:
            errors.append(RowError(row, "联系电话", str(exc)))
        else:
            if phone:
                given["phone"] = phone
        status = _choice(cell_text(values, "status"), EXPERT_STATUS_BY_LABEL, "状态", row, errors)
        if status:
            given["status"] = status
        tags = _resolve_tags(
            self.lookups, cell_text(values, "specialties"), row, "专业领域", errors
        )
        if errors:
            raise RowRejected(errors)
        assert department is not None
        return ExpertRow(
            row=row,
            department_id=department.pk,
            department_name=department.name,
            name=name,
            organisation=organisation,
            values=tuple(sorted(given.items())),
            specialty_ids=tags,
        )

    def check_file(self, records: Iterator[tuple[int, Any]]) -> Iterator[RowError]:
        seen: dict[tuple[int, str, str], int] = {}
        errors = []
        for number, record in records:
            key = (record.department_id, record.name, record.organisation)
            first = seen.setdefault(key, number)
            if first != number:
                errors.append(
                    RowError(number, "姓名", f"与第 {first} 行是同一位专家（姓名、工作单位相同）")
                )
        return iter(errors)

    def preview_row(self, record: ExpertRow) -> dict[str, Any]:
        return {
            "姓名": record.name,
            "工作单位": record.organisation,
            "管理部门": record.department_name,
            "专业资格": record.given().get("qualification", ""),
        }

    def commit(self, records: Iterator[ExpertRow], progress: Callable[[int], None]) -> CommitReport:
        actor = self.context.actor
        report = CommitReport()
        for done, record in enumerate(records, start=1):
            department = Department.objects.get(pk=record.department_id)
            given = record.given()
            existing = Expert.objects.filter(
                department=department, name=record.name, organisation=record.organisation
            ).first()
            if existing is None:
                services.expert_create(
                    actor=actor,
                    department=department,
                    name=record.name,
                    organisation=record.organisation,
                    specialties=record.specialty_ids or (),
                    **given,
                )
                report.created += 1
            else:
                if record.specialty_ids is not None:
                    given["specialties"] = record.specialty_ids
                _, changed = services.expert_update(actor=actor, expert=existing, **given)
                if changed:
                    report.updated += 1
                else:
                    report.unchanged += 1
            progress(done)
        return report
