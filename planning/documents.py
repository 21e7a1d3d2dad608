"""The working documents of a draw: 一企一表 (《市场监管领域随机抽查情况记录表》, one joint record
sheet per selected entity) and 随机抽查通知书 (the notice to the entity), as PDF (WeasyPrint),
Word (docxtpl) and Excel (openpyxl), one at a time or the whole draw as one .zip.

Only the current draw of a task (status drawn) and its assigned entities produce documents; a
voided draw's sheets can no longer be printed. The sheet is an internal working document handed
to the inspectors, so it carries the entity's representative and phone — in full only for users
who hold `entity.personal` for the entity's region (as in the registry), masked otherwise. The
notice goes to the entity and carries no personal data at all.

Field order follows domain.md §5 (ZJ `scresultcheck_print.jsp` / `scresultnotice_print.jsp`); the
检查结果 categories are the current SAMR set of domain.md §1.3, labels verbatim.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.scope import Scope
from audit.services import entry_append
from core.masking import mask_phone
from registry.models import Entity, EntityType
from registry.services import mask_name

from .models import (
    Assignment,
    AssignmentStatus,
    Draw,
    DrawStatus,
    GroupMember,
    InspectionTask,
    TaskDepartment,
)
from .selectors import task_list_visible

DOC_TEMPLATES = Path(__file__).resolve().parent / "doc_templates"

# --- fixed content of the forms ---------------------------------------------------------------

# 核查方式（多选）, domain.md §5.
CHECK_METHODS = (
    "实地检查",
    "书面检查",
    "行政部门检查结果或专业意见",
    "检验检测",
    "网络监测",
    "委托专业机构辅助",
)


@dataclass(frozen=True)
class ResultCategory:
    code: str
    label: str
    children: tuple[ResultCategory, ...] = ()


# 检查结果 (multi-choice tree), the current SAMR code set of domain.md §1.3 with its labels
# verbatim; on the print form B, C, 6 and D sit under "违反工商行政管理相关规定", and 3, 4, 5
# and G beside it under A.
RESULT_CATEGORIES: tuple[ResultCategory, ...] = (
    ResultCategory("1", "未发现问题"),
    ResultCategory("F", "未发现开展本次抽查涉及的经营活动"),
    ResultCategory("E", "发现问题经责令已改正"),
    ResultCategory(
        "A",
        "发现问题待后续处理",
        (
            ResultCategory(
                "",
                "违反工商行政管理相关规定",
                (
                    ResultCategory("B", "未按规定公示应当公示的信息"),
                    ResultCategory("C", "公示信息隐瞒真实情况弄虚作假"),
                    ResultCategory("6", "通过登记的住所（经营场所）无法联系"),
                    ResultCategory("D", "违反其他工商行政管理规定行为"),
                ),
            ),
            ResultCategory("3", "违反食品药品管理相关规定"),
            ResultCategory("4", "违反质量技术监督相关规定"),
            ResultCategory("G", "违反公安部门相关规定"),
            ResultCategory("5", "违反其他部门相关规定"),
        ),
    ),
    ResultCategory("8", "不配合检查情节严重"),
    ResultCategory("7", "已关闭停业或正在组织清算"),
    ResultCategory(
        "",
        "登记状态",
        (
            ResultCategory("9", "注销"),
            ResultCategory("10", "被吊销"),
            ResultCategory("11", "被撤销"),
            ResultCategory("12", "迁出"),
        ),
    ),
)


def result_labels() -> list[str]:
    """Every choosable category (leaves and A), as "code 标签" for Excel drop-downs."""
    labels: list[str] = []

    def walk(nodes: Iterable[ResultCategory]) -> None:
        for node in nodes:
            if node.code:
                labels.append(node.label)
            walk(node.children)

    walk(RESULT_CATEGORIES)
    return labels


def result_lines() -> list[str]:
    """The result tree as check-box lines (for Word; the PDF lays out the tree itself)."""
    lines: list[str] = []
    for node in RESULT_CATEGORIES:
        if not node.children:
            lines.append(f"□ {node.label}")
        elif not node.code:
            lines.append(f"{node.label}：" + "　".join(f"□ {c.label}" for c in node.children))
        else:
            lines.append(f"□ {node.label}：")
            for child in node.children:
                if child.children:
                    boxes = "　".join(f"□ {c.label}" for c in child.children)
                    lines.append(f"　　{child.label}：{boxes}")
                else:
                    lines.append(f"　　□ {child.label}")
    return lines


# 后续处置措施 (one of), domain.md §5.
FOLLOW_UPS = (
    "无需后续处置（未发现问题或已责令改正）",
    "停止检查，反馈至日常监管部门",
    "违反本部门规定责令改正，日常监管部门跟踪",
    "发现案件线索，固定证据后移送办案机构",
    "违反其他部门规定，抄告相关部门",
    "其他",
)

SIGNATURES = (
    ("被检查单位意见", "法定代表人（负责人）签字或盖章："),
    ("检查人员签名", "检查人员（签名）："),
    ("组长审核意见", "组长（签名）："),
    ("结果公示审批意见", "审批人（签名）："),
)

NOTICE_BASIS = (
    "根据《国务院办公厅关于推广随机抽查规范事中事后监管的通知》（国办发〔2015〕58号）、"
    "《国务院关于“先照后证”改革后加强事中事后监管的意见》（国发〔2015〕62号）和"
    "《国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见》"
    "（国发〔2019〕5号）"
)

# Seed 004 第十六条 and 《企业信息公示暂行条例》第十五条 (firms must cooperate; not cooperating
# when the case is serious is made public).
NOTICE_WARNING = (
    "请你（单位）按时做好准备，如实提供有关资料，配合检查人员开展检查。"
    "无正当理由拒绝、阻碍检查，或者通过登记的住所（经营场所）无法联系、不予配合检查情节严重，"
    "致使无法开展实质性检查的，检查机关将在取得相关证据后直接形成相应的检查结果，"
    "依法采取相应措施，并通过国家企业信用信息公示系统向社会公示。"
)

DEFAULT_MATERIALS = (
    "营业执照（登记证书）正本或副本",
    "法定代表人（负责人）身份证明；委托他人接受检查的，提供授权委托书及受托人身份证明",
)
GENERIC_MATERIAL = "与上述抽查检查事项相关的许可证件、管理制度、台账、记录、票据等资料"

# Materials an item's text points to: (words in its name/content/standards, what to prepare).
# Matched on the item text, so 需要准备的资料 follows the items actually drawn for the entity.
MATERIAL_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("年度报告", "年报", "公示"), "年度报告及即时公示信息的相关证明材料"),
    (("许可证", "许可"), "与经营范围相应的行政许可证件"),
    (("上网", "网吧"), "上网消费者实名登记记录、经营管理技术措施运行记录"),
    (("娱乐",), "娱乐场所营业日志、从业人员名簿"),
    (("电影", "放映"), "电影放映设备、放映场次及票务记录"),
    (("食品",), "食品进货查验记录、从业人员健康证明"),
    (("药品", "医疗器械"), "药品（医疗器械）购进验收记录和储存养护记录"),
    (("特种设备",), "特种设备使用登记证、定期检验报告及作业人员资格证书"),
    (("计量",), "计量器具检定（校准）证书"),
    (("消防",), "消防安全管理制度、防火检查巡查记录及消防设施检测维保记录"),
    (("价格", "收费", "明码标价"), "价格公示材料及收费凭证"),
    (("广告",), "广告发布登记及广告内容证明材料"),
    (("合同",), "格式合同文本及合同履行相关资料"),
    (("产品质量", "质量"), "产品进货查验记录、产品合格证明及检验报告"),
    (("卫生",), "卫生许可证件、卫生管理制度及检测记录"),
    (("安全生产", "安全"), "安全生产责任制、安全管理制度及隐患排查记录"),
)

DEFAULT_METHODS = ("实地核查", "书面检查")

FORMATS = ("pdf", "docx", "xlsx")
FORMAT_LABELS = {"pdf": "PDF", "docx": "Word", "xlsx": "Excel"}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: object) -> str:
    """Text safe for PDF, Word XML and Excel: no control characters, trimmed, \\r\\n → \\n."""
    text = "" if value is None else str(value)
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class DocumentError(Exception):
    """A document cannot be produced (draw not current, no assignments, bad format)."""


# --- the data of one sheet --------------------------------------------------------------------


@dataclass(frozen=True)
class ItemEntry:
    number: int
    name: str
    kind: str
    category: str
    methods: str
    bases: tuple[str, ...]
    content: str
    standards: str

    @property
    def detail(self) -> str:
        """Method, legal bases, content and standards as lines (Word cells, Excel)."""
        lines = [f"事项类别：{self.kind}"]
        if self.methods:
            lines.append(f"检查方式：{self.methods}")
        if self.bases:
            lines.append("检查依据：")
            lines += [f"  {n}. {b}" for n, b in enumerate(self.bases, start=1)]
        if self.content:
            lines.append(f"检查内容：{self.content}")
        if self.standards:
            lines.append(f"检查标准：{self.standards}")
        return "\n".join(lines)

    @property
    def bases_text(self) -> str:
        return "\n".join(f"{n}. {b}" for n, b in enumerate(self.bases, start=1))


@dataclass(frozen=True)
class DepartmentEntry:
    ordinal: str
    name: str
    is_lead: bool
    items: tuple[ItemEntry, ...]

    @property
    def heading(self) -> str:
        lead = "（牵头部门）" if self.is_lead else ""
        return f"（{self.ordinal}）{self.name}{lead}"


@dataclass(frozen=True)
class MemberEntry:
    position: int
    name: str
    department: str
    certificate_no: str
    is_leader: bool

    @property
    def duty(self) -> str:
        return "组长" if self.is_leader else "组员"


@dataclass(frozen=True)
class GroupEntry:
    code: str
    members: tuple[MemberEntry, ...]

    @property
    def leader(self) -> MemberEntry | None:
        return next((m for m in self.members if m.is_leader), None)


@dataclass(frozen=True)
class EntityEntry:
    name: str
    key_label: str
    key: str
    address: str
    representative: str
    phone: str
    type_label: str
    masked: bool


@dataclass(frozen=True)
class Sheet:
    """Everything one 一企一表 shows (the PDF, Word and Excel outputs all read this)."""

    task_name: str
    task_number: str
    task_kind: str
    title: str  # 市场监管领域… for market-led tasks, the general form title otherwise
    sheet_number: str
    draw_id: str
    certificate_sha256: str
    manifest_sha256: str
    window: str
    deadline: str
    lead_department: str
    entity: EntityEntry
    departments: tuple[DepartmentEntry, ...]
    group: GroupEntry
    generated_on: str
    check_methods: tuple[str, ...] = CHECK_METHODS
    results: tuple[ResultCategory, ...] = RESULT_CATEGORIES
    follow_ups: tuple[str, ...] = FOLLOW_UPS
    signatures: tuple[tuple[str, str], ...] = SIGNATURES

    @property
    def items(self) -> list[tuple[DepartmentEntry, ItemEntry]]:
        return [(d, i) for d in self.departments for i in d.items]

    @property
    def file_stem(self) -> str:
        return f"{self.sheet_number}-{safe_filename(self.entity.name)}"

    def docx_context(self) -> dict[str, Any]:
        return {
            "s": self,
            "check_methods_line": "　".join(f"□ {m}" for m in CHECK_METHODS),
            "result_text": "\n".join(result_lines()),
            "follow_up_text": "\n".join(f"□ {f}" for f in FOLLOW_UPS),
        }


@dataclass(frozen=True)
class Notice:
    """随机抽查通知书 to one entity."""

    task_name: str
    task_number: str
    notice_number: str
    entity_name: str
    key_label: str
    key: str
    basis: str
    items: tuple[str, ...]
    window: str
    methods: str
    materials: tuple[str, ...]
    warning: str
    contact_name: str
    contact_department: str
    issuer: str
    cooperating: str
    issued_on: str

    @property
    def file_stem(self) -> str:
        return f"{self.notice_number}-{safe_filename(self.entity_name)}"

    @property
    def opening(self) -> str:
        return (
            f"{self.basis}，经随机抽取，你（单位）被确定为“{self.task_name}”"
            f"（任务编号：{self.task_number}）的抽查对象。现将有关事项通知如下："
        )

    def docx_context(self) -> dict[str, Any]:
        return {"n": self}


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_filename(name: str) -> str:
    """A file name part usable on Windows and in zip archives."""
    return _UNSAFE.sub("_", clean(name))[:60].strip(" .") or "未命名"


_ORDINALS = "一二三四五六七八九十"


def _ordinal(n: int) -> str:
    if n <= 10:
        return _ORDINALS[n - 1]
    if n < 20:
        return "十" + _ORDINALS[n - 11]
    return str(n)


# --- scope ------------------------------------------------------------------------------------


def current_draw(draw: Draw) -> None:
    """Refuse a draw that is not the task's current result (committed, failed or voided)."""
    if draw.status != DrawStatus.DRAWN:
        raise DocumentError(
            f"抽取 {draw.draw_id} 的状态为“{draw.get_status_display()}”，"
            "只有已抽取且未作废的抽取结果可以生成一企一表和通知书。"
        )


