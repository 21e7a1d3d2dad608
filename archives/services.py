"""立卷归档: build a task's archive (one .zip) and record it.

The archive holds, under one top folder:

    目录.txt, index.html          卷内目录 (Chinese), with 已结案/未结案 and what is still open
    校验说明.txt                   how to check the files (sha256sum, certutil, python3)
    MANIFEST.sha256               `sha256sum -c` format: every other file, relative paths
    manifest.json                 path, size, sha256 of every file except the two manifests
    01-抽取证书/<抽取编号>/          each draw's certificate and files, verify.py, README.txt
                                  (voided draws too; a draw without certificate: its commitment)
    02-一企一表与通知书/             the current draw's 一企一表 and 通知书 as PDF
    03-检查结果/                   检查结果.xlsx and results.json (sheets, items, corrections,
                                  history, credit feedback)
    04-证据材料/<表号>/             every evidence file, checked against its stored SHA-256
    05-后续处置/                   后续处置.xlsx and followups.json (notes, closure)
    06-履职记录/                   履职记录.xlsx and accountability.json (尽职照单免责)
    07-行为日志/                   audit-excerpt.jsonl (every audit entry about the task, its
                                  draws, sheets, results, corrections, follow-ups, evidence,
                                  credit proposals and earlier archives), verify_audit.py, 说明.txt

Evidence whose bytes no longer match the stored digest (or that is missing) is not copied: it
is listed in 04-证据材料/校验异常.txt, in the index, in the Archive's counts and in the audit
entry, so a tampered file can never pass for the original.

The zip is written to a temporary file, then moved into place; the Archive row and its audit
entry are written in one transaction afterwards (the long build holds no database lock).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.scope import Scope
from audit import chain
from audit.models import AuditEntry
from audit.services import entry_append
from inspections import uploads
from inspections.models import (
    CorrectionState,
    CreditProposal,
    Evidence,
    FollowUp,
    FollowUpStatus,
    ItemResult,
    ResultCorrection,
    SheetResult,
    SheetState,
)
from planning.models import Assignment, AssignmentStatus, Draw, DrawStatus, InspectionTask

from .models import Archive

Progress = Callable[[str, int, int | None], None]

CERTIFICATES = "01-抽取证书"
DOCUMENTS = "02-一企一表与通知书"
RESULTS = "03-检查结果"
EVIDENCE = "04-证据材料"
FOLLOWUPS = "05-后续处置"
DUTIES = "06-履职记录"
AUDIT = "07-行为日志"
MANIFEST = "MANIFEST.sha256"
MANIFEST_JSON = "manifest.json"
SECTIONS = {
    CERTIFICATES: "抽取证书及规范文件（含已作废的抽取），可用 verify.py 独立验证",
    DOCUMENTS: "一企一表（随机抽查情况记录表）与随机抽查通知书（PDF）",
    RESULTS: "检查结果（逐表、逐事项）、更正、过程记录与信用反馈（xlsx 与 JSON）",
    EVIDENCE: "证据材料原件（按表号分目录，已核对上传时登记的 SHA-256）",
    FOLLOWUPS: "后续处置、处置进展与办结情况（xlsx 与 JSON）",
    DUTIES: "检查人员履职记录（尽职照单免责）（xlsx 与 JSON）",
    AUDIT: "行为日志摘录（JSON Lines，含序号与哈希，可与系统日志链核对）",
}
CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """A refusal with a Chinese message for the page or the command line."""


# --- scope ------------------------------------------------------------------------------------


def archive_role(user: User, task: InspectionTask) -> str | None:
    """The role under which `user` may archive `task`: `archive.download` over its lead
    department or one of its participating departments."""
    scope = Scope.of(user)
    role = scope.role_for("archive.download", task.lead_department)
    if role is not None:
        return role
    for part in task.departments.select_related("department"):
        role = scope.role_for("archive.download", part.department)
        if role is not None:
            return role
    return None


def authorize_archive(user: User, task: InspectionTask) -> str:
    role = archive_role(user, task)
    if role is None:
        raise PermissionDenied("archive.download")
    return role


# --- small helpers ----------------------------------------------------------------------------


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _safe(name: str) -> str:
    from planning.documents import safe_filename

    return safe_filename(name).replace("\n", " ") or "未命名"


def _user(user: User | None) -> str:
    return user.display_name if user is not None else ""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _xlsx(sheets: list[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        ws = book.create_sheet(title)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            # A leading "=" would make Excel evaluate user-entered text as a formula.
            ws.append([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
        for n, header in enumerate(headers, start=1):
            ws.column_dimensions[ws.cell(1, n).column_letter].width = max(
                10, min(40, len(header) * 2 + 4)
            )
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


# --- what the archive is about ----------------------------------------------------------------


@dataclass
class Contents:
    """The task's records, loaded once."""

    task: InspectionTask
    draws: list[Draw]
    assignments: list[Assignment]
    sheets: list[SheetResult]
    items: list[ItemResult]
    corrections: list[ResultCorrection]
    followups: list[FollowUp]
    evidence: list[Evidence]
    proposals: list[CreditProposal]
    earlier_archives: list[int]

    @classmethod
    def load(cls, task: InspectionTask) -> Contents:
        sheets = list(
            SheetResult.objects.filter(assignment__task=task)
            .select_related(
                "assignment",
                "assignment__entity",
                "assignment__group",
                "category_set",
                "submitted_by",
                "reviewed_by",
                "published_by",
                "refusal_recorded_by",
            )
            .prefetch_related("events", "events__actor")
            .order_by("assignment__sheet_number", "pk")
        )
        return cls(
            task=task,
            draws=list(task.draws.order_by("sequence")),
            assignments=list(
                Assignment.objects.filter(task=task)
                .select_related("entity", "group", "draw")
                .order_by("draw__sequence", "sheet_number")
            ),
            sheets=sheets,
            items=list(
                ItemResult.objects.filter(sheet__in=sheets)
                .select_related(
                    "sheet__assignment",
                    "part__department",
                    "item",
                    "basis_article",
                    "basis_regulation",
                    "entered_by",
                )
                .prefetch_related("categories")
                .order_by("sheet__assignment__sheet_number", "part__department_id", "item_id")
            ),
            corrections=list(
                ResultCorrection.objects.filter(sheet__in=sheets)
                .select_related(
                    "sheet__assignment", "item_result__item", "created_by", "reviewed_by"
                )
                .prefetch_related("categories")
                .order_by("created_at", "pk")
            ),
            followups=list(
                FollowUp.objects.filter(sheet__in=sheets)
                .select_related(
                    "sheet__assignment", "item_result__item", "department", "opened_by", "closed_by"
                )
                .prefetch_related("notes", "notes__author")
                .order_by("opened_at", "pk")
            ),
            evidence=list(
                Evidence.objects.filter(sheet__in=sheets)
                .select_related("sheet__assignment", "department", "uploaded_by")
                .order_by("sheet__assignment__sheet_number", "uploaded_at", "pk")
            ),
            proposals=list(
                CreditProposal.objects.filter(sheet__in=sheets)
                .select_related("sheet__assignment", "entity", "level", "from_level", "decided_by")
                .order_by("proposed_at", "pk")
            ),
            earlier_archives=list(Archive.objects.filter(task=task).values_list("pk", flat=True)),
        )

    @property
    def live_assignments(self) -> list[Assignment]:
        return [
            a
            for a in self.assignments
            if a.status == AssignmentStatus.ASSIGNED and a.draw.status == DrawStatus.DRAWN
        ]

    def open_matters(self) -> list[str]:
        """What keeps the task from being closed (结案): sheets not yet published, open
        follow-ups, corrections awaiting review."""
        by_assignment = {s.assignment_id: s for s in self.sheets}
        lines = []
        for a in self.live_assignments:
            sheet = by_assignment.get(a.pk)
            state = sheet.get_state_display() if sheet else SheetState.DRAFT.label
            if sheet is None or sheet.state != SheetState.PUBLISHED:
                lines.append(f"检查表 {a.sheet_number} {a.entity.name}：{state}")
        for f in self.followups:
            if f.status == FollowUpStatus.OPEN:
                lines.append(
                    f"后续处置 {f.sheet.assignment.sheet_number} {f.get_kind_display()}："
                    f"未完结（办结期限 {_day(f.due_on)}）"
                )
        for c in self.corrections:
            if c.state == CorrectionState.SUBMITTED:
                lines.append(f"更正 {c.sheet.assignment.sheet_number}：待审核")
        if not self.live_assignments:
            lines.append("任务没有有效的抽取结果")
        return lines

    def audit_q(self) -> Q:
        ids: dict[str, list[Any]] = {
            "planning.inspectiontask": [self.task.pk],
            "planning.draw": [d.pk for d in self.draws],
            "planning.assignment": [a.pk for a in self.assignments],
            "inspections.sheetresult": [s.pk for s in self.sheets],
            "inspections.itemresult": [i.pk for i in self.items],
            "inspections.resultcorrection": [c.pk for c in self.corrections],
            "inspections.followup": [f.pk for f in self.followups],
            "inspections.evidence": [e.pk for e in self.evidence],
            "inspections.creditproposal": [p.pk for p in self.proposals],
            "archives.archive": self.earlier_archives,
        }
        q = Q(pk__in=[])
        for object_type, pks in ids.items():
            if pks:
                q |= Q(object_type=object_type, object_id__in=[str(pk) for pk in pks])
        return q


