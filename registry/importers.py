"""EntityImporter: 检查对象 from .xlsx / .xls / .csv exports of other systems.

Reads Chinese headers and the aliases other systems use; copes with legacy .xls quirks (codes
and phones as floats, dates as serial numbers, an empty USCC column with only a 15-digit 注册号).
Upserts by natural key — the USCC, else the 注册号 — so importing the same file again changes
nothing. Blank cells never erase what the registry already knows.

Commit is built for a million rows: records are written in batches of BATCH with one query per
batch to find existing entities, bulk_create / bulk_update, no per-row queries and no per-row
audit entries (the framework writes one audit entry per commit); each created or changed entity
gets one EntityChange row (bulk) naming the import job, which the entity's history page shows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Department
from accounts.scope import Scope
from core.importing import Column, CommitReport, Importer, RowError, RowRejected
from core.tabular import clean_code, clean_text, parse_date
from regions.models import Region

from .identifiers import id_number_error, phone_error, reg_no_error, uscc_error
from .models import (
    INDUSTRY_SECTIONS,
    ChangeSource,
    Entity,
    EntityChange,
    EntityFlag,
    EntityGrade,
    EntityStatus,
    EntityTag,
    EntityType,
    FlagKind,
    GradeLevel,
    GradingScheme,
    Tag,
)

BATCH = 5000

STATUS_WORDS: list[tuple[str, str]] = [
    # checked in order; the first word found in the cell decides ("吊销，未注销" is 吊销)
    ("吊销", EntityStatus.REVOKED),
    ("注销", EntityStatus.CANCELLED),
    ("撤销", EntityStatus.WITHDRAWN),
    ("迁出", EntityStatus.MOVED_OUT),
    ("停业", EntityStatus.SUSPENDED),
    ("歇业", EntityStatus.SUSPENDED),
    ("存续", EntityStatus.ACTIVE),
    ("在业", EntityStatus.ACTIVE),
    ("在营", EntityStatus.ACTIVE),
    ("开业", EntityStatus.ACTIVE),
    ("在册", EntityStatus.ACTIVE),
    ("正常", EntityStatus.ACTIVE),
]
TYPE_WORDS: list[tuple[str, str]] = [
    ("个体", EntityType.INDIVIDUAL),
    ("合作社", EntityType.COOPERATIVE),
    ("事业单位", EntityType.INSTITUTION),
    ("社会组织", EntityType.SOCIAL_ORG),
    ("社会团体", EntityType.SOCIAL_ORG),
    ("民办非企业", EntityType.SOCIAL_ORG),
    ("公司", EntityType.COMPANY),
    ("企业", EntityType.COMPANY),
    ("分支机构", EntityType.COMPANY),
    ("其他", EntityType.OTHER),
]
_SECTION_BY_NAME = {name: code for code, name in INDUSTRY_SECTIONS.items()}
_SPLIT = re.compile(r"[,，、;；/\s]+")
_GRADE = re.compile(r"([A-Za-z0-9]{1,8})\s*[级类]?")
_SECTION = re.compile(r"([A-T])(?:[\s.、:：\-]+(.*))?")
MAX = {"name": 200, "representative": 64, "address": 255, "industry_detail": 100}
ENTITY_IMPORT_FIELDS = [
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
    "region_id",
    "registered_on",
    "status",
]


def _text(value: Any) -> str:
    """clean_text with a fast path for the common cell that needs no cleaning (same result)."""
    if (
        type(value) is str
        and value.isprintable()
        and "  " not in value
        and "_x00" not in value
        and value == value.strip()
    ):
        return value
    return clean_text(value)


def _code(value: Any) -> str:
    """clean_code with a fast path for plain ASCII codes (same result)."""
    if type(value) is str and value.isascii() and value.isalnum() and "e" not in value.lower():
        return value.upper()
    return clean_code(value)


@dataclass(slots=True, eq=False)  # identity hash: records key dicts during commit
class EntityRecord:
    row: int
    uscc: str
    reg_no: str
    name: str
    entity_type: str  # "" = not given (new entities infer it from the key)
    industry_code: str
    industry_detail: str
    representative: str
    id_number: str
    phone: str
    address: str
    region_id: str
    registered_on: dt.date | None
    status: str
    grade_level_id: int | None = None
    tag_ids: tuple[int, ...] = ()
    department_ids: tuple[int, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def infer_type(uscc: str, reg_no: str) -> str:
    """个体工商户 / 农民专业合作社 / 企业 from the USCC's category digit (92/93/91) or the
    注册号's first sequence digit (6–9 = 个体工商户)."""
    if uscc[:1] == "9":
        return {
            "2": EntityType.INDIVIDUAL,
            "3": EntityType.COOPERATIVE,
        }.get(uscc[1:2], EntityType.COMPANY)
    if uscc[:1] in {"1", "5"}:
        return EntityType.INSTITUTION if uscc[:1] == "1" else EntityType.SOCIAL_ORG
    if reg_no:
        return EntityType.INDIVIDUAL if reg_no[6] in "6789" else EntityType.COMPANY
    return EntityType.COMPANY


