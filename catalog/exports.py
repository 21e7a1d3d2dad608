"""Excel exports of item lists, in the import template's columns so an export re-imports
unchanged (a department can take the current version, edit it in Excel and import it into a
draft)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .importers import ITEM_COLUMNS, JOINT_COLUMNS
from .models import InspectionItem, JointItem

ITEM_EXPORT_HEADERS = [c.header for c in ITEM_COLUMNS]
JOINT_EXPORT_HEADERS = [c.header for c in JOINT_COLUMNS]


def item_rows(items: Iterable[InspectionItem]) -> Iterator[list[Any]]:
    for item in items:
        values = {
            "code": item.code,
            "department": item.category.department_name,
            "category_no": item.category.number,
            "category": item.category.name,
            "name": item.name,
            "target": item.target,
            "kind": item.get_kind_display(),
            "methods": item.methods_text or "、".join(m.name for m in item.methods.all()),
            "subject": item.subject,
            "basis": item.basis_text,
            "content": item.content,
            "standards": item.standards,
            "ratio": item.ratio,
            "frequency": item.frequency,
            "level": item.level,
            "remark": item.remark,
        }
        yield [values[c.key] for c in ITEM_COLUMNS]


def joint_rows(items: Iterable[JointItem]) -> Iterator[list[Any]]:
    for item in items:
        values = {
            "code": item.code,
            "number": item.position,
            "field": item.field,
            "name": item.name,
            "target": item.target,
            "initiator": item.initiator_name,
            "cooperators": item.cooperator_names,
            "level": item.level,
            "basis": item.basis_text,
            "content": item.content,
            "remark": item.remark,
        }
        yield [values[c.key] for c in JOINT_COLUMNS]


def xlsx_bytes(*, title: str, headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    """The same workbook core.exports.xlsx_response sends, as bytes (for export_items)."""
    from core.exports import xlsx_response

    return xlsx_response(filename="x.xlsx", title=title, headers=headers, rows=rows).content