def audit_excerpt(contents: Contents) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(contents.audit_q()).order_by("seq"))


def audit_line(entry: AuditEntry) -> dict[str, Any]:
    """One entry as the chain hashes it (audit.chain.hash_payload), plus its snapshots."""
    payload = chain.hash_payload(
        seq=entry.seq,
        created_at=entry.created_at,
        actor_id=entry.actor_id,
        actor_username=entry.actor_username,
        actor_name=entry.actor_name,
        role=entry.role,
        department_id=entry.department_id,
        region_code=entry.region_code,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        object_repr=entry.object_repr,
        reason=entry.reason,
        ip_address=entry.ip_address,
        before_digest=entry.before_digest,
        after_digest=entry.after_digest,
        prev_hash=entry.prev_hash,
    )
    return {**payload, "before": entry.before, "after": entry.after, "entry_hash": entry.entry_hash}


# --- the data files ---------------------------------------------------------------------------


def _categories(cats: Any) -> list[dict[str, str]]:
    return [{"code": c.code, "label": c.label} for c in cats]


def _cat_text(cats: Any) -> str:
    return "；".join(f"{c.code} {c.label}" for c in cats)


def _basis(item: ItemResult) -> str:
    parts = []
    if item.basis_article_id:
        parts.append(str(item.basis_article))
    elif item.basis_regulation_id:
        parts.append(str(item.basis_regulation))
    if item.basis_text:
        parts.append(item.basis_text)
    return "；".join(parts)