class EntityImporter(Importer):
    kind = "entities"
    label = "检查对象"
    permission = "entity.manage"
    columns: ClassVar[list[Column]] = [
        Column(
            "统一社会信用代码",
            "uscc",
            help="18 位，系统按 GB 32100 核对校验位；没有统一社会信用代码的填写注册号",
            example="92130827MA0A0TK21N",
            aliases=("信用代码", "社会信用代码", "统一代码", "统一社会信用代码/注册号"),
        ),
        Column(
            "注册号",
            "reg_no",
            help="15 位工商注册号（旧营业执照），核对校验位；与统一社会信用代码至少填一项",
            example="130827600012345",
            aliases=("工商注册号", "营业执照注册号", "注册号码"),
        ),
        Column(
            "企业名称",
            "name",
            required=True,
            help="检查对象名称",
            example="宽城县龙须门镇鑫源网吧",
            aliases=("主体名称", "名称", "单位名称", "市场主体名称", "企业（机构）名称"),
        ),
        Column(
            "主体类型",
            "entity_type",
            help="企业、个体工商户、农民专业合作社、事业单位、社会组织、其他；留空按代码推断",
            example="个体工商户",
            aliases=("企业类型", "市场主体类型", "类型", "组织形式"),
        ),
        Column(
            "行业",
            "industry",
            help="国民经济行业分类门类字母或名称（如 R 或 文化、体育和娱乐业），可在后面写细类",
            example="R 互联网上网服务",
            aliases=("行业类别", "行业门类", "所属行业", "行业分类"),
        ),
        Column(
            "法定代表人",
            "representative",
            help="法定代表人、负责人或个体工商户经营者姓名",
            example="张三",
            aliases=(
                "经营者",
                "法定代表人/经营者",
                "法定代表人（经营者）",
                "法定代表人（负责人）",
                "负责人",
                "经营者姓名",
            ),
        ),
        Column(
            "证件号码",
            "id_number",
            help="法定代表人（经营者）身份证号码，仅有权限的人员可见",
            aliases=("身份证号", "身份证号码", "法定代表人身份证号", "经营者身份证号"),
        ),
        Column(
            "成立日期",
            "registered_on",
            help="如 2019-05-01、2019/5/1、2019年5月1日",
            example="2019-05-01",
            aliases=("注册日期", "登记日期", "成立时间"),
        ),
        Column(
            "登记状态",
            "status",
            help="存续（在业）、停业、注销、吊销、撤销、迁出；留空为存续",
            example="存续",
            aliases=("经营状态", "状态", "企业状态"),
        ),
        Column(
            "住所",
            "address",
            help="住所或经营场所",
            example="宽城县龙须门镇龙须门村",
            aliases=("经营场所", "住所/经营场所", "地址", "注册地址", "经营地址"),
        ),
        Column(
            "联系电话",
            "phone",
            help="仅有权限的人员可见",
            example="13800000000",
            aliases=("电话", "手机号", "手机号码", "联系方式"),
        ),
        Column(
            "所属区域",
            "region",
            help="乡镇（街道）名称或区划代码（9 位或 12 位）；留空为本部门所在区划",
            example="龙须门镇",
            aliases=("区划代码", "乡镇名称", "所属乡镇", "所在乡镇", "属地", "行政区划"),
        ),
        Column(
            "监管部门",
            "departments",
            help="部门名称或简称，多个用顿号分隔",
            example="县市场监督管理局、县旅游和文化广电局",
            aliases=("管辖单位", "监管单位", "主管部门"),
        ),
        Column(
            "信用等级",
            "grade",
            help="默认分类方案的等级（如 A–E），导入日起生效",
            example="B",
            aliases=("信用风险等级", "风险等级", "信用风险分类", "分类结果"),
        ),
        Column(
            "标签",
            "tags",
            help="分类标签库中的标签名称或编码，多个用顿号分隔；导入只增加标签，不移除",
            example="互联网上网服务营业场所",
            aliases=("分类标签",),
        ),
    ]

    # --- lookups, loaded once per importer -----------------------------------------------
    _lookups: dict[str, Any] | None = None

    def lookups(self) -> dict[str, Any]:
        if self._lookups is not None:
            return self._lookups
        actor = self.context.actor
        scope = Scope.of(actor)
        base = actor.department.region_id if actor.department else ""
        regions = Region.objects.filter(code__startswith=base) if base else Region.objects.all()
        writable: dict[str, str] = {}
        by_name: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        for region in regions.only("code", "name"):
            names[region.code] = region.name
            if scope.role_for_region("entity.manage", region.code) is not None:
                writable[region.code] = region.name
                by_name.setdefault(region.name, []).append(region.code)
        scheme = GradingScheme.objects.filter(is_default=True).first()
        levels = (
            {level.code.upper(): level.pk for level in GradeLevel.objects.filter(scheme=scheme)}
            if scheme
            else {}
        )
        tags: dict[str, int] = {}
        for tag in Tag.objects.filter(is_active=True, category__applies_to_entities=True):
            tags[tag.name] = tag.pk
            tags[tag.code] = tag.pk
        departments: dict[str, int] = {}
        for department in Department.objects.filter(
            scope.departments_q("department.view", path=None), is_active=True
        ):
            departments[department.name] = department.pk
            if department.short_name:
                departments.setdefault(department.short_name, department.pk)
        self._lookups = {
            "writable": writable,
            "by_name": by_name,
            "names": names,
            "default_region": base if base in writable else "",
            "scheme": scheme,
            "levels": levels,
            "tags": tags,
            "departments": departments,
            "today": timezone.localdate(),
        }
        return self._lookups

    # --- one row -----------------------------------------------------------------------------
    def parse_row(self, values: dict[str, Any], row: int) -> EntityRecord:
        L = self.lookups()
        errors: list[RowError] = []

        def error(key: str, message: str) -> None:
            errors.append(RowError(row, self.column_header(key), message))

        uscc = _code(values.get("uscc"))
        reg_no = _code(values.get("reg_no"))
        if len(uscc) == 15 and uscc.isdigit() and not reg_no:
            uscc, reg_no = "", uscc  # a 注册号 in a combined "代码/注册号" column
        if uscc and (message := uscc_error(uscc)):
            error("uscc", message)
        if reg_no and (message := reg_no_error(reg_no)):
            error("reg_no", message)
        if not uscc and not reg_no:
            error("uscc", "统一社会信用代码和注册号至少填写一项")

        name = _text(values.get("name"))
        if not name:
            error("name", "企业名称不能为空")

        entity_type = ""
        raw_type = _text(values.get("entity_type"))
        if raw_type:
            entity_type = next((t for word, t in TYPE_WORDS if word in raw_type), "")
            if not entity_type:
                error(
                    "entity_type",
                    f"“{raw_type}”不是有效的主体类型（可填 企业、个体工商户、农民专业合作社、"
                    "事业单位、社会组织、其他）",
                )

        industry_code, industry_detail = "", ""
        raw_industry = _text(values.get("industry"))
        if raw_industry:
            match = _SECTION.fullmatch(raw_industry)
            if match:
                industry_code, industry_detail = match.group(1), (match.group(2) or "").strip()
                if industry_detail == INDUSTRY_SECTIONS[industry_code]:
                    industry_detail = ""
            elif raw_industry in _SECTION_BY_NAME:
                industry_code = _SECTION_BY_NAME[raw_industry]
            else:
                industry_detail = raw_industry

        representative = _text(values.get("representative"))
        id_number = _code(values.get("id_number"))
        if id_number and (message := id_number_error(id_number)):
            error("id_number", message)
        phone = _code(values.get("phone"))
        if phone and (message := phone_error(phone)):
            error("phone", message)
        address = _text(values.get("address"))
        for key, text in (
            ("name", name),
            ("representative", representative),
            ("address", address),
            ("industry", industry_detail),
        ):
            limit = MAX["industry_detail" if key == "industry" else key]
            if len(text) > limit:
                error(key, f"内容过长：不能超过 {limit} 个字（现有 {len(text)} 个字）")

        registered_on = None
        try:
            registered_on = parse_date(values.get("registered_on"))
        except ValueError as exc:
            error("registered_on", str(exc))
        else:
            if registered_on is not None and registered_on > L["today"]:
                error("registered_on", f"成立日期 {registered_on:%Y-%m-%d} 晚于今天")

        status = ""
        raw_status = _text(values.get("status"))
        if raw_status:
            status = next((s for word, s in STATUS_WORDS if word in raw_status), "")
            if not status:
                error(
                    "status",
                    f"“{raw_status}”不是有效的登记状态（可填 存续、停业、注销、吊销、撤销、迁出）",
                )

        region_id = self._region(values.get("region"), L, error)

        grade_level_id = None
        raw_grade = _text(values.get("grade"))
        if raw_grade:
            match = _GRADE.fullmatch(raw_grade)
            grade_level_id = L["levels"].get(match.group(1).upper()) if match else None
            if grade_level_id is None:
                scheme = L["scheme"]
                allowed = "、".join(L["levels"]) or "（未设置默认分类方案）"
                error(
                    "grade",
                    f"“{raw_grade}”不是{scheme.name if scheme else '默认分类方案'}的等级"
                    f"（可填 {allowed}）",
                )

        tag_ids: list[int] = []
        for word in _SPLIT.split(_text(values.get("tags"))):
            if word:
                tag_id = L["tags"].get(word)
                if tag_id is None:
                    error("tags", f"分类标签库中没有标签“{word}”")
                elif tag_id not in tag_ids:
                    tag_ids.append(tag_id)
        department_ids: list[int] = []
        for word in re.split(r"[,，、;；\s]+", _text(values.get("departments"))):
            if word:
                department_id = L["departments"].get(word)
                if department_id is None:
                    error("departments", f"找不到部门“{word}”（请填写本级或下级部门的名称或简称）")
                elif department_id not in department_ids:
                    department_ids.append(department_id)

        if errors:
            raise RowRejected(errors)
        return EntityRecord(
            row=row,
            uscc=uscc,
            reg_no=reg_no,
            name=name,
            entity_type=entity_type,
            industry_code=industry_code,
            industry_detail=industry_detail,
            representative=representative,
            id_number=id_number,
            phone=phone,
            address=address,
            region_id=region_id,
            registered_on=registered_on,
            status=status,
            grade_level_id=grade_level_id,
            tag_ids=tuple(tag_ids),
            department_ids=tuple(department_ids),
        )

    def _region(self, raw: Any, L: dict[str, Any], error: Callable[[str, str], None]) -> str:
        text = clean_text(raw)
        if not text:
            if not L["default_region"]:
                error("region", "请填写所属区域（乡镇名称或区划代码）")
            return str(L["default_region"])
        code = clean_code(raw)
        if code.isdigit():
            if len(code) == 12:  # statistical 12-digit code: 130827101000 → 130827101
                code = code[:9] if code[9:] == "000" else code
                code = code[:6] if code[6:] == "000" else code
            if code in L["writable"]:
                return code
            if code not in L["names"]:
                other = Region.objects.filter(code=code).values_list("name", flat=True).first()
                L["names"][code] = other  # None: unknown (cached for the rest of the file)
            if L["names"][code]:
                error("region", f"无权导入“{L['names'][code]}”（{code}）的检查对象")
            else:
                error("region", f"未知的区划代码“{code}”")
            return ""
        candidates = L["by_name"].get(text, [])
        if not candidates:
            for name, codes in L["by_name"].items():
                if text.endswith(name) and len(name) >= 2:
                    candidates = codes
                    break
        if len(candidates) == 1:
            return str(candidates[0])
        if len(candidates) > 1:
            error("region", f"“{text}”对应多个区划（{'、'.join(candidates)}），请填写区划代码")
        else:
            error("region", f"未知的区域“{text}”（请填写本县的乡镇名称或区划代码）")
        return ""

    # --- the whole file --------------------------------------------------------------------
    def check_file(self, records: Iterator[tuple[int, Any]]) -> Iterator[RowError]:
        """Duplicate keys inside the file (both rows named), and rows whose entity already
        exists in a region the uploader may not change."""
        seen_uscc: dict[str, int] = {}
        seen_reg: dict[str, int] = {}
        L = self.lookups()
        uscc_header, reg_header = self.column_header("uscc"), self.column_header("reg_no")
        while True:
            batch = list(islice(records, BATCH))
            if not batch:
                return
            for number, record in batch:
                if record.uscc:
                    first = seen_uscc.setdefault(record.uscc, number)
                    if first != number:
                        yield RowError(
                            number,
                            uscc_header,
                            f"统一社会信用代码“{record.uscc}”与第 {first} 行重复"
                            f"（第 {first} 行和第 {number} 行是同一检查对象，请合并为一行）",
                        )
                if record.reg_no:
                    first = seen_reg.setdefault(record.reg_no, number)
                    if first != number:
                        yield RowError(
                            number,
                            reg_header,
                            f"注册号“{record.reg_no}”与第 {first} 行重复"
                            f"（第 {first} 行和第 {number} 行是同一检查对象，请合并为一行）",
                        )
            records_only = [r for _n, r in batch]
            for record, entity in _match_existing(records_only).items():
                if entity.region_id not in L["writable"]:
                    yield RowError(
                        record.row,
                        uscc_header if record.uscc else reg_header,
                        f"该检查对象已登记在“{entity.region_id}”，不属于本单位可维护的区域",
                    )
                elif isinstance(entity, _Conflict):
                    yield RowError(record.row, uscc_header, entity.message)

    def preview_row(self, record: EntityRecord) -> dict[str, Any]:
        L = self.lookups()
        return {
            "统一社会信用代码": record.uscc,
            "注册号": record.reg_no,
            "企业名称": record.name,
            "主体类型": EntityType(
                record.entity_type or infer_type(record.uscc, record.reg_no)
            ).label,
            "所属区域": L["names"].get(record.region_id, record.region_id),
            "成立日期": record.registered_on.isoformat() if record.registered_on else "",
            "登记状态": EntityStatus(record.status).label if record.status else "",
        }

    # --- commit ------------------------------------------------------------------------------
    def commit(self, records: Iterator[Any], progress: Callable[[int], None]) -> CommitReport:
        L = self.lookups()
        job = self.context.job
        now = timezone.now()
        today = L["today"]
        report = CommitReport()
        scheme = L["scheme"]
        done = 0
        while True:
            batch: list[EntityRecord] = list(islice(records, BATCH))
            if not batch:
                break
            matched = _match_existing(batch)
            creates: list[EntityRecord] = []
            updates: list[Entity] = []
            changed_fields: dict[int, set[str]] = {}
            update_fields: set[str] = set()
            id_of: dict[int, int] = {}  # row number → entity id
            for record in batch:
                entity = matched.get(record)
                if isinstance(entity, _Conflict):
                    raise ValidationError(f"第 {record.row} 行：{entity.message}")
                if entity is None:
                    creates.append(record)
                    continue
                if entity.region_id not in L["writable"]:
                    raise ValidationError(f"第 {record.row} 行：该检查对象不属于本单位可维护的区域")
                id_of[record.row] = entity.pk
                changed = _apply(record, entity)
                if changed:
                    entity.updated_at = now
                    updates.append(entity)
                    update_fields |= changed
                changed_fields[entity.pk] = changed
            if updates:
                Entity.objects.bulk_update(
                    updates, sorted(update_fields | {"updated_at"}), batch_size=1000
                )
            created_ids = self._create_entities(creates, id_of, now)
            for entity_id in created_ids:
                changed_fields[entity_id] = set()

            # grades, tags and departments, each in bulk for the batch
            self._grades(batch, id_of, changed_fields, scheme, today, job, now)
            self._tags(batch, id_of, changed_fields, created_ids, now)
            self._departments(batch, id_of, changed_fields, created_ids)

            changes = []
            json_field = EntityChange._meta.get_field("fields")
            actor_id = self.context.actor.pk
            job_id = _job_id(job)
            at = _dt(now)
            for record in batch:
                entity_id = id_of[record.row]
                fields = changed_fields.get(entity_id, set())
                if entity_id in created_ids:
                    report.created += 1
                    action, fields = "import.create", set()
                elif fields:
                    report.updated += 1
                    action = "import.update"
                else:
                    report.unchanged += 1
                    continue
                changes.append(
                    (
                        entity_id,
                        at,
                        action,
                        ChangeSource.IMPORT.value,
                        json_field.get_db_prep_save(sorted(fields), connection),
                        actor_id,
                        job_id,
                    )
                )
            _insert(
                EntityChange,
                ["entity", "at", "action", "source", "fields", "actor", "import_job"],
                changes,
            )
            done += len(batch)
            progress(done)
        return report

    def _create_entities(
        self, creates: list[EntityRecord], id_of: dict[int, int], now: dt.datetime
    ) -> set[int]:
        """INSERT the new entities with executemany (no model instances: the ORM's per-object
        cost dominated bulk_create at this scale), then read their ids back by key."""
        if not creates:
            return set()
        at = _dt(now)
        rows = []
        for r in creates:
            rows.append(
                (
                    r.uscc,
                    r.reg_no,
                    r.name,
                    r.entity_type or infer_type(r.uscc, r.reg_no),
                    r.industry_code,
                    r.industry_detail,
                    r.representative,
                    r.id_number,
                    r.phone,
                    r.address,
                    r.region_id,
                    _d(r.registered_on),
                    r.status or EntityStatus.ACTIVE.value,
                    at,
                    at,
                )
            )
        _insert(Entity, [*ENTITY_IMPORT_FIELDS, "created_at", "updated_at"], rows)
        by_uscc = {r.uscc: r.row for r in creates if r.uscc}
        by_reg = {r.reg_no: r.row for r in creates if not r.uscc}
        created: set[int] = set()
        for lookup, keys in (("uscc", by_uscc), ("reg_no", by_reg)):
            key_list = list(keys)
            for i in range(0, len(key_list), 2000):
                chunk = key_list[i : i + 2000]
                for pk, key in Entity.objects.filter(**{f"{lookup}__in": chunk}).values_list(
                    "pk", lookup
                ):
                    id_of[keys[key]] = pk
                    created.add(pk)
        return created

    def _grades(
        self,
        batch: list[EntityRecord],
        id_of: dict[int, int],
        changed_fields: dict[int, set[str]],
        scheme: GradingScheme | None,
        today: dt.date,
        job: Any,
        now: dt.datetime,
    ) -> None:
        wanted = {id_of[r.row]: r.grade_level_id for r in batch if r.grade_level_id is not None}
        if not wanted or scheme is None:
            return
        current = {
            entity_id: (pk, level_id, valid_from)
            for pk, entity_id, level_id, valid_from in EntityGrade.objects.filter(
                entity_id__in=list(wanted), scheme=scheme, valid_to__isnull=True
            ).values_list("pk", "entity_id", "level_id", "valid_from")
        }
        blacklisted = set(
            EntityFlag.objects.filter(
                entity_id__in=list(wanted), kind=FlagKind.BLACKLIST, valid_to__isnull=True
            ).values_list("entity_id", flat=True)
        )
        close_today: list[int] = []
        close_later: list[int] = []
        new: list[tuple[Any, ...]] = []
        actor_id = self.context.actor.pk
        job_id = _job_id(job)
        at, on = _dt(now), _d(today)
        for entity_id, level_id in wanted.items():
            grade = current.get(entity_id)
            if grade is not None and grade[1] == level_id:
                continue
            if entity_id in blacklisted:
                row = next(r.row for r in batch if id_of[r.row] == entity_id)
                raise ValidationError(
                    f"第 {row} 行：该检查对象在黑名单中，信用等级须在移出黑名单时重新评定"
                )
            if grade is not None:
                (close_today if grade[2] <= today else close_later).append(grade[0])
            new.append((entity_id, scheme.pk, level_id, on, "批量导入", actor_id, job_id, at))
            changed_fields.setdefault(entity_id, set()).add("grade")
        if close_today:
            EntityGrade.objects.filter(pk__in=close_today).update(valid_to=today)
        if close_later:  # a future-dated grade replaced before it started covers no day
            EntityGrade.objects.filter(pk__in=close_later).update(valid_to=F("valid_from"))
        _insert(
            EntityGrade,
            [
                "entity",
                "scheme",
                "level",
                "valid_from",
                "reason",
                "recorded_by",
                "import_job",
                "created_at",
            ],
            new,
        )

    def _tags(
        self,
        batch: list[EntityRecord],
        id_of: dict[int, int],
        changed_fields: dict[int, set[str]],
        created_ids: set[int],
        now: dt.datetime,
    ) -> None:
        pairs = {(id_of[r.row], t) for r in batch for t in r.tag_ids}
        if not pairs:
            return
        existing = set(
            EntityTag.objects.filter(
                entity_id__in=list({e for e, _t in pairs if e not in created_ids})
            ).values_list("entity_id", "tag_id")
        )
        new = sorted(pairs - existing)
        for entity_id, _tag in new:
            changed_fields.setdefault(entity_id, set()).add("tags")
        at = _dt(now)
        _insert(EntityTag, ["entity", "tag", "tagged_at"], [(e, t, at) for e, t in new])

    def _departments(
        self,
        batch: list[EntityRecord],
        id_of: dict[int, int],
        changed_fields: dict[int, set[str]],
        created_ids: set[int],
    ) -> None:
        through = Entity.departments.through
        pairs = {(id_of[r.row], d) for r in batch for d in r.department_ids}
        if not pairs:
            return
        existing = set(
            through.objects.filter(
                entity_id__in=list({e for e, _d in pairs if e not in created_ids})
            ).values_list("entity_id", "department_id")
        )
        new = sorted(pairs - existing)
        for entity_id, _department in new:
            changed_fields.setdefault(entity_id, set()).add("departments")
        _insert(through, ["entity", "department"], new)


