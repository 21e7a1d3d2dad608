"""The dashboard as one Excel workbook: a sheet describing the filter and the definitions
(口径说明), then one sheet per KPI with its headline, targets and every table shown beside its
chart. The same `Kpi` objects feed the page and the workbook, so they cannot disagree."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from core.exports import XLSX_TYPE

from .selectors import Dashboard, Kpi

BOLD = Font(bold=True)
# Sheet titles may not contain these characters and are at most 31 characters long.
_BAD_TITLE = str.maketrans({c: "-" for c in "[]:*?/\\"})


def _cell(value: object) -> object:
    # Never let a cell start a formula: task and entity names come from user input.
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@"}:
        return "'" + value
    return value


def _append(sheet: Any, values: list[object], *, bold: bool = False) -> None:
    sheet.append([_cell(v) for v in values])
    if bold:
        for cell in sheet[sheet.max_row]:
            cell.font = BOLD


def _kpi_sheet(workbook: Workbook, n: int, kpi: Kpi) -> None:
    sheet = workbook.create_sheet(f"{n}.{kpi.title}".translate(_BAD_TITLE)[:31])
    _append(sheet, [kpi.title], bold=True)
    _append(sheet, ["指标值", kpi.value])
    if kpi.checks:
        _append(sheet, [])
        _append(sheet, ["目标", "来源", "原文", "是否达标", "说明"], bold=True)
        for check in kpi.checks:
            _append(
                sheet,
                [check.target.text, check.target.seed, check.target.quote, check.label, check.note],
            )
    for table in kpi.tables:
        _append(sheet, [])
        _append(sheet, [table.title], bold=True)
        _append(sheet, list(table.headers), bold=True)
        for row in table.rows:
            _append(sheet, list(row))
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 40


def dashboard_workbook(board: Dashboard) -> bytes:
    workbook = Workbook()
    about = workbook.active
    assert about is not None
    about.title = "说明"
    flt = board.flt
    _append(about, ["“双随机、一公开”监管统计"], bold=True)
    _append(about, ["区域", f"{flt.region.full_name()}（{flt.region.code}）"])
    _append(about, ["部门", flt.department.name if flt.department else "全部（本人权限范围内）"])
    _append(about, ["统计期", f"{flt.period.label}（{flt.period.start} 至 {flt.period.end}）"])
    _append(about, [])
    _append(about, ["口径说明"], bold=True)
    for term, text in board.definitions:
        _append(about, [term, text])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 120
    for n, kpi in enumerate(board.kpis, start=1):
        _kpi_sheet(workbook, n, kpi)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