def results_files(c: Contents, evidence_paths: dict[int, str]) -> tuple[bytes, bytes]:
    """(检查结果.xlsx, results.json)."""
    items_by_sheet: dict[int, list[ItemResult]] = {}
    for i in c.items:
        items_by_sheet.setdefault(i.sheet_id, []).append(i)
    corrections_by_item: dict[int, list[ResultCorrection]] = {}
    for corr in c.corrections:
        corrections_by_item.setdefault(corr.item_result_id, []).append(corr)
    evidence_by_sheet: dict[int, list[Evidence]] = {}
    for e in c.evidence:
        evidence_by_sheet.setdefault(e.sheet_id, []).append(e)

    def correction_doc(corr: ResultCorrection) -> dict[str, Any]:
        return {
            "id": corr.pk,
            "state": corr.state,
            "state_label": corr.get_state_display(),
            "reason": corr.reason,
            "categories": _categories(corr.categories.all()),
            "problems": corr.problems,
            "created_by": _user(corr.created_by),
            "created_at": _local(corr.created_at),
            "reviewed_by": _user(corr.reviewed_by),
            "reviewed_at": _local(corr.reviewed_at),
            "review_note": corr.review_note,
        }

    sheets_doc: list[dict[str, Any]] = []
    for s in c.sheets:
        a = s.assignment
        sheets_doc.append(
            {
                "sheet_number": a.sheet_number,
                "assignment_status": a.get_status_display(),
                "entity": {"name": a.entity.name, "key": a.entity_key},
                "group": a.group.code,
                "category_set": s.category_set.code,
                "state": s.state,
                "state_label": s.get_state_display(),
                "outcome": s.outcome,
                "outcome_label": s.get_outcome_display(),
                "outcome_note": s.outcome_note,
                "outcome_on": _day(s.outcome_on),
                "notice": {
                    "method": s.get_notice_method_display() if s.notice_method else "",
                    "notified_at": _local(s.notified_at),
                    "not_reason": s.notice_not_reason,
                },
                "signature": {
                    "status": s.get_signature_status_display() if s.signature_status else "",
                    "signer_name": s.signer_name,
                    "signed_at": _local(s.signed_at),
                    "refusal_recorded_by": s.refusal_recorded_by.name
                    if s.refusal_recorded_by
                    else "",
                    "refusal_witness": s.refusal_witness,
                    "refusal_reason": s.refusal_reason,
                },
                "completed_on": _day(s.completed_on),
                "submitted": {"by": _user(s.submitted_by), "at": _local(s.submitted_at)},
                "reviewed": {
                    "by": _user(s.reviewed_by),
                    "at": _local(s.reviewed_at),
                    "note": s.review_note,
                },
                "published": {"by": _user(s.published_by), "at": _local(s.published_at)},
                "items": [
                    {
                        "department": i.part.department.name,
                        "item": i.item_label,
                        "categories": _categories(i.categories.all()),
                        "problems": i.problems,
                        "basis": _basis(i),
                        "measures": i.measure_labels(),
                        "measures_note": i.measures_note,
                        "methods": i.method_labels(),
                        "inspected_on": _day(i.inspected_on),
                        "entered_by": _user(i.entered_by),
                        "entered_at": _local(i.entered_at),
                        "corrections": [
                            correction_doc(x) for x in corrections_by_item.get(i.pk, [])
                        ],
                    }
                    for i in items_by_sheet.get(s.pk, [])
                ],
                "evidence": [
                    {
                        "name": e.original_name,
                        "sha256": e.sha256,
                        "size": e.size,
                        "archived_as": evidence_paths.get(e.pk, ""),
                    }
                    for e in evidence_by_sheet.get(s.pk, [])
                ],
                "history": [
                    {
                        "at": _local(ev.at),
                        "event": ev.get_kind_display(),
                        "by": _user(ev.actor),
                        "note": ev.note,
                    }
                    for ev in s.events.all()
                ],
            }
        )
    proposals_doc: list[dict[str, Any]] = [
        {
            "sheet_number": p.sheet.assignment.sheet_number,
            "entity": p.entity.name,
            "proposal": p.label,
            "reason": p.reason,
            "state": p.get_state_display(),
            "proposed_at": _local(p.proposed_at),
            "decided_by": _user(p.decided_by),
            "decided_at": _local(p.decided_at),
            "decision_note": p.decision_note,
        }
        for p in c.proposals
    ]
    doc = {"task": c.task.number, "sheets": sheets_doc, "credit_proposals": proposals_doc}

    sheet_rows = [
        [
            d["sheet_number"],
            d["entity"]["name"],
            d["entity"]["key"],
            d["group"],
            d["state_label"],
            d["outcome_label"],
            d["outcome_note"],
            d["notice"]["method"],
            d["notice"]["notified_at"] or d["notice"]["not_reason"],
            d["signature"]["status"],
            d["signature"]["signer_name"] or d["signature"]["refusal_reason"],
            d["completed_on"],
            d["submitted"]["at"],
            d["reviewed"]["note"],
            d["published"]["at"],
        ]
        for d in sheets_doc
    ]
    item_rows = []
    correction_rows = []
    for i in c.items:
        item_rows.append(
            [
                i.sheet.assignment.sheet_number,
                i.part.department.name,
                i.item_label,
                _cat_text(i.categories.all()),
                i.problems,
                _basis(i),
                "、".join(i.measure_labels()),
                "、".join(i.method_labels()),
                _day(i.inspected_on),
                _user(i.entered_by),
            ]
        )
        for corr in corrections_by_item.get(i.pk, []):
            correction_rows.append(
                [
                    i.sheet.assignment.sheet_number,
                    i.item_label,
                    _cat_text(i.categories.all()),
                    i.problems,
                    _cat_text(corr.categories.all()),
                    corr.problems,
                    corr.reason,
                    corr.get_state_display(),
                    _user(corr.created_by),
                    _user(corr.reviewed_by),
                    _local(corr.reviewed_at),
                ]
            )
    book = _xlsx(
        [
            (
                "检查表",
                [
                    "表号",
                    "检查对象",
                    "统一社会信用代码/注册号",
                    "检查组",
                    "状态",
                    "检查情况",
                    "无法检查的情况说明",
                    "告知方式",
                    "告知时间或未告知原因",
                    "签字情况",
                    "签字人或拒签理由",
                    "检查完成日期",
                    "提交时间",
                    "审核意见",
                    "公示时间",
                ],
                sheet_rows,
            ),
            (
                "检查事项结果",
                [
                    "表号",
                    "检查部门",
                    "检查事项",
                    "检查结果",
                    "发现问题情况",
                    "法律依据",
                    "现场处置措施",
                    "核查方式",
                    "检查日期",
                    "录入人",
                ],
                item_rows,
            ),
            (
                "更正",
                [
                    "表号",
                    "检查事项",
                    "原检查结果",
                    "原发现问题情况",
                    "更正后检查结果",
                    "更正后发现问题情况",
                    "更正原因",
                    "状态",
                    "提出人",
                    "审核人",
                    "审核时间",
                ],
                correction_rows,
            ),
            (
                "信用反馈",
                ["表号", "检查对象", "建议", "依据", "状态", "审核人", "审核意见"],
                [
                    [
                        p["sheet_number"],
                        p["entity"],
                        p["proposal"],
                        p["reason"],
                        p["state"],
                        p["decided_by"],
                        p["decision_note"],
                    ]
                    for p in proposals_doc
                ],
            ),
        ]
    )
    return book, _json(doc)