def assignment_get_visible(*, user: User, pk: int) -> Assignment:
    """An assignment of a current draw of a task the user can see (404 otherwise)."""
    assignment = (
        Assignment.objects.filter(
            pk=pk,
            status=AssignmentStatus.ASSIGNED,
            draw__status=DrawStatus.DRAWN,
            task__in=task_list_visible(user=user),
        )
        .select_related("draw", "draw__task", "entity", "group")
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


def personal_variant(user: User, task: InspectionTask) -> str:
    """ "full" when the user may see entities' personal data in the task's region."""
    role = Scope.of(user).role_for_region("entity.personal", task.region_id)
    return "full" if role is not None else "masked"


# --- building the data ------------------------------------------------------------------------


class DrawDocuments:
    """Loads a draw's task, departments, items and groups once; builds each entity's sheet and
    notice from them (a batch of hundreds costs a handful of queries plus one per sheet)."""

    def __init__(self, draw: Draw, *, user: User, today: dt.date | None = None):
        if not task_list_visible(user=user).filter(pk=draw.task_id).exists():
            raise PermissionDenied("task.view")
        current_draw(draw)
        self.draw = draw
        self.task = draw.task
        self.user = user
        self.today = today or timezone.localdate()
        self.scope = Scope.of(user)
        self.full = personal_variant(user, self.task) == "full"
        self._personal: dict[str, bool] = {}
        self.departments = self._departments()
        self.groups = self._groups()

    # The departments' items, in the order of their lists.
    def _departments(self) -> tuple[DepartmentEntry, ...]:
        from catalog.models import InspectionItem, JointItem

        parts = (
            TaskDepartment.objects.filter(task=self.task)
            .select_related("department")
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=InspectionItem.objects.select_related("category")
                    .prefetch_related("methods", "bases")
                    .order_by("category__number", "position", "pk"),
                ),
                Prefetch(
                    "joint_items",
                    queryset=JointItem.objects.prefetch_related("bases").order_by("position", "pk"),
                ),
            )
            .order_by("-is_lead", "department__name", "pk")
        )
        blocks = []
        for n, part in enumerate(parts, start=1):
            entries: list[ItemEntry] = []
            for item in part.items.all():
                methods = [m.name for m in item.methods.all()]
                entries.append(
                    ItemEntry(
                        number=len(entries) + 1,
                        name=clean(item.name),
                        kind=item.get_kind_display(),
                        category=clean(item.category.name),
                        methods=clean("、".join(methods) or item.methods_text),
                        bases=tuple(clean(b.text) for b in item.bases.all())
                        or ((clean(item.basis_text),) if item.basis_text.strip() else ()),
                        content=clean(item.content),
                        standards=clean(item.standards),
                    )
                )
            for joint in part.joint_items.all():
                entries.append(
                    ItemEntry(
                        number=len(entries) + 1,
                        name=clean(joint.name),
                        kind="部门联合抽查事项",
                        category=clean(joint.field),
                        methods="",
                        bases=tuple(clean(b.text) for b in joint.bases.all())
                        or ((clean(joint.basis_text),) if joint.basis_text.strip() else ()),
                        content=clean(joint.content),
                        standards="",
                    )
                )
            blocks.append(
                DepartmentEntry(
                    ordinal=_ordinal(n),
                    name=clean(part.department.name),
                    is_lead=part.is_lead,
                    items=tuple(entries),
                )
            )
        return tuple(blocks)

    def _groups(self) -> dict[int, GroupEntry]:
        members = (
            GroupMember.objects.filter(group__draw=self.draw, active=True)
            .select_related("inspector", "inspector__department", "group")
            .order_by("group__code", "position")
        )
        by_group: dict[int, list[MemberEntry]] = {}
        codes: dict[int, str] = {}
        for m in members:
            codes[m.group_id] = m.group.code
            by_group.setdefault(m.group_id, []).append(
                MemberEntry(
                    position=len(by_group.get(m.group_id, [])) + 1,
                    name=clean(m.inspector.name),
                    department=clean(
                        m.inspector.department.short_name or m.inspector.department.name
                    ),
                    certificate_no=clean(m.inspector.certificate_no),
                    is_leader=m.is_leader,
                )
            )
        return {pk: GroupEntry(codes[pk], tuple(ms)) for pk, ms in by_group.items()}

    def assignments(self) -> list[Assignment]:
        return list(
            self.draw.assignments.filter(status=AssignmentStatus.ASSIGNED)
            .select_related("entity", "group")
            .order_by("sheet_number")
        )

    def _entitled(self, entity: Entity) -> bool:
        if not self.full:
            return False
        if entity.region_id not in self._personal:
            self._personal[entity.region_id] = (
                self.scope.role_for_region("entity.personal", entity.region_id) is not None
            )
        return self._personal[entity.region_id]

    def entity(self, assignment: Assignment) -> EntityEntry:
        entity = assignment.entity
        full = self._entitled(entity)
        representative = clean(entity.representative)
        phone = clean(entity.phone)
        if not full:
            phone = mask_phone(phone) if phone else ""
            if entity.entity_type == EntityType.INDIVIDUAL:
                representative = mask_name(representative)
        key = clean(assignment.entity_key or entity.key)
        return EntityEntry(
            name=clean(entity.name),
            key_label="统一社会信用代码" if entity.uscc and key == entity.uscc else "注册号",
            key=key,
            address=clean(entity.address),
            representative=representative,
            phone=phone,
            type_label=entity.get_entity_type_display(),
            masked=not full,
        )

    @property
    def window(self) -> str:
        return f"{cn_date(self.task.window_start)}至{cn_date(self.task.window_end)}"

    def sheet(self, assignment: Assignment) -> Sheet:
        group = self.groups.get(assignment.group_id) or GroupEntry(assignment.group.code, ())
        return Sheet(
            task_name=clean(self.task.name),
            task_number=self.task.number,
            task_kind=self.task.get_kind_display(),
            title=(
                "市场监管领域随机抽查情况记录表"
                if self.task.lead_department.kind == "market"
                else "“双随机、一公开”随机抽查情况记录表"
            ),
            sheet_number=assignment.sheet_number,
            draw_id=self.draw.draw_id,
            certificate_sha256=self.draw.certificate_sha256,
            manifest_sha256=self.draw.manifest_sha256,
            window=self.window,
            deadline=f"检查完成之日起 {self.task.result_deadline_workdays} 个工作日内公示",
            lead_department=clean(self.task.lead_department.name),
            entity=self.entity(assignment),
            departments=self.departments,
            group=group,
            generated_on=cn_date(self.today),
        )

    def notice(self, assignment: Assignment) -> Notice:
        entity = self.entity(assignment)
        items = tuple(
            f"{i.name}（{d.name}）" if len(self.departments) > 1 else i.name
            for d in self.departments
            for i in d.items
        )
        methods: list[str] = []
        for d in self.departments:
            for i in d.items:
                for m in re.split(r"[、，,；;/\s]+", i.methods):
                    if m and m not in methods:
                        methods.append(m)
        creator = self.task.created_by
        others = [d.name for d in self.departments if not d.is_lead]
        return Notice(
            task_name=clean(self.task.name),
            task_number=self.task.number,
            notice_number=assignment.sheet_number,
            entity_name=entity.name,
            key_label=entity.key_label,
            key=entity.key,
            basis=NOTICE_BASIS,
            items=items or ("本次抽查任务确定的检查事项",),
            window=self.window,
            methods="、".join(methods or DEFAULT_METHODS),
            materials=materials_for(i for d in self.departments for i in d.items),
            warning=NOTICE_WARNING,
            contact_name=clean(creator.display_name),
            contact_department=clean(self.task.lead_department.name),
            issuer=clean(self.task.lead_department.name),
            cooperating="、".join(others),
            issued_on=cn_date(self.today),
        )


