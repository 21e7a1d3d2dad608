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
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import Department
from accounts.scope import Scope
from core.importing import Column, CommitReport, Importer, RowError, RowRejected
from core.tabular import clean_code, clean_text, parse_date
from regions.models import Region

from .identifiers import (
    id_number_error,
    phone_error,
    reg_no_error,
    uscc_check_char,
    uscc_error,
)
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

BATCH = 10_000

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


_USCC_FAST = re.compile(r"\d{8}[0-9A-HJ-NPQRTUWXY]{10}")
_PHONE_FAST = re.compile(r"\+?[0-9][0-9\-/、,，]{5,31}")
_DEPARTMENT_SPLIT = re.compile(r"[,，、;；\s]+")


def _industry(text: str) -> tuple[str, str]:
    """(门类 letter, finer class) of an 行业 cell."""
    if not text:
        return "", ""
    match = _SECTION.fullmatch(text)
    if match:
        code, detail = match.group(1), (match.group(2) or "").strip()
        return code, "" if detail == INDUSTRY_SECTIONS[code] else detail
    if text in _SECTION_BY_NAME:
        return _SECTION_BY_NAME[text], ""
    return "", text


def _iso_date(value: Any) -> dt.date | None:
    """Fast path of parse_date for "2019-05-01" text (None: let parse_date decide)."""
    if (
        type(value) is str
        and len(value) == 10
        and value[4] == "-"
        and value[7] == "-"
        and value[:4].isdigit()
        and value[5:7].isdigit()
        and value[8:].isdigit()
    ):
        try:
            return dt.date(int(value[:4]), int(value[5:7]), int(value[8:]))
        except ValueError:
            return None
    return None


_SCIENTIFIC = re.compile(r"\d+[eE]\d+")


def _code(value: Any) -> str:
    """clean_code with fast paths for empty cells and plain ASCII codes (same result)."""
    if value is None or value == "":
        return ""
    if (
        type(value) is str
        and value.isascii()
        and value.isalnum()
        and not (("E" in value or "e" in value) and _SCIENTIFIC.fullmatch(value))
    ):
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