def followup_files(c: Contents, evidence_paths: dict[int, str]) -> tuple[bytes, bytes]:
    docs: list[dict[str, Any]] = []
    for f in c.followups:
        docs.append(
            {
                "sheet_number": f.sheet.assignment.sheet_number,
                "item": f.item_result.item_label,
                "department": f.department.name,
                "kind": f.get_kind_display(),
                "description": f.description,
                "due_on": _day(f.due_on),
                "status": f.get_status_display(),
                "opened_by": _user(f.opened_by),
                "opened_at": _local(f.opened_at),
                "closed_by": _user(f.closed_by),
                "closed_at": _local(f.closed_at),
                "closing_note": f.closing_note,
                "notes": [
                    {"at": _local(n.at), "by": _user(n.author), "text": n.text}
                    for n in f.notes.all()
                ],
                "evidence": [
                    {"name": e.original_name, "sha256": e.sha256, "archived_as": p}
                    for e in c.evidence
                    if e.followup_id == f.pk
                    for p in [evidence_paths.get(e.pk, "")]
                ],
            }
        )
    book = _xlsx(
        [
            (
                "后续处置",
                [
                    "表号",
                    "检查事项",
                    "负责部门",
                    "处置方式",
                    "处置要求",
                    "办结期限",
                    "状态",
                    "登记人",
                    "登记时间",
                    "办结人",
                    "办结时间",
                    "办结情况",
                ],
                [
                    [
                        d["sheet_number"],
                        d["item"],
                        d["department"],
                        d["kind"],
                        d["description"],
                        d["due_on"],
                        d["status"],
                        d["opened_by"],
                        d["opened_at"],
                        d["closed_by"],
                        d["closed_at"],
                        d["closing_note"],
                    ]
                    for d in docs
                ],
            ),
            (
                "处置进展",
                ["表号", "处置方式", "时间", "记录人", "进展情况"],
                [
                    [d["sheet_number"], d["kind"], n["at"], n["by"], n["text"]]
                    for d in docs
                    for n in d["notes"]
                ],
            ),
        ]
    )
    return book, _json({"task": c.task.number, "followups": docs})