def _job_id(job: Any) -> Any:
    if job is None:
        return None
    return job._meta.pk.get_db_prep_value(job.pk, connection)


def _dt(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _d(value: dt.date | None) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _insert(model: Any, fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT rows (values already adapted for the database) with one executemany."""
    if not rows:
        return
    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(f).column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])


@dataclass(frozen=True)
class _Conflict:
    message: str
    region_id: str = ""


def _match_existing(batch: list[EntityRecord]) -> dict[EntityRecord, Any]:
    """The existing entity of each record (by USCC, else 注册号) in two queries per batch;
    a record whose USCC and 注册号 point at two different entities maps to a _Conflict."""
    usccs = [r.uscc for r in batch if r.uscc]
    regs = [r.reg_no for r in batch if r.reg_no]
    by_uscc: dict[str, Entity] = {}
    by_reg: dict[str, Entity] = {}
    if usccs or regs:
        for existing in Entity.objects.filter(Q(uscc__in=usccs) | Q(reg_no__in=regs)):
            if existing.uscc:
                by_uscc[existing.uscc] = existing
            if existing.reg_no:
                by_reg[existing.reg_no] = existing
    result: dict[EntityRecord, Any] = {}
    for record in batch:
        a = by_uscc.get(record.uscc) if record.uscc else None
        b = by_reg.get(record.reg_no) if record.reg_no else None
        if a is not None and b is not None and a.pk != b.pk:
            result[record] = _Conflict(
                f"统一社会信用代码“{record.uscc}”与注册号“{record.reg_no}”分别属于两个已登记的"
                f"检查对象（{a.name}、{b.name}），请核对",
                a.region_id,
            )
        elif a is not None or b is not None:
            entity = a if a is not None else b
            assert entity is not None
            if record.uscc and entity.uscc and entity.uscc != record.uscc:
                result[record] = _Conflict(
                    f"注册号“{record.reg_no}”已登记在统一社会信用代码“{entity.uscc}”名下，"
                    f"与本行的“{record.uscc}”不一致",
                    entity.region_id,
                )
            else:
                result[record] = entity
    return result


def _apply(record: EntityRecord, entity: Entity) -> set[str]:
    """Copy the non-blank values of `record` onto `entity`; the names of changed fields."""
    changed = set()
    for name in ENTITY_IMPORT_FIELDS:
        value = getattr(record, name)
        if value in ("", None):
            continue
        if getattr(entity, name) != value:
            setattr(entity, name, value)
            changed.add(name)
    return changed