_RECORD_FIELDS: list[str] = list(EntityRecord.__slots__)


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
    spool_records = True  # records are plain picklable dataclasses; commit re-matches keys
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
            "headers": {c.key: c.header for c in self.columns},
            # memo of cells that repeat down a column (type, status, industry, region, …):
            # raw cell → parsed value and errors; bounded by the distinct values of the file
            "memo": {},
        }
        return self._lookups

    # --- one row -----------------------------------------------------------------------------
    # parse_row runs once per row of files of a million rows: no closures, no per-row regex
    # compilation, memo tables for the columns that repeat (type, status, industry, grade,
    # region, tags), and the error list is built only for rows that have errors.
    def parse_row(self, values: dict[str, Any], row: int) -> EntityRecord:
        L = self._lookups or self.lookups()
        memo: dict[tuple[str, str], Any] = L["memo"]
        errors: list[tuple[str, str]] | None = None

        uscc = _code(values.get("uscc"))
        reg_no = _code(values.get("reg_no"))
        if len(uscc) == 15 and not reg_no and uscc.isdigit():
            uscc, reg_no = "", uscc  # a 注册号 in a combined "代码/注册号" column
        if (
            uscc
            and not (_USCC_FAST.fullmatch(uscc) and uscc_check_char(uscc[:17]) == uscc[17])
            and (message := uscc_error(uscc))
        ):
            errors = [("uscc", message)]
        if reg_no and (message := reg_no_error(reg_no)):
            errors = (errors or []) + [("reg_no", message)]
        if not uscc and not reg_no:
            errors = (errors or []) + [("uscc", "统一社会信用代码和注册号至少填写一项")]

        name = _text(values.get("name"))
        if not name:
            errors = (errors or []) + [("name", "企业名称不能为空")]

        entity_type = ""
        raw = values.get("entity_type")
        if raw is not None and raw != "":
            key = ("type", raw if type(raw) is str else repr(raw))
            found = memo.get(key)
            if found is None:
                text = _text(raw)
                found = memo[key] = (
                    text,
                    next((t for word, t in TYPE_WORDS if word in text), "") if text else "",
                )
            raw_type, entity_type = found
            if raw_type and not entity_type:
                errors = (errors or []) + [
                    (
                        "entity_type",
                        f"“{raw_type}”不是有效的主体类型（可填 企业、个体工商户、农民专业合作社、"
                        "事业单位、社会组织、其他）",
                    )
                ]

        industry_code, industry_detail = "", ""
        raw = values.get("industry")
        if raw is not None and raw != "":
            key = ("industry", raw if type(raw) is str else repr(raw))
            found = memo.get(key)
            if found is None:
                found = memo[key] = _industry(_text(raw))
            industry_code, industry_detail = found

        representative = _text(values.get("representative"))
        id_number = _code(values.get("id_number"))
        if id_number and (message := id_number_error(id_number)):
            errors = (errors or []) + [("id_number", message)]
        phone = _code(values.get("phone"))
        if phone and not _PHONE_FAST.fullmatch(phone) and (message := phone_error(phone)):
            errors = (errors or []) + [("phone", message)]
        address = _text(values.get("address"))
        if (
            len(name) > 200
            or len(representative) > 64
            or len(address) > 255
            or len(industry_detail) > 100
        ):
            for column, text in (
                ("name", name),
                ("representative", representative),
                ("address", address),
                ("industry", industry_detail),
            ):
                limit = MAX["industry_detail" if column == "industry" else column]
                if len(text) > limit:
                    errors = (errors or []) + [
                        (column, f"内容过长：不能超过 {limit} 个字（现有 {len(text)} 个字）")
                    ]

        registered_on = None
        raw = values.get("registered_on")
        if raw is not None and raw != "":
            registered_on = _iso_date(raw)
            if registered_on is None:
                try:
                    registered_on = parse_date(raw)
                except ValueError as exc:
                    errors = (errors or []) + [("registered_on", str(exc))]
            if registered_on is not None and registered_on > L["today"]:
                errors = (errors or []) + [
                    ("registered_on", f"成立日期 {registered_on:%Y-%m-%d} 晚于今天")
                ]

        status = ""
        raw = values.get("status")
        if raw is not None and raw != "":
            key = ("status", raw if type(raw) is str else repr(raw))
            found = memo.get(key)
            if found is None:
                text = _text(raw)
                found = memo[key] = (
                    text,
                    next((s for word, s in STATUS_WORDS if word in text), "") if text else "",
                )
            raw_status, status = found
            if raw_status and not status:
                errors = (errors or []) + [
                    (
                        "status",
                        f"“{raw_status}”不是有效的登记状态（可填 存续、停业、注销、吊销、撤销、迁出）",
                    )
                ]

        raw = values.get("region")
        key = ("region", raw if type(raw) is str else repr(raw))
        found = memo.get(key)
        if found is None:
            region_errors: list[tuple[str, str]] = []
            region = self._region(raw, L, lambda k, m: region_errors.append((k, m)))
            found = memo[key] = (region, region_errors)
        region_id = found[0]
        if found[1]:
            errors = (errors or []) + found[1]

        grade_level_id = None
        raw = values.get("grade")
        if raw is not None and raw != "":
            key = ("grade", raw if type(raw) is str else repr(raw))
            found = memo.get(key)
            if found is None:
                raw_grade = _text(raw)
                match = _GRADE.fullmatch(raw_grade)
                level_id = L["levels"].get(match.group(1).upper()) if match else None
                message = ""
                if raw_grade and level_id is None:
                    scheme = L["scheme"]
                    allowed = "、".join(L["levels"]) or "（未设置默认分类方案）"
                    message = (
                        f"“{raw_grade}”不是{scheme.name if scheme else '默认分类方案'}的等级"
                        f"（可填 {allowed}）"
                    )
                found = memo[key] = (level_id, message)
            grade_level_id = found[0]
            if found[1]:
                errors = (errors or []) + [("grade", found[1])]

        tag_ids: tuple[int, ...] = ()
        raw = values.get("tags")
        if raw is not None and raw != "":
            key = ("tags", raw if type(raw) is str else repr(raw))
            found = memo.get(key)
            if found is None:
                ids: list[int] = []
                tag_errors = []
                for word in _SPLIT.split(_text(raw)):
                    if word:
                        tag_id = L["tags"].get(word)
                        if tag_id is None:
                            tag_errors.append(("tags", f"分类标签库中没有标签“{word}”"))
                        elif tag_id not in ids:
                            ids.append(tag_id)
                found = memo[key] = (tuple(ids), tag_errors)
            tag_ids = found[0]
            if found[1]:
                errors = (errors or []) + found[1]

        department_ids: tuple[int, ...] = ()
        raw = values.get("departments")
        if raw is not None and raw != "":
            key = ("departments", raw if type(raw) is str else repr(raw))
            found = memo.get(key)
            if found is None:
                ids = []
                department_errors = []
                for word in _DEPARTMENT_SPLIT.split(_text(raw)):
                    if word:
                        department_id = L["departments"].get(word)
                        if department_id is None:
                            department_errors.append(
                                (
                                    "departments",
                                    f"找不到部门“{word}”（请填写本级或下级部门的名称或简称）",
                                )
                            )
                        elif department_id not in ids:
                            ids.append(department_id)
                found = memo[key] = (tuple(ids), department_errors)
            department_ids = found[0]
            if found[1]:
                errors = (errors or []) + found[1]

        if errors:
            headers = L["headers"]
            raise RowRejected([RowError(row, headers[k], m) for k, m in errors])
        return EntityRecord(
            row,
            uscc,
            reg_no,
            name,
            entity_type,
            industry_code,
            industry_detail,
            representative,
            id_number,
            phone,
            address,
            region_id,
            registered_on,
            status,
            grade_level_id,
            tag_ids,
            department_ids,
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
        any_existing = Entity.objects.exists()
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
            if not any_existing:
                continue
            records_only = [r for _n, r in batch]
            for record, entity in _match_existing(records_only).items():
                if isinstance(entity, _Conflict):
                    if entity.region_id not in L["writable"]:
                        yield RowError(
                            record.row,
                            uscc_header if record.uscc else reg_header,
                            f"该检查对象已登记在“{entity.region_id}”，不属于本单位可维护的区域",
                        )
                    else:
                        yield RowError(record.row, uscc_header, entity.message)
                elif entity[REGION] not in L["writable"]:
                    yield RowError(
                        record.row,
                        uscc_header if record.uscc else reg_header,
                        f"该检查对象已登记在“{entity[REGION]}”，不属于本单位可维护的区域",
                    )

    def spool_encode(self, record: EntityRecord) -> tuple[Any, ...]:
        return tuple(getattr(record, name) for name in _RECORD_FIELDS)

    def spool_decode(self, value: tuple[Any, ...]) -> EntityRecord:
        return EntityRecord(*value)

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
        """Upsert the records in batches of COMMIT_BATCH. New entities get their ids up front
        (the SQLite write lock / the PostgreSQL identity sequence), so entities, grades, tags,
        departments and EntityChange rows are each written with one bulk statement per batch
        (COPY on PostgreSQL, executemany on SQLite) and nothing is read back."""
        L = self.lookups()
        job = self.context.job
        now = timezone.now()
        today = L["today"]
        report = CommitReport()
        scheme = L["scheme"]
        w = _BulkWriter()
        at = w.datetime(now)
        actor_id = self.context.actor.pk
        job_id = _job_id(job)
        expected = job.valid_rows if job is not None else 0
        any_existing = Entity.objects.exists()
        done = 0
        try:
            while True:
                batch: list[EntityRecord] = list(islice(records, COMMIT_BATCH))
                if not batch:
                    break
                matched = _match_existing(batch) if any_existing else {}
                creates: list[EntityRecord] = []
                updates: list[list[Any]] = []
                changed_fields: dict[int, set[str]] = {}
                id_of: dict[int, int] = {}  # row number → entity id
                for record in batch:
                    entity = matched.get(record)
                    if entity is None:
                        creates.append(record)
                        continue
                    if isinstance(entity, _Conflict):
                        raise ValidationError(f"第 {record.row} 行：{entity.message}")
                    if entity[REGION] not in L["writable"]:
                        raise ValidationError(
                            f"第 {record.row} 行：该检查对象不属于本单位可维护的区域"
                        )
                    id_of[record.row] = entity[PK]
                    changed = _apply(record, entity)
                    if changed:
                        updates.append(entity)
                    changed_fields[entity[PK]] = changed
                if creates:
                    w.bulk_load_begin(expected if len(creates) * 10 >= len(batch) * 9 else 0)
                if updates:
                    w.update_entities(updates, at)
                created_ids = self._create_entities(w, creates, id_of, at, scheme)

                self._grades(w, batch, id_of, changed_fields, created_ids, scheme, today, at)
                self._tags(w, batch, id_of, changed_fields, created_ids, at)
                self._departments(w, batch, id_of, changed_fields, created_ids)

                changes = []
                for record in batch:
                    entity_id = id_of[record.row]
                    if entity_id in created_ids:
                        report.created += 1
                        changes.append(
                            (entity_id, at, "import.create", IMPORT, "[]", actor_id, job_id)
                        )
                        continue
                    fields = changed_fields.get(entity_id)
                    if fields:
                        report.updated += 1
                        changes.append(
                            (
                                entity_id,
                                at,
                                "import.update",
                                IMPORT,
                                json.dumps(sorted(fields)),
                                actor_id,
                                job_id,
                            )
                        )
                    else:
                        report.unchanged += 1
                w.insert(
                    EntityChange,
                    ["entity", "at", "action", "source", "fields", "actor", "import_job"],
                    changes,
                )
                done += len(batch)
                progress(done)
            w.bulk_load_end()
        finally:
            w.close()
        return report

    def _create_entities(
        self,
        w: _BulkWriter,
        creates: list[EntityRecord],
        id_of: dict[int, int],
        at: Any,
        scheme: GradingScheme | None,
    ) -> set[int]:
        if not creates:
            return set()
        ids = w.allocate_entity_ids(len(creates))
        d = w.date
        active = EntityStatus.ACTIVE.value
        rows = []
        for pk, r in zip(ids, creates, strict=True):
            id_of[r.row] = pk
            rows.append(
                (
                    pk,
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
                    d(r.registered_on),
                    r.status or active,
                    r.grade_level_id if scheme is not None else None,
                    at,
                    at,
                )
            )
        w.insert(
            Entity, ["id", *ENTITY_IMPORT_FIELDS, "current_level", "created_at", "updated_at"], rows
        )
        w.insert_names(ids)
        return set(ids)

    def _grades(
        self,
        w: _BulkWriter,
        batch: list[EntityRecord],
        id_of: dict[int, int],
        changed_fields: dict[int, set[str]],
        created_ids: set[int],
        scheme: GradingScheme | None,
        today: dt.date,
        at: Any,
    ) -> None:
        wanted = {id_of[r.row]: r.grade_level_id for r in batch if r.grade_level_id is not None}
        if not wanted or scheme is None:
            return
        existing = [pk for pk in wanted if pk not in created_ids]
        current: dict[int, tuple[int, int, dt.date]] = {}
        blacklisted: set[int] = set()
        for chunk in _chunks(existing):
            for pk, entity_id, level_id, valid_from in EntityGrade.objects.filter(
                entity_id__in=chunk, scheme=scheme, valid_to__isnull=True
            ).values_list("pk", "entity_id", "level_id", "valid_from"):
                current[entity_id] = (pk, level_id, valid_from)
            blacklisted.update(
                EntityFlag.objects.filter(
                    entity_id__in=chunk, kind=FlagKind.BLACKLIST, valid_to__isnull=True
                ).values_list("entity_id", flat=True)
            )
        close_today: list[int] = []
        close_later: list[int] = []
        relevel: list[tuple[int, int]] = []
        new: list[tuple[Any, ...]] = []
        actor_id = self.context.actor.pk
        job_id = _job_id(self.context.job)
        on = w.date(today)
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
            if entity_id not in created_ids:  # new entities got the level in their INSERT
                relevel.append((level_id, entity_id))
            new.append((entity_id, scheme.pk, level_id, on, "批量导入", actor_id, job_id, at))
            changed_fields.setdefault(entity_id, set()).add("grade")
        for chunk in _chunks(close_today):
            EntityGrade.objects.filter(pk__in=chunk).update(valid_to=today)
        for chunk in _chunks(close_later):  # a future-dated grade replaced before it started
            EntityGrade.objects.filter(pk__in=chunk).update(valid_to=F("valid_from"))
        w.execute_many("UPDATE registry_entity SET current_level_id = %s WHERE id = %s", relevel)
        w.insert(
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
        w: _BulkWriter,
        batch: list[EntityRecord],
        id_of: dict[int, int],
        changed_fields: dict[int, set[str]],
        created_ids: set[int],
        at: Any,
    ) -> None:
        pairs = {(id_of[r.row], t) for r in batch for t in r.tag_ids}
        if not pairs:
            return
        existing: set[tuple[int, int]] = set()
        for chunk in _chunks(sorted({e for e, _t in pairs if e not in created_ids})):
            existing.update(
                EntityTag.objects.filter(entity_id__in=chunk).values_list("entity_id", "tag_id")
            )
        new = sorted(pairs - existing)
        for entity_id, _tag in new:
            if entity_id not in created_ids:
                changed_fields.setdefault(entity_id, set()).add("tags")
        w.insert(EntityTag, ["entity", "tag", "tagged_at"], [(e, t, at) for e, t in new])

    def _departments(
        self,
        w: _BulkWriter,
        batch: list[EntityRecord],
        id_of: dict[int, int],
        changed_fields: dict[int, set[str]],
        created_ids: set[int],
    ) -> None:
        through = Entity.departments.through
        pairs = {(id_of[r.row], d) for r in batch for d in r.department_ids}
        if not pairs:
            return
        existing: set[tuple[int, int]] = set()
        for chunk in _chunks(sorted({e for e, _d in pairs if e not in created_ids})):
            existing.update(
                through.objects.filter(entity_id__in=chunk).values_list(
                    "entity_id", "department_id"
                )
            )
        new = sorted(pairs - existing)
        for entity_id, _department in new:
            if entity_id not in created_ids:
                changed_fields.setdefault(entity_id, set()).add("departments")
        w.insert(through, ["entity", "department"], new)


COMMIT_BATCH = 20_000
IMPORT = ChangeSource.IMPORT.value
BULK_LOAD_MIN = 50_000
# the existing entity as commit sees it: a list in this order (mutable: _apply writes into it)
MATCH_FIELDS = ["pk", "name", *[f for f in ENTITY_IMPORT_FIELDS if f != "name"]]
PK, NAME, REGION = 0, 1, MATCH_FIELDS.index("region_id")
_POSITION = {name: i for i, name in enumerate(MATCH_FIELDS)}
_APPLY = [(name, _POSITION[name]) for name in ENTITY_IMPORT_FIELDS]


def _chunks(values: list[Any], size: int = 10_000) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


class _BulkWriter:
    """The bulk statements of one commit, per database.

    PostgreSQL: COPY … FROM STDIN (psycopg 3) for inserts; new entity ids from the identity
    sequence (nextval, so concurrent writers are safe). SQLite: executemany inside the one
    transaction, ids after the current maximum (the transaction holds the database's write
    lock); for a large first load (at least BULK_LOAD_MIN new rows, more than already exist)
    the entity table's secondary indexes and the FTS insert trigger are dropped and rebuilt
    once at the end — in the same transaction, so a failure restores them with everything
    else — which sorts each index once instead of inserting into it a million times."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.cursor = connection.cursor()
        self.next_id: int | None = None
        self.dropped: list[str] = []
        self.datetime = connection.ops.adapt_datetimefield_value
        self.date: Callable[[Any], Any] = (
            connection.ops.adapt_datefield_value if self.vendor == "sqlite" else _same
        )
        if self.vendor == "sqlite":
            self.cursor.execute("PRAGMA cache_size")
            self.cache_size = self.cursor.fetchone()[0]
            self.cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB for this commit
        elif self.vendor == "postgresql":
            self.datetime = _same
            self.cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")

    def close(self) -> None:
        if self.vendor == "sqlite":
            self.cursor.execute(f"PRAGMA cache_size = {int(self.cache_size)}")
        self.cursor.close()

    def allocate_entity_ids(self, n: int) -> list[int]:
        if self.vendor == "postgresql":
            self.cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('registry_entity', 'id')) "
                "FROM generate_series(1, %s)",
                [n],
            )
            return [row[0] for row in self.cursor.fetchall()]
        if self.next_id is None:
            self.cursor.execute("SELECT MAX(id) FROM registry_entity")
            highest = self.cursor.fetchone()[0] or 0
            if self.vendor == "sqlite":  # AUTOINCREMENT never reuses ids of deleted rows
                self.cursor.execute(
                    "SELECT seq FROM sqlite_sequence WHERE name = 'registry_entity'"
                )
                row = self.cursor.fetchone()
                highest = max(highest, row[0] if row else 0)
            self.next_id = highest + 1
        first = self.next_id
        self.next_id += n
        return list(range(first, first + n))

    def insert(self, model: Any, fields: list[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        qn = connection.ops.quote_name
        table = qn(model._meta.db_table)
        columns = ", ".join(qn(model._meta.get_field(f).column) for f in fields)
        if self.vendor == "postgresql":
            with self.cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(fields))
        self.execute_many(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)

    def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        for chunk in _chunks(rows, 5000):
            self.cursor.executemany(sql, chunk)

    def update_entities(self, entities: list[list[Any]], at: Any) -> None:
        qn = connection.ops.quote_name
        columns = [str(Entity._meta.get_field(f).column) for f in ENTITY_IMPORT_FIELDS]  # type: ignore[union-attr]
        assignments = ", ".join(f"{qn(c)} = %s" for c in columns)
        d = self.date
        rows = []
        for e in entities:
            values = [e[i] for _name, i in _APPLY]
            values[ENTITY_IMPORT_FIELDS.index("registered_on")] = d(
                values[ENTITY_IMPORT_FIELDS.index("registered_on")]
            )
            rows.append((*values, at, e[PK]))
        self.execute_many(
            f"UPDATE registry_entity SET {assignments}, updated_at = %s WHERE id = %s", rows
        )

    def bulk_load_begin(self, expected: int) -> None:
        """SQLite: the FTS insert trigger is dropped for the commit (names of new entities are
        added to the FTS index per batch by insert_names); for a large first load also the
        secondary indexes of each table written in bulk that holds fewer rows than are coming
        (except those commit itself reads by). bulk_load_end restores them; all inside the
        commit's transaction, so a failure restores them with everything else."""
        if self.vendor != "sqlite" or self.dropped:
            return
        self.cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
            "AND name = 'registry_entity_fts_ai'"
        )
        trigger = self.cursor.fetchone()
        if trigger is None:
            return
        drop: list[tuple[str, str]] = []
        self.cursor.execute("SELECT COUNT(*) FROM registry_entity")
        if expected >= BULK_LOAD_MIN and self.cursor.fetchone()[0] < expected:
            for table in BULK_TABLES:
                self.cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
                if self.cursor.fetchone()[0] >= expected:
                    continue
                self.cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND sql IS NOT NULL AND tbl_name = %s",
                    [table],
                )
                drop += [
                    (name, sql)
                    for name, sql in self.cursor.fetchall()
                    if name not in BULK_KEEP
                    # child tables keep their unique indexes: commit looks rows up by them
                    and (table == "registry_entity" or not sql.upper().startswith("CREATE UNIQUE"))
                ]
        for name, _sql in drop:
            self.cursor.execute(f'DROP INDEX "{name}"')
        self.cursor.execute("DROP TRIGGER registry_entity_fts_ai")
        self.dropped = [sql for _name, sql in drop] + [trigger[0]]

    def insert_names(self, ids: list[int]) -> None:
        """FTS rows of just-inserted entities whose insert trigger bulk_load_begin dropped."""
        if self.dropped and ids:
            self.cursor.execute(
                "INSERT INTO registry_entity_fts(rowid, name) "
                "SELECT id, name FROM registry_entity WHERE id BETWEEN %s AND %s",
                [ids[0], ids[-1]],
            )

    def bulk_load_end(self) -> None:
        for sql in self.dropped:
            self.cursor.execute(sql)
        self.dropped = []