def duty_files(c: Contents) -> tuple[bytes, bytes]:
    from inspections.selectors import accountability

    rows = accountability(task=c.task)
    docs: list[dict[str, Any]] = [
        {
            "inspector": r.inspector.name,
            "certificate_no": r.inspector.certificate_no,
            "department": r.department,
            "groups": r.groups,
            "is_leader": r.is_leader,
            "sheets": r.sheets,
            "submitted": r.submitted,
            "on_time": r.on_time,
            "published": r.published,
            "items_entered": r.items_entered,
            "evidence": r.evidence,
            "conclusion": r.conclusion,
        }
        for r in rows
    ]
    book = _xlsx(
        [
            (
                "履职记录",
                [
                    "检查人员",
                    "执法证号",
                    "部门",
                    "检查组",
                    "组长",
                    "分配户数",
                    "已提交",
                    "按期提交",
                    "已公示",
                    "本人录入事项",
                    "本人上传证据",
                    "结论",
                ],
                [
                    [
                        d["inspector"],
                        d["certificate_no"],
                        d["department"],
                        "、".join(d["groups"]),
                        "是" if d["is_leader"] else "",
                        d["sheets"],
                        d["submitted"],
                        d["on_time"],
                        d["published"],
                        d["items_entered"],
                        d["evidence"],
                        d["conclusion"],
                    ]
                    for d in docs
                ],
            )
        ]
    )
    return book, _json(
        {"task": c.task.number, "window_end": _day(c.task.window_end), "duties": docs}
    )


AUDIT_README = """行为日志摘录 — 说明

audit-excerpt.jsonl 每行是一条与本任务有关的行为日志（任务、抽取、一企一表、检查结果、检查事项结果、
更正、后续处置、证据材料、信用反馈建议及此前的归档记录），按序号（seq）排列。

每行包含系统日志链计算哈希时使用的全部字段，以及变更前后的内容（before / after）：
  entry_hash   = SHA-256（规范 JSON：键排序、无空白、保留中文）of 除 before、after、entry_hash 外的字段
  before_digest / after_digest = SHA-256（规范 JSON）of before / after
  prev_hash    = 系统日志链中上一条（序号 seq-1）的 entry_hash

摘录只含本任务的日志，相邻两行的序号通常不连续，因此 prev_hash 指向的条目多数不在摘录中。
核对方法：
  1. 运行 python3 verify_audit.py audit-excerpt.jsonl：逐行重算 entry_hash 与两个摘要，
     全部一致时最后一行显示“通过”。
  2. 与系统的行为日志核对：在平台“行为日志”页面（或 manage.py audit_verify）确认整条链完好后，
     按序号查找对应条目，其本条哈希应与摘录中的 entry_hash 相同。
"""

VERIFY_AUDIT = '''"""Recompute every entry_hash and snapshot digest of an audit excerpt (Python 3, stdlib only).

Usage: python3 verify_audit.py audit-excerpt.jsonl
"""

import hashlib
import json
import sys

HASHED = (
    "v", "seq", "created_at", "actor_id", "actor_username", "actor_name", "role",
    "department_id", "region_code", "action", "object_type", "object_id", "object_repr",
    "reason", "ip_address", "before_digest", "after_digest", "prev_hash",
)


def digest(value):
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main(path):
    bad = 0
    count = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            count += 1
            entry = json.loads(line)
            problems = []
            if digest({k: entry[k] for k in HASHED}) != entry["entry_hash"]:
                problems.append("entry_hash")
            if digest(entry["before"]) != entry["before_digest"]:
                problems.append("before_digest")
            if digest(entry["after"]) != entry["after_digest"]:
                problems.append("after_digest")
            if problems:
                bad += 1
                print(f"seq {entry['seq']}: 不一致 FAIL ({', '.join(problems)})")
    if bad:
        print(f"共 {count} 条，{bad} 条不一致 FAIL")
        return 1
    print(f"共 {count} 条，全部一致，通过 PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "audit-excerpt.jsonl"))
'''

CHECK_README = """立卷归档 — 校验说明

本卷宗中除 MANIFEST.sha256 本身以外的每个文件，都在 MANIFEST.sha256 中列有 SHA-256 摘要
（manifest.json 另列出路径、大小与摘要，便于程序读取）。解压后，在本目录（MANIFEST.sha256
所在目录）中执行下列任一方法；任何文件被改动、缺失，都会显示不一致。

Linux / macOS：
  sha256sum -c MANIFEST.sha256
  （macOS 可用 shasum -a 256 -c MANIFEST.sha256）

Windows（命令提示符，逐个文件核对）：
  certutil -hashfile "03-检查结果\\results.json" SHA256
  将输出的摘要与 MANIFEST.sha256 中同一路径的摘要比较（不区分大小写）。

Python 3（任何系统，一行命令）：
  python3 -c "import hashlib;bad=[p for h,p in (l.rstrip('\\n').split('  ',1) for l in open('MANIFEST.sha256',encoding='utf-8')) if hashlib.sha256(open(p,'rb').read()).hexdigest()!=h];print('全部一致' if not bad else '不一致：'+'、'.join(bad))"

压缩包本身的 SHA-256 记录在平台的归档页面和行为日志中（生成时登记），MANIFEST.sha256 的
SHA-256 也一并登记：两者一致，说明这份压缩包就是当时生成的那一份。
抽取证书可用 01-抽取证书 各目录中的 verify.py 独立验证（见该目录的 README.txt）；
行为日志摘录的核对方法见 07-行为日志/说明.txt。
"""


