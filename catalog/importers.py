"""Importers of the catalog: 抽查事项 (our template and published provincial layouts such as
Hainan 2020's), 联合抽查事项 and the 法律法规库. See core/importing.py for the pipeline.

Where items go: the `list` option (a list code: the draft page and `--list` pass it), otherwise
the uploader's own list — a department's list, or for a leading-group office its region's list
(items) or its joint list (joint items). The list's open draft receives the items; without one a
draft is opened from the current version. Re-importing a file that changes nothing opens no
draft and writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import DepartmentKind
from core.importing import (
    Column,
    CommitReport,
    Importer,
    RowError,
    RowRejected,
    cell_text,
)
from core.tabular import Row, TableError, clean_text, parse_date

from .legal import article_numbers, cn_to_int, parse_kind, parse_methods, split_bases
from .models import (
    ItemKind,
    ItemList,
    ListKind,
    RegulationLevel,
    RegulationStatus,
    VersionStatus,
)
from .reading import normalise_header, read_sheet
from .services import (
    ItemData,
    JointData,
    RegulationData,
    UpsertReport,
    item_list_create,
    items_upsert,
    joint_items_upsert,
    list_manage_role,
    regulations_upsert,
    version_draft_create,
    version_publish,
)

ITEM_COLUMNS = [
    Column(
        "事项编码",
        "code",
        help="选填。留空时按“清单编码-类别序号-事项序号”生成；填写后作为再次导入时匹配同一事项的依据。",
        example="",
    ),
    Column(
        "编制单位名称",
        "department",
        help="选填。留空时为清单所属部门；省级汇总清单填写各部门名称，合并单元格可直接导入。",
        example="宽城满族自治县旅游和文化广电局",
        aliases=("部门", "部门名称", "编制单位"),
    ),
    Column(
        "序号",
        "category_no",
        required=True,
        help="抽查类别（抽查项目）的序号，正整数。同一类别下的多个事项可留空或合并单元格。",
        example="1",
        aliases=("类别序号", "抽查类别序号"),
    ),
    Column(
        "抽查类别",
        "category",
        required=True,
        help="抽查项目/抽查类别名称。",
        example="互联网上网服务营业场所的检查",
        aliases=("抽查项目", "抽查项目名称"),
    ),
    Column(
        "抽查事项",
        "name",
        required=True,
        help="抽查事项名称。",
        example="互联网上网服务营业场所接纳未成年人情况的检查",
        aliases=("抽查事项名称", "检查事项"),
    ),
    Column(
        "检查对象", "target", help="选填。", example="互联网上网服务营业场所", aliases=("抽查对象",)
    ),
    Column(
        "事项类别",
        "kind",
        required=True,
        help="填写“重点检查事项”或“一般检查事项”。",
        example="一般检查事项",
    ),
    Column(
        "检查方式",
        "methods",
        required=True,
        help="可填多个，用顿号分隔，如“现场检查、书面检查、网络检查”。",
        example="现场检查、书面检查",
        aliases=("抽查方式",),
    ),
    Column(
        "检查主体",
        "subject",
        help="选填。",
        example="县级以上文化和旅游行政部门",
        aliases=("抽查主体",),
    ),
    Column(
        "检查依据",
        "basis",
        help="每条依据一行（同一单元格内换行），如“《互联网上网服务营业场所管理条例》第二十一条”；"
        "也可在下一行只填本列，作为上一事项的续行。",
        example="《互联网上网服务营业场所管理条例》第二十一条",
        aliases=("抽查依据", "法律依据"),
    ),
    Column("检查内容", "content", help="选填。", aliases=("抽查内容", "抽查内容及要求")),
    Column("检查标准/要点", "standards", help="选填。", aliases=("检查要点", "检查标准")),
    Column("抽查比例", "ratio", help="选填。", example="5%"),
    Column("抽查频次", "frequency", help="选填。", example="每年1次", aliases=("抽查次数",)),
    Column("实施层级", "level", help="选填。", example="县级", aliases=("抽查层级",)),
    Column("备注", "remark", help="选填。"),
]

ITEM_DEFINING = ("code", "name", "target", "kind", "methods")
CONTINUED = ("subject", "basis", "content", "standards", "remark")


def header_names(columns: list[Column]) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in columns:
        for header in (column.header, *column.aliases):
            names.setdefault(normalise_header(header), column.key)
    return names


def _positive_int(text: str) -> int | None:
    text = clean_text(text).strip().rstrip(".、")
    if re.fullmatch(r"\d+(\.0+)?", text):
        value = int(float(text))
        return value if value > 0 else None
    try:
        value = cn_to_int(text)
    except ValueError:
        return None
    return value if value > 0 else None


@dataclass
class _Pending:
    """An item being assembled from its first row and its continuation rows."""

    row: int
    cells: dict[str, str]
    extra: dict[str, list[str]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


class _CatalogImporter(Importer):
    list_kind: ClassVar[str]

    @property
    def actor(self):
        return self.context.actor

    def target_list(self) -> ItemList:
        """The list the records go to (unsaved when it is to be created)."""
        code = str(self.context.options.get("list") or "").strip()
        joint = self.list_kind == ListKind.JOINT
        if code:
            item_list = ItemList.objects.filter(code=code).first()
            if item_list is None:
                raise ValidationError(f"找不到清单编码为“{code}”的清单。")
            if (item_list.kind == ListKind.JOINT) != joint:
                raise ValidationError(
                    f"清单“{item_list.name}”不是{'联合' if joint else ''}抽查事项清单。"
                )
            return item_list
        department = self.context.department or self.actor.department
        if department is None:
            raise ValidationError("账号未归属任何部门，无法确定导入到哪个清单。")
        office = department.kind == DepartmentKind.LEADING_OFFICE
        if joint:
            if not office:
                raise ValidationError(
                    "部门联合抽查事项清单由本级双随机办维护，请使用双随机办的账号导入。"
                )
            found = ItemList.objects.filter(kind=ListKind.JOINT, department=department).first()
            return found or ItemList(
                kind=ListKind.JOINT, region_id=department.region_id, department=department
            )
        if office:
            found = ItemList.objects.filter(
                kind=ListKind.REGION, region_id=department.region_id
            ).first()
            return found or ItemList(
                kind=ListKind.REGION, region_id=department.region_id, department=None
            )
        found = ItemList.objects.filter(kind=ListKind.DEPARTMENT, department=department).first()
        return found or ItemList(
            kind=ListKind.DEPARTMENT, region_id=department.region_id, department=department
        )

    def target_errors(self) -> list[RowError]:
        try:
            item_list = self.target_list()
            list_manage_role(self.actor, item_list)
        except ValidationError as exc:
            return [RowError(0, "", "；".join(exc.messages))]
        except PermissionDenied:
            return [RowError(0, "", "您无权维护该清单（须为清单所属部门的抽查组织人员或管理员）。")]
        return []

    def open_draft(self, title: str = "") -> tuple[ItemList, Any, bool, bool]:
        """(list, its draft, list created now, draft created now)."""
        item_list = self.target_list()
        list_created = item_list.pk is None
        if list_created:
            name = re.sub(r"[（(][^（）()]*版[）)]$", "", title) if title else ""
            item_list = item_list_create(
                actor=self.actor,
                kind=item_list.kind,
                region=item_list.region,
                department=item_list.department,
                name=name if item_list.kind == ListKind.REGION else "",
            )
        draft = item_list.versions.filter(status=VersionStatus.DRAFT).first()
        draft_created = draft is None
        if draft is None:
            draft = version_draft_create(actor=self.actor, item_list=item_list, title=title)
        return item_list, draft, list_created, draft_created

    def finish(
        self,
        upsert: Callable[[Any], UpsertReport],
        title: str = "",
    ) -> CommitReport:
        savepoint = transaction.savepoint()
        item_list, draft, list_created, draft_created = self.open_draft(title)
        report = upsert(draft)
        details: dict[str, Any] = {"list": item_list.code, "version": draft.number}
        if draft_created and not list_created and not report.changed:
            transaction.savepoint_rollback(savepoint)
            details["note"] = "内容与现行版本一致，未生成新草稿。"
            details["version"] = None
        else:
            transaction.savepoint_commit(savepoint)
            if self.context.options.get("publish"):
                reason = str(self.context.options.get("reason") or "").strip()
                version_publish(
                    actor=self.actor,
                    version=draft,
                    reason=reason or f"按文件导入发布：{self.source_name()}",
                )
                details["published"] = True
        if report.regulations_created:
            details["regulations_created"] = len(report.regulations_created)
        return CommitReport(report.created, report.updated, report.unchanged, details)

    def source_name(self) -> str:
        job = self.context.job
        return job.original_name if job is not None else ""


class ItemImporter(_CatalogImporter):
    kind = "items"
    label = "抽查事项"
    permission = "catalog.manage"
    columns = ITEM_COLUMNS
    list_kind = ListKind.DEPARTMENT

    sheet_title = ""

    def read_rows(
        self, path: Path, filename: str
    ) -> tuple[Iterator[Row], int | None, dict[str, str], list[str]]:
        sheet = read_sheet(path, filename=filename, names=header_names(self.columns))
        total = sum(1 for _ in self.iter_parsed(path, filename))  # items, not physical rows
        return iter(()), total, {}, sheet.headers

    def iter_parsed(
        self, path: Path, filename: str
    ) -> Iterator[tuple[int, Any | None, list[RowError]]]:
        names = header_names(self.columns)
        try:
            sheet = read_sheet(path, filename=filename, names=names)
        except TableError as exc:
            yield 0, None, [RowError(0, "", str(exc))]
            return
        self.sheet_title = sheet.title
        present = {names[h] for h in sheet.headers if h in names}
        missing = [c.header for c in self.columns if c.required and c.key not in present]
        if missing:
            yield (
                0,
                None,
                [RowError(0, "", f"缺少必填列：{'、'.join(missing)}。请使用下载的导入模板。")],
            )
            return
        state = _ItemState()
        pending: _Pending | None = None
        for row in sheet.rows:
            starts = any(row.written(key) for key in ITEM_DEFINING)
            if not starts:
                if pending is None:
                    yield (
                        row.number,
                        None,
                        [
                            RowError(
                                row.number,
                                self.column_header("name"),
                                "此行没有抽查事项，也不在某个事项的下方，无法判断属于哪个事项。",
                            )
                        ],
                    )
                    continue
                if row.written("category_no"):
                    pending.errors.append(
                        RowError(
                            row.number,
                            self.column_header("name"),
                            "此行填写了新的类别序号，但没有填写抽查事项。",
                        )
                    )
                for key in CONTINUED:
                    if row.written(key):
                        pending.extra.setdefault(key, []).append(row.text(key))
                continue
            if pending is not None:
                yield self._finish(pending, state)
            pending = _Pending(row.number, {key: row.text(key) for key in row.cells})
        if pending is not None:
            yield self._finish(pending, state)

    def _finish(self, pending: _Pending, state: _ItemState) -> tuple[int, Any, list[RowError]]:
        cells, row = pending.cells, pending.row
        errors = list(pending.errors)

        def error(key: str, message: str) -> None:
            errors.append(RowError(row, self.column_header(key), message))

        # department and category carry down from the item above when left empty
        department = cells.get("department", "") or state.department
        number_text = cells.get("category_no", "")
        category = cells.get("category", "").replace("\n", "")
        number: int | None
        if number_text:
            number = _positive_int(number_text)
            if number is None:
                error("category_no", f"序号“{number_text}”不是正整数。")
        else:
            number = state.category_no
            if number is None:
                error("category_no", "序号不能为空（第一个事项须填写所属抽查类别的序号）。")
        if not category and number is not None and number == state.category_no:
            category = state.category
        if not category:
            error("category", "抽查类别不能为空。")
        name = cells.get("name", "")
        if not name:
            error("name", "抽查事项不能为空。")
        kind_text = cells.get("kind", "")
        kind = parse_kind(kind_text)
        if not kind_text:
            error("kind", "事项类别不能为空，应为“重点检查事项”或“一般检查事项”。")
        elif kind is None:
            error("kind", f"事项类别“{kind_text}”无效，应为“重点检查事项”或“一般检查事项”。")
        methods_text = cells.get("methods", "").replace("\n", "、")
        methods = parse_methods(methods_text)
        if not methods:
            error("methods", "检查方式不能为空，如“现场检查、书面检查”。")
        code = cells.get("code", "")
        if code and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", code):
            error("code", f"事项编码“{code}”只能由字母、数字、点、横线、下划线组成，不超过 64 位。")
        for key, limit in (("ratio", 200), ("frequency", 200), ("level", 200)):
            if len(cells.get(key, "")) > limit:
                error(key, f"内容过长，不能超过 {limit} 字。")

        def joined(key: str) -> str:
            parts = [cells.get(key, "")] if cells.get(key) else []
            parts += pending.extra.get(key, [])
            return "\n".join(parts)

        basis_text = joined("basis")
        if number is not None and category:
            if number != state.category_no:
                state.category_no, state.category = number, category
            state.item_no[number] = state.item_no.get(number, 0) + 1
        state.department = department
        if errors or number is None or kind is None:
            return row, None, errors
        return (
            row,
            ItemData(
                row=row,
                code=code,
                department=department.replace("\n", ""),
                category_no=number,
                category=category[:300],
                item_no=state.item_no[number],
                name=name,
                kind=kind,
                methods=methods,
                methods_text=methods_text[:300],
                target=cells.get("target", ""),
                subject=joined("subject"),
                basis_text=basis_text,
                bases=split_bases(basis_text),
                content=joined("content"),
                standards=joined("standards"),
                ratio=cells.get("ratio", ""),
                frequency=cells.get("frequency", ""),
                level=cells.get("level", ""),
                remark=joined("remark"),
            ),
            [],
        )

    def check_file(self, records: Iterator[tuple[int, Any]]) -> Iterator[RowError]:
        errors = self.target_errors()
        codes: dict[str, int] = {}
        departments: dict[int, tuple[str, int]] = {}
        for number, record in records:
            if record.code:
                if record.code in codes:
                    errors.append(
                        RowError(
                            number,
                            "事项编码",
                            f"事项编码“{record.code}”与第 {codes[record.code]} 行重复。",
                        )
                    )
                codes.setdefault(record.code, number)
            seen = departments.get(record.category_no)
            if seen and record.department and seen[0] and seen[0] != record.department:
                errors.append(
                    RowError(
                        number,
                        "序号",
                        f"类别序号 {record.category_no} 已在第 {seen[1]} 行用于“{seen[0]}”，"
                        "同一清单中的类别序号不能重复。",
                    )
                )
            departments.setdefault(record.category_no, (record.department, number))
        return iter(errors)

    def commit(self, records: Iterator[Any], progress: Callable[[int], None]) -> CommitReport:
        records = iter(list(records))  # reads the file, which sets sheet_title
        return self.finish(
            lambda draft: items_upsert(
                actor=self.actor,
                version=draft,
                records=records,
                progress=progress,
                source=self.source_name(),
            ),
            title=self.sheet_title,
        )

    def preview_row(self, record: Any) -> dict[str, Any]:
        return {
            "编制单位": record.department,
            "类别": f"{record.category_no}. {record.category}",
            "抽查事项": record.name,
            "事项类别": ItemKind(record.kind).label,
            "检查方式": "、".join(record.methods),
            "检查依据": f"{len(record.bases)} 条",
        }


@dataclass
class _ItemState:
    department: str = ""
    category_no: int | None = None
    category: str = ""
    item_no: dict[int, int] = field(default_factory=dict)


JOINT_COLUMNS = [
    Column("事项编码", "code", help="选填。留空时按“清单编码-序号”生成。"),
    Column("序号", "number", required=True, help="正整数。", example="1"),
    Column(
        "抽查领域",
        "field",
        required=True,
        help="如“文化市场”。",
        example="文化市场",
        aliases=("领域",),
    ),
    Column(
        "抽查事项",
        "name",
        required=True,
        example="互联网上网服务营业场所、娱乐场所、电影放映单位联合检查",
        aliases=("联合抽查事项",),
    ),
    Column("检查对象", "target", example="互联网上网服务营业场所", aliases=("抽查对象",)),
    Column(
        "发起部门",
        "initiator",
        required=True,
        help="发起（牵头）部门名称，与本平台部门名称或简称一致时自动关联。",
        example="县旅游和文化广电局",
        aliases=("牵头部门",),
    ),
    Column(
        "配合部门",
        "cooperators",
        help="多个部门用顿号分隔。",
        example="县公安局、县卫生健康局",
    ),
    Column("抽查层级", "level", example="县级", aliases=("实施层级",)),
    Column("检查依据", "basis", help="每条依据一行。", aliases=("抽查依据",)),
    Column("检查内容", "content", aliases=("抽查内容",)),
    Column("备注", "remark"),
]


class JointItemImporter(_CatalogImporter):
    kind = "joint_items"
    label = "联合抽查事项"
    permission = "catalog.manage"
    columns = JOINT_COLUMNS
    list_kind = ListKind.JOINT

    def parse_row(self, values: dict[str, Any], row: int) -> Any:
        errors: list[RowError] = []
        text = {key: cell_text(values, key) for key in values}

        def error(key: str, message: str) -> None:
            errors.append(RowError(row, self.column_header(key), message))

        number = _positive_int(text.get("number", ""))
        if number is None:
            error("number", f"序号“{text.get('number', '')}”不是正整数。")
        for key, label in (("field", "抽查领域"), ("name", "抽查事项"), ("initiator", "发起部门")):
            if not text.get(key):
                error(key, f"{label}不能为空。")
        code = text.get("code", "")
        if code and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", code):
            error("code", f"事项编码“{code}”只能由字母、数字、点、横线、下划线组成。")
        if errors or number is None:
            raise RowRejected(errors)
        cooperators = "、".join(
            n for n in re.split(r"[、，,；;\s]+", text.get("cooperators", "")) if n
        )
        basis = text.get("basis", "")
        return JointData(
            row=row,
            number=number,
            code=code,
            field=text["field"][:200],
            name=text["name"][:500],
            target=text.get("target", ""),
            initiator_name=text["initiator"][:200],
            cooperator_names=cooperators,
            level=text.get("level", "")[:200],
            basis_text=basis,
            bases=split_bases(basis),
            content=text.get("content", ""),
            remark=text.get("remark", ""),
        )

    def check_file(self, records: Iterator[tuple[int, Any]]) -> Iterator[RowError]:
        errors = self.target_errors()
        numbers: dict[int, int] = {}
        codes: dict[str, int] = {}
        for row, record in records:
            if record.number in numbers:
                errors.append(
                    RowError(
                        row, "序号", f"序号 {record.number} 与第 {numbers[record.number]} 行重复。"
                    )
                )
            numbers.setdefault(record.number, row)
            if record.code and record.code in codes:
                errors.append(
                    RowError(row, "事项编码", f"事项编码与第 {codes[record.code]} 行重复。")
                )
            if record.code:
                codes.setdefault(record.code, row)
        return iter(errors)

    def commit(self, records: Iterator[Any], progress: Callable[[int], None]) -> CommitReport:
        return self.finish(
            lambda draft: joint_items_upsert(
                actor=self.actor,
                version=draft,
                records=records,
                progress=progress,
                source=self.source_name(),
            )
        )

    def preview_row(self, record: Any) -> dict[str, Any]:
        return {
            "序号": record.number,
            "抽查领域": record.field,
            "抽查事项": record.name,
            "发起部门": record.initiator_name,
            "配合部门": record.cooperator_names,
        }


LEVELS = {label: value for value, label in RegulationLevel.choices}
STATUSES = {label: value for value, label in RegulationStatus.choices} | {"有效": "in_force"}

REGULATION_COLUMNS = [
    Column(
        "法规名称",
        "title",
        required=True,
        help="不带书名号，如“中华人民共和国消防法”。同一法规的多条条文写在多行。",
        example="中华人民共和国消防法",
        aliases=("名称", "法律法规名称"),
    ),
    Column("制定机关", "issuer", example="全国人民代表大会常务委员会", aliases=("发布机关",)),
    Column("文号", "doc_number", example="主席令第八十一号", aliases=("发文字号",)),
    Column(
        "效力层级",
        "level",
        help="法律、行政法规、部门规章、地方性法规、地方政府规章、规范性文件之一。",
        example="法律",
    ),
    Column("施行日期", "effective_date", example="2021-04-29", aliases=("生效日期",)),
    Column("时效性", "status", help="现行有效、已修改、已废止、尚未生效之一。", example="现行有效"),
    Column("条号", "article", help="如“第十六条”或“16”。", example="第十六条"),
    Column(
        "条文",
        "text",
        help="该条全文。",
        example="机关、团体、企业、事业等单位应当履行下列消防安全职责：……",
        aliases=("条文内容",),
    ),
]


class RegulationImporter(Importer):
    kind = "regulations"
    label = "法律法规"
    permission = "regulation.manage"
    columns = REGULATION_COLUMNS

    def parse_row(self, values: dict[str, Any], row: int) -> Any:
        errors: list[RowError] = []
        text = {key: cell_text(values, key) for key in values}

        def error(key: str, message: str) -> None:
            errors.append(RowError(row, self.column_header(key), message))

        title = re.sub(r"[《》\s]", "", text.get("title", ""))
        if not title:
            error("title", "法规名称不能为空。")
        elif len(title) > 300:
            error("title", "法规名称过长（不能超过 300 字）。")
        level = ""
        if text.get("level"):
            level = LEVELS.get(text["level"], "")
            if not level:
                error("level", f"效力层级“{text['level']}”无效，应为：{'、'.join(LEVELS)}。")
        status = ""
        if text.get("status"):
            status = STATUSES.get(text["status"], "")
            if not status:
                error(
                    "status",
                    f"时效性“{text['status']}”无效，应为：现行有效、已修改、已废止、尚未生效。",
                )
        effective = None
        try:
            effective = parse_date(values.get("effective_date"))
        except ValueError as exc:
            error("effective_date", str(exc))
        number = None
        article = text.get("article", "")
        if article:
            numbers = article_numbers(article if "条" in article else f"第{article}条")
            if len(numbers) != 1:
                error("article", f"条号“{article}”无效，应为一条，如“第十六条”或“16”。")
            else:
                number = numbers[0]
        body = values.get("text")
        article_text = clean_text(body) if body is not None else ""
        if number and not article_text:
            error("text", "填写了条号，但条文为空。")
        if article_text and not article:
            error("article", "填写了条文，但没有条号。")
        if errors:
            raise RowRejected(errors)
        return RegulationData(
            row=row,
            title=title,
            issuer=text.get("issuer", "")[:200],
            doc_number=text.get("doc_number", "")[:200],
            level=level,
            effective_date=effective,
            status=status,
            article_number=number,
            article_text=article_text,
        )

    def check_file(self, records: Iterator[tuple[int, Any]]) -> Iterator[RowError]:
        from .legal import short_title

        errors = []
        seen: dict[tuple[str, int], int] = {}
        for row, record in records:
            if record.article_number:
                key = (short_title(record.title), record.article_number)
                if key in seen:
                    errors.append(
                        RowError(row, "条号", f"同一法规的该条已在第 {seen[key]} 行出现。")
                    )
                seen.setdefault(key, row)
        return iter(errors)

    def commit(self, records: Iterator[Any], progress: Callable[[int], None]) -> CommitReport:
        report = regulations_upsert(actor=self.context.actor, records=records, progress=progress)
        return CommitReport(report.created, report.updated, report.unchanged, {})

    def preview_row(self, record: Any) -> dict[str, Any]:
        return {
            "法规名称": record.title,
            "效力层级": RegulationLevel(record.level).label if record.level else "",
            "条号": record.article_number or "",
            "条文": record.article_text[:60],
        }