# tables of a bulk load whose indexes may be rebuilt at the end, and the indexes commit reads by
BULK_TABLES = [
    "registry_entity",
    "registry_entitygrade",
    "registry_entitychange",
    "registry_entitytag",
    "registry_entity_departments",
]
BULK_KEEP = {"entity_uscc_idx", "entity_reg_no_idx"}


def _job_id(job: Any) -> Any:
    if job is None:
        return None
    return job._meta.pk.get_db_prep_value(job.pk, connection)


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class _Conflict:
    message: str
    region_id: str = ""


def _match_existing(batch: list[EntityRecord]) -> dict[EntityRecord, Any]:
    """The existing entity of each record (by USCC, else 注册号) as a list of MATCH_FIELDS,
    with one query per 10,000 keys; a record whose USCC and 注册号 point at two different
    entities maps to a _Conflict."""
    usccs = [r.uscc for r in batch if r.uscc]
    regs = [r.reg_no for r in batch if r.reg_no]
    by_uscc: dict[str, list[Any]] = {}
    by_reg: dict[str, list[Any]] = {}
    uscc_at, reg_at = _POSITION["uscc"], _POSITION["reg_no"]
    for lookup, keys in (("uscc__in", usccs), ("reg_no__in", regs)):
        for chunk in _chunks(keys):
            for values in Entity.objects.filter(**{lookup: chunk}).values_list(*MATCH_FIELDS):
                existing = list(values)
                if existing[uscc_at]:
                    by_uscc[existing[uscc_at]] = existing
                if existing[reg_at]:
                    by_reg[existing[reg_at]] = existing
    result: dict[EntityRecord, Any] = {}
    if not by_uscc and not by_reg:
        return result
    for record in batch:
        a = by_uscc.get(record.uscc) if record.uscc else None
        b = by_reg.get(record.reg_no) if record.reg_no else None
        if a is not None and b is not None and a[PK] != b[PK]:
            result[record] = _Conflict(
                f"统一社会信用代码“{record.uscc}”与注册号“{record.reg_no}”分别属于两个已登记的"
                f"检查对象（{a[NAME]}、{b[NAME]}），请核对",
                a[REGION],
            )
        elif a is not None or b is not None:
            entity = a if a is not None else b
            assert entity is not None
            if record.uscc and entity[uscc_at] and entity[uscc_at] != record.uscc:
                result[record] = _Conflict(
                    f"注册号“{record.reg_no}”已登记在统一社会信用代码“{entity[uscc_at]}”名下，"
                    f"与本行的“{record.uscc}”不一致",
                    entity[REGION],
                )
            else:
                result[record] = entity
    return result


def _apply(record: EntityRecord, entity: list[Any]) -> set[str]:
    """Copy the non-blank values of `record` into `entity`; the names of changed fields."""
    changed = set()
    for name, i in _APPLY:
        value = getattr(record, name)
        if value == "" or value is None:
            continue
        if entity[i] != value:
            entity[i] = value
            changed.add(name)
    return changed