# --- building ---------------------------------------------------------------------------------


@dataclass
class EvidenceProblem:
    evidence: Evidence
    actual: str  # "" when the file is missing

    @property
    def text(self) -> str:
        e = self.evidence
        what = "文件缺失" if not self.actual else f"实际 SHA-256 {self.actual}"
        return (
            f"{e.sheet.assignment.sheet_number} 证据 #{e.pk} {e.original_name}："
            f"登记的 SHA-256 {e.sha256}，{what}；未收入本卷宗"
        )


@dataclass
class BuildReport:
    sha256: str
    manifest_sha256: str
    size: int
    files: list[str]
    counts: dict[str, int]
    is_closed: bool
    open_matters: list[str]
    problems: list[EvidenceProblem] = field(default_factory=list)


class _Writer:
    """Writes files into the zip under one root folder and remembers each file's digest."""

    def __init__(self, archive: zipfile.ZipFile, root: str):
        self.archive = archive
        self.root = root
        self.entries: list[tuple[str, int, str]] = []

    def put(self, name: str, data: bytes) -> None:
        self.archive.writestr(f"{self.root}/{name}", data)
        self.entries.append((name, len(data), hashlib.sha256(data).hexdigest()))

    def put_file(self, name: str, source: Path, expected: str) -> None:
        """Copy `source`, hashing as it goes; refuse if the bytes changed since they were
        checked (the caller checked `expected` just before)."""
        digest = hashlib.sha256()
        size = 0
        with source.open("rb") as handle, self.archive.open(f"{self.root}/{name}", "w") as out:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected:
            raise ArchiveError(f"证据文件 {name} 在复制过程中发生变化，请重新生成。")
        self.entries.append((name, size, expected))


def archive_dir(task: InspectionTask) -> Path:
    return Path(settings.MEDIA_ROOT) / "archives" / _safe(task.number)