def materials_for(items: Iterable[ItemEntry]) -> tuple[str, ...]:
    """三、需要准备的资料: the default documents, then what the items' texts point to."""
    found: list[str] = []
    for item in items:
        text = " ".join((item.name, item.content, item.standards))
        for words, material in MATERIAL_HINTS:
            if material not in found and any(w in text for w in words):
                found.append(material)
    return (*DEFAULT_MATERIALS, *found, GENERIC_MATERIAL)


# --- PDF --------------------------------------------------------------------------------------


class PdfRenderer:
    """HTML → PDF with one FontConfiguration and one parsed stylesheet for a whole batch."""

    def __init__(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.fonts = FontConfiguration()
        self.css = CSS(
            string=render_to_string("planning/documents/print.css"), font_config=self.fonts
        )

    def pdf(self, html: str) -> bytes:
        from weasyprint import HTML

        document = HTML(string=html, base_url=str(settings.BASE_DIR))
        data: bytes = document.write_pdf(stylesheets=[self.css], font_config=self.fonts)
        return data


def sheet_html(sheet: Sheet) -> str:
    return render_to_string("planning/documents/sheet.html", {"sheet": sheet})


def notice_html(notice: Notice) -> str:
    return render_to_string("planning/documents/notice.html", {"notice": notice})


# --- Word -------------------------------------------------------------------------------------


_TEMPLATE_BYTES: dict[str, bytes] = {}


def _docx(name: str, context: dict[str, Any]) -> bytes:
    from docxtpl import DocxTemplate

    if name not in _TEMPLATE_BYTES:
        _TEMPLATE_BYTES[name] = (DOC_TEMPLATES / name).read_bytes()
    template = DocxTemplate(io.BytesIO(_TEMPLATE_BYTES[name]))
    # autoescape: entity names and item texts are data, not markup (& < > must survive).
    template.render(context, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def sheet_docx(sheet: Sheet) -> bytes:
    return _docx("sheet.docx", sheet.docx_context())


def notice_docx(notice: Notice) -> bytes:
    return _docx("notice.docx", notice.docx_context())


# --- Excel ------------------------------------------------------------------------------------

XLSX_HEADERS = (
    "表号",
    "检查组",
    "组长（执法证号）",
    "检查人员（执法证号）",
    "被检查单位",
    "统一社会信用代码/注册号",
    "住所（经营场所）",
    "法定代表人（负责人）",
    "联系电话",
    "检查部门",
    "事项序号",
    "抽查事项",
    "事项类别",
    "检查方式",
    "检查依据",
    "检查内容",
    "发现问题情况",
    "处置情况",
    "检查结果",
    "后续处置措施",
)
XLSX_WIDTHS = (26, 8, 22, 40, 28, 22, 30, 12, 14, 22, 8, 40, 12, 16, 50, 40, 30, 30, 24, 28)


def _safe_cell(value: object) -> object:
    # Never let a cell start a formula: the texts come from user input.
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@"}:
        return "'" + value
    return value


def _member(m: MemberEntry) -> str:
    return f"{m.name}（{m.certificate_no}）"


def sheets_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """一企一表台账: one row per entity and item, for the whole draw (or one sheet).

    A county office tallies and enters results item by item and filters by group, department
    or result; a row per (entity, item) with drop-downs for 检查结果 and 后续处置措施 serves that
    (and pivots into any summary), while one worksheet per entity would only repeat the Word
    form in a worse layout.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "一企一表台账"
    options = workbook.create_sheet("选项")
    results = result_labels()
    for row, label in enumerate(results, start=1):
        options.cell(row=row, column=1, value=label)
    for row, label in enumerate(FOLLOW_UPS, start=1):
        options.cell(row=row, column=2, value=label)
    options.sheet_state = "hidden"
    sheet.append(list(XLSX_HEADERS))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    wrap = Alignment(wrap_text=True, vertical="top")
    for s in sheets:
        leader = s.group.leader
        members = "、".join(_member(m) for m in s.group.members)
        for department, item in s.items:
            sheet.append(
                [
                    _safe_cell(v)
                    for v in (
                        s.sheet_number,
                        s.group.code,
                        _member(leader) if leader else "",
                        members,
                        s.entity.name,
                        s.entity.key,
                        s.entity.address,
                        s.entity.representative,
                        s.entity.phone,
                        department.name,
                        item.number,
                        item.name,
                        item.kind,
                        item.methods,
                        item.bases_text,
                        item.content,
                        "",
                        "",
                        "",
                        "",
                    )
                ]
            )
            for cell in sheet[sheet.max_row]:
                cell.alignment = wrap
    last = max(sheet.max_row, 2)
    result_col = get_column_letter(XLSX_HEADERS.index("检查结果") + 1)
    follow_col = get_column_letter(XLSX_HEADERS.index("后续处置措施") + 1)
    results_dv = DataValidation(
        type="list", formula1=f"=选项!$A$1:$A${len(results)}", allow_blank=True
    )
    results_dv.add(f"{result_col}2:{result_col}{last}")
    follow_dv = DataValidation(
        type="list", formula1=f"=选项!$B$1:$B${len(FOLLOW_UPS)}", allow_blank=True
    )
    follow_dv.add(f"{follow_col}2:{follow_col}{last}")
    sheet.add_data_validation(results_dv)
    sheet.add_data_validation(follow_dv)
    for n, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "F2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_HEADERS))}{sheet.max_row}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


INDEX_HEADERS = (
    "表号",
    "被检查单位",
    "统一社会信用代码/注册号",
    "住所（经营场所）",
    "分层",
    "检查组",
    "组长（执法证号）",
    "检查人员（执法证号）",
    "一企一表文件",
    "通知书文件",
)


def index_xlsx(
    draw: Draw, rows: Sequence[Sequence[object]], formats: Sequence[str], generated: str
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "目录"
    task = draw.task
    sheet.append([f"{task.number} {task.name} — 一企一表与随机抽查通知书目录"])
    sheet.append([f"抽取编号 {draw.draw_id}；证书摘要 SHA-256 {draw.certificate_sha256}"])
    sheet.append([f"格式：{'、'.join(FORMAT_LABELS[f] for f in formats)}；生成于 {generated}"])
    sheet.append(list(INDEX_HEADERS))
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe_cell(v) for v in row])
    for n, width in enumerate((26, 30, 22, 32, 12, 8, 24, 44, 46, 46), start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "B5"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- single documents -------------------------------------------------------------------------

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def sheet_file(*, assignment: Assignment, user: User, fmt: str) -> tuple[str, bytes]:
    """One entity's 一企一表 as (file name, bytes)."""
    if fmt not in FORMATS:
        raise DocumentError(f"不支持的格式：{fmt}")
    docs = DrawDocuments(assignment.draw, user=user)
    sheet = docs.sheet(assignment)
    name = f"一企一表-{sheet.file_stem}.{fmt}"
    if fmt == "pdf":
        return name, PdfRenderer().pdf(sheet_html(sheet))
    if fmt == "docx":
        return name, sheet_docx(sheet)
    return name, sheets_xlsx([sheet])


def notice_file(*, assignment: Assignment, user: User, fmt: str) -> tuple[str, bytes]:
    if fmt not in ("pdf", "docx"):
        raise DocumentError(f"通知书不支持的格式：{fmt}")
    docs = DrawDocuments(assignment.draw, user=user)
    notice = docs.notice(assignment)
    name = f"随机抽查通知书-{notice.file_stem}.{fmt}"
    if fmt == "pdf":
        return name, PdfRenderer().pdf(notice_html(notice))
    return name, notice_docx(notice)


# --- batch ------------------------------------------------------------------------------------

Progress = Callable[[str, int, int | None], None]


@dataclass
class BatchReport:
    total: int
    files: int
    seconds: float
    size: int
    sha256: str
    per_sheet: float = 0.0
    names: list[str] = field(default_factory=list)


def parse_formats(value: str | Iterable[str]) -> list[str]:
    parts = value.split(",") if isinstance(value, str) else list(value)
    chosen = [p.strip().lower() for p in parts if p.strip()]
    bad = [p for p in chosen if p not in FORMATS]
    if bad:
        raise DocumentError(f"不支持的格式：{'、'.join(bad)}（可选 pdf、docx、xlsx）")
    if not chosen:
        raise DocumentError("请至少选择一种格式。")
    return [f for f in FORMATS if f in chosen]


def batch_generate(
    *,
    draw: Draw,
    user: User,
    formats: Sequence[str],
    out: Path,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> BatchReport:
    """Every sheet and notice of the draw into one .zip at `out` (written to a temporary file
    first, so a half-written archive never replaces a good one), with an index.xlsx."""
    formats = parse_formats(formats)
    docs = DrawDocuments(draw, user=user, today=today)
    assignments = docs.assignments()
    if not assignments:
        raise DocumentError("本次抽取没有在册的检查对象，无需生成文书。")
    total = len(assignments)
    renderer = PdfRenderer() if "pdf" in formats else None
    started = time.monotonic()
    pdf_seconds = 0.0
    sheets: list[Sheet] = []
    index_rows: list[list[object]] = []
    names: list[str] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    root = safe_filename(draw.draw_id)
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    if progress:
        progress("生成", 0, total)
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, data: bytes) -> None:
            archive.writestr(f"{root}/{name}", data)
            names.append(f"{root}/{name}")

        for done, assignment in enumerate(assignments, start=1):
            sheet = docs.sheet(assignment)
            notice = docs.notice(assignment)
            sheets.append(sheet)
            sheet_names, notice_names = [], []
            for fmt in formats:
                if fmt == "pdf" and renderer is not None:
                    t0 = time.monotonic()
                    sheet_pdf = renderer.pdf(sheet_html(sheet))
                    pdf_seconds += time.monotonic() - t0
                    put(f"一企一表/{sheet.file_stem}.pdf", sheet_pdf)
                    put(f"通知书/{notice.file_stem}.pdf", renderer.pdf(notice_html(notice)))
                elif fmt == "docx":
                    put(f"一企一表/{sheet.file_stem}.docx", sheet_docx(sheet))
                    put(f"通知书/{notice.file_stem}.docx", notice_docx(notice))
                else:
                    continue
                sheet_names.append(f"一企一表/{sheet.file_stem}.{fmt}")
                notice_names.append(f"通知书/{notice.file_stem}.{fmt}")
            leader = sheet.group.leader
            index_rows.append(
                [
                    sheet.sheet_number,
                    sheet.entity.name,
                    sheet.entity.key,
                    sheet.entity.address,
                    assignment.stratum,
                    sheet.group.code,
                    _member(leader) if leader else "",
                    "、".join(_member(m) for m in sheet.group.members),
                    "；".join(sheet_names) or "见一企一表台账.xlsx",
                    "；".join(notice_names) or "—",
                ]
            )
            if progress:
                progress("生成", done, total)
        if "xlsx" in formats:
            put("一企一表台账.xlsx", sheets_xlsx(sheets))
        put("index.xlsx", index_xlsx(draw, index_rows, formats, generated))
    partial.replace(out)
    data = out.read_bytes()
    seconds = time.monotonic() - started
    report = BatchReport(
        total=total,
        files=len(names),
        seconds=round(seconds, 2),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        per_sheet=round(pdf_seconds / total, 3) if renderer else 0.0,
        names=names,
    )
    _audit_batch(draw=draw, user=user, formats=formats, report=report)
    return report


def _view_role(user: User, task: InspectionTask) -> str:
    """The role under which the user sees the task: over the lead department, else over a
    participating department (joint tasks)."""
    scope = Scope.of(user)
    role = scope.role_for("task.view", task.lead_department)
    for part in task.departments.select_related("department"):
        role = role or scope.role_for("task.view", part.department)
    return role or ""


@transaction.atomic
def _audit_batch(*, draw: Draw, user: User, formats: Sequence[str], report: BatchReport) -> None:
    """Printing the sheets hands entities' data to inspectors: record who did it, and what."""
    entry_append(
        actor=user,
        role=_view_role(user, draw.task),
        action="draw.documents",
        instance=draw,
        after={
            "formats": list(formats),
            "sheets": report.total,
            "files": report.files,
            "archive_sha256": report.sha256,
            "personal_data": personal_variant(user, draw.task) == "full",
        },
        department=draw.task.lead_department,
    )


# --- batch state, shared by the worker and the web process ------------------------------------

STALE_AFTER = dt.timedelta(minutes=30)


def _state_key(draw: Draw, variant: str) -> str:
    return f"documents:{draw.pk}:{variant}"


def archive_path(draw: Draw, variant: str) -> Path:
    return (
        Path(settings.MEDIA_ROOT)
        / "documents"
        / safe_filename(draw.draw_id)
        / f"{safe_filename(draw.draw_id)}-{variant}.zip"
    )


def batch_state(draw: Draw, variant: str) -> dict[str, Any] | None:
    value: dict[str, Any] | None = caches["progress"].get(_state_key(draw, variant))
    return value


def _state_put(draw: Draw, variant: str, **values: Any) -> dict[str, Any]:
    state = batch_state(draw, variant) or {}
    state.update(values, updated_at=timezone.now().isoformat())
    caches["progress"].set(_state_key(draw, variant), state, timeout=7 * 24 * 3600)
    return state


def batch_is_running(state: dict[str, Any] | None) -> bool:
    if not state or state.get("status") not in {"queued", "running"}:
        return False
    updated = dt.datetime.fromisoformat(state["updated_at"])
    return timezone.now() - updated < STALE_AFTER


def batch_start(*, draw: Draw, user: User, formats: Sequence[str]) -> dict[str, Any]:
    """Queue the batch for the user's variant (full or masked personal data) of the draw."""
    from .document_tasks import generate_draw_documents

    current_draw(draw)
    formats = parse_formats(formats)
    if not draw.assignments.filter(status=AssignmentStatus.ASSIGNED).exists():
        raise DocumentError("本次抽取没有在册的检查对象，无需生成文书。")
    variant = personal_variant(user, draw.task)
    if batch_is_running(batch_state(draw, variant)):
        raise DocumentError("本次抽取的文书正在生成，请等待完成后再试。")
    total = draw.assignments.filter(status=AssignmentStatus.ASSIGNED).count()
    state = _state_put(
        draw,
        variant,
        status="queued",
        done=0,
        total=total,
        formats=list(formats),
        started_by=user.display_name,
        started_at=timezone.now().isoformat(),
        error="",
    )
    transaction.on_commit(
        lambda: generate_draw_documents.enqueue(draw.pk, user.pk, list(formats), variant)
    )
    return state


def batch_run(*, draw_pk: int, user_pk: int, formats: list[str], variant: str) -> None:
    """The background job: build the archive, keeping the progress in the shared cache."""
    draw = Draw.objects.select_related("task", "task__lead_department").get(pk=draw_pk)
    user = User.objects.get(pk=user_pk)
    if personal_variant(user, draw.task) != variant:
        # The user's rights changed since the job was queued: do not write the other variant.
        _state_put(draw, variant, status="failed", error="权限已变化，请重新生成。")
        return
    _state_put(draw, variant, status="running")

    def progress(_stage: str, done: int, total: int | None) -> None:
        _state_put(draw, variant, status="running", done=done, total=total)

    try:
        report = batch_generate(
            draw=draw,
            user=user,
            formats=formats,
            out=archive_path(draw, variant),
            progress=progress,
        )
    except DocumentError as exc:
        _state_put(draw, variant, status="failed", error=str(exc))
        return
    except Exception:
        _state_put(
            draw, variant, status="failed", error="生成文书时发生系统错误，请联系系统管理员。"
        )
        raise
    _state_put(
        draw,
        variant,
        status="done",
        done=report.total,
        total=report.total,
        files=report.files,
        size=report.size,
        sha256=report.sha256,
        seconds=report.seconds,
        per_sheet=report.per_sheet,
        finished_at=timezone.now().isoformat(),
        certificate_sha256=draw.certificate_sha256,
    )