def build(
    *, task: InspectionTask, user: User, out: Path, progress: Progress | None = None
) -> BuildReport:
    """Write the archive of `task` to `out` (through a temporary file)."""
    from planning import documents as docs
    from planning.views import certificate_zip

    def step(stage: str, done: int, total: int | None) -> None:
        if progress:
            progress(stage, done, total)

    c = Contents.load(task)
    if not c.draws:
        raise ArchiveError("任务尚未冻结抽取，没有可归档的材料。")
    open_matters = c.open_matters()
    is_closed = not open_matters
    now = timezone.now()
    root = _safe(f"{task.number}-立卷归档")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    problems: list[EvidenceProblem] = []
    evidence_paths: dict[int, str] = {}
    doc_count = 0
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            w = _Writer(archive, root)
            # 01 certificates, every draw (voided and failed ones too).
            for n, draw in enumerate(c.draws, start=1):
                folder = f"{CERTIFICATES}/{_safe(draw.draw_id)}"
                if draw.certificate_json:
                    with zipfile.ZipFile(io.BytesIO(certificate_zip(draw))) as cert:
                        for name in cert.namelist():
                            w.put(f"{folder}/{name}", cert.read(name))
                else:
                    from planning import draw_bridge

                    w.put(f"{folder}/commitment.json", draw.manifest_json.encode("utf-8"))
                    for name, data in draw_bridge.load_files(draw.files_dir).items():
                        w.put(f"{folder}/{name}", data)
                step("抽取证书", n, len(c.draws))
            # 02 documents of the current draw.
            current = next((d for d in c.draws if d.status == DrawStatus.DRAWN), None)
            if current is not None:
                drawdocs = docs.DrawDocuments(current, user=user)
                renderer = docs.PdfRenderer()
                assignments = drawdocs.assignments()
                for n, assignment in enumerate(assignments, start=1):
                    sheet = drawdocs.sheet(assignment)
                    notice = drawdocs.notice(assignment)
                    w.put(
                        f"{DOCUMENTS}/一企一表/{_safe(sheet.file_stem)}.pdf",
                        renderer.pdf(docs.sheet_html(sheet)),
                    )
                    w.put(
                        f"{DOCUMENTS}/通知书/{_safe(notice.file_stem)}.pdf",
                        renderer.pdf(docs.notice_html(notice)),
                    )
                    doc_count += 2
                    step("一企一表与通知书", n, len(assignments))
            # 04 evidence first (the data files name where each file went).
            for n, e in enumerate(c.evidence, start=1):
                source = uploads.absolute(e.path)
                actual = sha256_file(source) if source.is_file() else ""
                if actual != e.sha256:
                    problems.append(EvidenceProblem(e, actual))
                else:
                    name = (
                        f"{EVIDENCE}/{_safe(e.sheet.assignment.sheet_number)}/"
                        f"{e.pk}-{_safe(e.original_name)}"
                    )
                    w.put_file(name, source, e.sha256)
                    evidence_paths[e.pk] = name
                step("证据材料", n, len(c.evidence))
            if problems:
                w.put(
                    f"{EVIDENCE}/校验异常.txt",
                    (
                        "以下证据文件与上传时登记的 SHA-256 不一致或已缺失，未收入本卷宗：\n"
                        + "".join(f"  {p.text}\n" for p in problems)
                    ).encode("utf-8"),
                )
            # 03 results, 05 follow-ups, 06 duties.
            book, data = results_files(c, evidence_paths)
            w.put(f"{RESULTS}/检查结果.xlsx", book)
            w.put(f"{RESULTS}/results.json", data)
            book, data = followup_files(c, evidence_paths)
            w.put(f"{FOLLOWUPS}/后续处置.xlsx", book)
            w.put(f"{FOLLOWUPS}/followups.json", data)
            book, data = duty_files(c)
            w.put(f"{DUTIES}/履职记录.xlsx", book)
            w.put(f"{DUTIES}/accountability.json", data)
            step("检查结果", 1, 1)
            # 07 audit excerpt.
            entries = audit_excerpt(c)
            w.put(
                f"{AUDIT}/audit-excerpt.jsonl",
                "".join(chain.canonical_json(audit_line(e)) + "\n" for e in entries).encode(
                    "utf-8"
                ),
            )
            w.put(f"{AUDIT}/verify_audit.py", VERIFY_AUDIT.encode("utf-8"))
            w.put(f"{AUDIT}/说明.txt", AUDIT_README.encode("utf-8"))
            step("行为日志", 1, 1)
            counts = {
                "draws": len(c.draws),
                "sheets": len(c.live_assignments),
                "results": len(c.sheets),
                "published": sum(1 for s in c.sheets if s.state == SheetState.PUBLISHED),
                "documents": doc_count,
                "corrections": len(c.corrections),
                "followups": len(c.followups),
                "followups_open": sum(1 for f in c.followups if f.status == FollowUpStatus.OPEN),
                "evidence": len(evidence_paths),
                "evidence_problems": len(problems),
                "audit_entries": len(entries),
            }
            # Index, check instructions, manifests.
            w.put("校验说明.txt", CHECK_README.encode("utf-8"))
            index_txt, index_html = index_files(
                c,
                user=user,
                now=now,
                files=w.entries,
                counts=counts,
                open_matters=open_matters,
                problems=problems,
            )
            w.put("目录.txt", index_txt)
            w.put("index.html", index_html)
            manifest_doc = {
                "task": task.number,
                "generated_at": chain.timestamp(now),
                "files": [{"path": p, "size": s, "sha256": h} for p, s, h in sorted(w.entries)],
            }
            w.put(MANIFEST_JSON, _json(manifest_doc))
            manifest = "".join(f"{h}  {p}\n" for p, _s, h in sorted(w.entries)).encode("utf-8")
            archive.writestr(f"{root}/{MANIFEST}", manifest)
        counts["files"] = len(w.entries) + 1
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    step("完成", 1, 1)
    return BuildReport(
        sha256=sha256_file(out),
        manifest_sha256=hashlib.sha256(manifest).hexdigest(),
        size=out.stat().st_size,
        files=[f"{root}/{p}" for p, _s, _h in w.entries] + [f"{root}/{MANIFEST}"],
        counts=counts,
        is_closed=is_closed,
        open_matters=open_matters,
        problems=problems,
    )


def index_files(
    c: Contents,
    *,
    user: User,
    now: dt.datetime,
    files: list[tuple[str, int, str]],
    counts: dict[str, int],
    open_matters: list[str],
    problems: list[EvidenceProblem],
) -> tuple[bytes, bytes]:
    """目录.txt and index.html: 卷内目录."""
    task = c.task
    status = "已结案" if not open_matters else "未结案"
    head = [
        ("任务名称", task.name),
        ("任务编号", task.number),
        ("任务类型", task.get_kind_display()),
        ("牵头部门", task.lead_department.name),
        (
            "参与部门",
            "、".join(
                p.department.name
                for p in task.departments.select_related("department").order_by("-is_lead", "pk")
            ),
        ),
        ("检查时间", f"{_day(task.window_start)} 至 {_day(task.window_end)}"),
        ("案卷状态", status),
        ("立卷时间", _local(now)),
        ("立卷人", f"{user.display_name}（{user.department.name if user.department else ''}）"),
    ]
    draw_lines = [
        f"{d.draw_id}：{d.get_status_display()}"
        + (f"，证书摘要 {d.certificate_sha256}" if d.certificate_sha256 else "")
        + (
            f"，作废原因：{d.void_detail}"
            if d.status == DrawStatus.VOIDED and d.void_detail
            else ""
        )
        for d in c.draws
    ]
    summary = [
        f"抽取 {counts['draws']} 次；有效一企一表 {counts['sheets']} 户，已公示 {counts['published']} 户",
        f"一企一表与通知书 {counts['documents']} 份；更正 {counts['corrections']} 件；"
        f"后续处置 {counts['followups']} 件（未完结 {counts['followups_open']} 件）",
        f"证据材料 {counts['evidence']} 份；行为日志 {counts['audit_entries']} 条",
    ]
    by_section: dict[str, list[tuple[str, int]]] = {}
    for path, size, _h in files:
        section = path.split("/", 1)[0] if "/" in path else ""
        by_section.setdefault(section, []).append((path, size))

    lines = ["卷内目录", "", *[f"{k}：{v}" for k, v in head], ""]
    lines += ["概况", *[f"  {s}" for s in summary], ""]
    lines += ["抽取记录", *[f"  {d}" for d in draw_lines], ""]
    if open_matters:
        lines += ["未结事项（未结案）", *[f"  {m}" for m in open_matters], ""]
    if problems:
        lines += ["证据校验异常（未收入本卷宗）", *[f"  {p.text}" for p in problems], ""]
    lines += ["卷内文件"]
    number = 0
    for section, label in SECTIONS.items():
        entries = by_section.get(section, [])
        lines.append(f"{section}  {label}（{len(entries)} 个文件）")
        for path, size in entries:
            number += 1
            lines.append(f"  {number:04d}  {path}  {size} 字节")
    lines += [
        "",
        "另有：校验说明.txt、manifest.json、MANIFEST.sha256（全部文件的 SHA-256）、本目录及 index.html。",
    ]
    text = ("\n".join(lines) + "\n").encode("utf-8")

    e = html.escape
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in head)
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>卷内目录 {e(task.number)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px 8px;text-align:left}.warn{color:#a00}</style>",
        f"</head><body><h1>卷内目录</h1><table>{rows}</table>",
        "<h2>概况</h2><ul>" + "".join(f"<li>{e(s)}</li>" for s in summary) + "</ul>",
        "<h2>抽取记录</h2><ul>" + "".join(f"<li>{e(d)}</li>" for d in draw_lines) + "</ul>",
    ]
    if open_matters:
        parts.append(
            "<h2 class='warn'>未结事项（未结案）</h2><ul>"
            + "".join(f"<li>{e(m)}</li>" for m in open_matters)
            + "</ul>"
        )
    if problems:
        parts.append(
            "<h2 class='warn'>证据校验异常（未收入本卷宗）</h2><ul>"
            + "".join(f"<li>{e(p.text)}</li>" for p in problems)
            + "</ul>"
        )
    parts.append("<h2>卷内文件</h2>")
    number = 0
    for section, label in SECTIONS.items():
        entries = by_section.get(section, [])
        parts.append(f"<h3>{e(section)} {e(label)}（{len(entries)} 个文件）</h3><table>")
        for path, size in entries:
            number += 1
            parts.append(
                f"<tr><td>{number:04d}</td><td><a href='{e(path)}'>{e(path)}</a></td>"
                f"<td>{size} 字节</td></tr>"
            )
        parts.append("</table>")
    parts.append(
        "<p>另有：校验说明.txt、manifest.json、MANIFEST.sha256（全部文件的 SHA-256）、目录.txt。</p>"
        "</body></html>\n"
    )
    return text, "".join(parts).encode("utf-8")


# --- the write --------------------------------------------------------------------------------


def archive_generate(
    *, actor: User, task: InspectionTask, progress: Progress | None = None
) -> Archive:
    """Build the task's archive and record it (Archive row + audit entry, one transaction)."""
    from planning.documents import personal_variant

    authorize_archive(actor, task)
    now = timezone.now()
    directory = archive_dir(task)
    out = directory / f"{timezone.localtime(now):%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.zip"
    report = build(task=task, user=actor, out=out, progress=progress)
    try:
        return _record(
            actor=actor,
            task=task,
            out=out,
            report=report,
            personal_data=personal_variant(actor, task) == "full",
        )
    except BaseException:
        out.unlink(missing_ok=True)
        raise


@transaction.atomic
def _record(
    *, actor: User, task: InspectionTask, out: Path, report: BuildReport, personal_data: bool
) -> Archive:
    role = authorize_archive(actor, task)
    archive = Archive(
        task=task,
        generated_by=actor,
        generated_at=timezone.now(),
        path=str(out.relative_to(Path(settings.MEDIA_ROOT))),
        size=report.size,
        sha256=report.sha256,
        manifest_sha256=report.manifest_sha256,
        is_closed=report.is_closed,
        personal_data=personal_data,
        counts=report.counts,
    )
    archive.full_clean()
    archive.save()
    entry_append(
        actor=actor,
        role=role,
        action="archive.generate",
        instance=archive,
        after={
            "task": task.number,
            "sha256": archive.sha256,
            "manifest_sha256": archive.manifest_sha256,
            "size": archive.size,
            "is_closed": archive.is_closed,
            "personal_data": personal_data,
            "counts": archive.counts,
            "evidence_problems": [
                {"evidence": p.evidence.pk, "sha256": p.evidence.sha256, "actual": p.actual}
                for p in report.problems
            ],
        },
        department=task.lead_department,
    )
    return archive


def archive_file(archive: Archive) -> Path:
    return Path(settings.MEDIA_ROOT) / archive.path


def archive_intact(archive: Archive) -> bool:
    """The stored zip still has the SHA-256 recorded when it was generated."""
    path = archive_file(archive)
    return path.is_file() and sha256_file(path) == archive.sha256
