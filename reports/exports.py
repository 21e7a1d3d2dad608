"""The 月报表 in the form's layout: .xlsx (openpyxl), .docx (docxtpl, autoescape on) and the
printable page. All three render the same `layout.Layout`, so they show the same figures."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from .layout import Layout, Row

XLSX_WIDTHS = {"A": 7, "B": 40, "C": 90}
CHARS_PER_LINE = {"B": 19, "C": 44}  # CJK characters that fit in a wrapped line at width above


def safe_cell(value: str) -> str:
    # Never let a cell start a formula: the texts include user input.
    if value[:1] in {"=", "+", "-", "@"}:
        return "'" + value
    return value


def _line_count(text: str, per_line: int) -> int:
    return sum(max(1, -(-len(line) // per_line)) for line in text.split("\n"))


def report_xlsx(layout: Layout) -> bytes:
    """One worksheet in the form's layout (title row, unit and date line, the 3-column table
    with merged section headings and 序号 cells, the contact line), A4 landscape, plus a second
    worksheet with the 统计口径."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "月报表"
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body = Font(name="宋体", size=11)
    bold = Font(name="宋体", size=11, bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    top_left = Alignment(horizontal="left", vertical="top", wrap_text=True)

    for column, width in XLSX_WIDTHS.items():
        sheet.column_dimensions[column].width = width

    sheet.merge_cells("A1:C1")
    sheet["A1"] = layout.title
    sheet["A1"].font = Font(name="黑体", size=16, bold=True)
    sheet["A1"].alignment = center
    sheet.row_dimensions[1].height = 30
    sheet.merge_cells("A2:C2")
    sheet["A2"] = layout.month_label
    sheet["A2"].font = body
    sheet["A2"].alignment = center
    sheet.merge_cells("A3:B3")
    sheet["A3"] = safe_cell(layout.unit_line)
    sheet["A3"].font = body
    sheet["A3"].alignment = left
    sheet["C3"] = layout.date_line
    sheet["C3"].font = body
    sheet["C3"].alignment = Alignment(horizontal="right", vertical="center")

    first = row_number = 4
    merges: list[str] = []
    for row in layout.rows:
        if row.kind == "section":
            merges.append(f"A{row_number}:C{row_number}")
            sheet[f"A{row_number}"] = row.label
            sheet[f"A{row_number}"].font = bold
            sheet[f"A{row_number}"].alignment = left
            sheet.row_dimensions[row_number].height = 20
        else:
            if row.number:
                sheet[f"A{row_number}"] = row.number
                if row.number_span > 1:
                    merges.append(f"A{row_number}:A{row_number + row.number_span - 1}")
            sheet[f"B{row_number}"] = safe_cell(row.label)
            if row.text:
                sheet[f"C{row_number}"] = safe_cell(row.text)
            sheet[f"A{row_number}"].alignment = center
            sheet[f"B{row_number}"].alignment = left
            sheet[f"C{row_number}"].alignment = top_left
            for column in "ABC":
                sheet[f"{column}{row_number}"].font = body
            lines = max(
                _line_count(row.label, CHARS_PER_LINE["B"]),
                _line_count(row.text, CHARS_PER_LINE["C"]) if row.text else 1,
            )
            sheet.row_dimensions[row_number].height = max(20, 15 * lines + 4)
        row_number += 1
    last = row_number - 1
    # Borders first, then merge: a merged range takes its edges from the cells' borders.
    for row_cells in sheet.iter_rows(min_row=first, max_row=last, min_col=1, max_col=3):
        for cell in row_cells:
            cell.border = border
    for cell_range in merges:
        sheet.merge_cells(cell_range)

    contact_row = last + 1
    sheet.merge_cells(f"A{contact_row}:C{contact_row}")
    sheet[f"A{contact_row}"] = safe_cell(layout.contact_line)
    sheet[f"A{contact_row}"].font = body
    sheet[f"A{contact_row}"].alignment = left
    sheet.row_dimensions[contact_row].height = 24
    if layout.revision_line:
        sheet.merge_cells(f"A{contact_row + 1}:C{contact_row + 1}")
        sheet[f"A{contact_row + 1}"] = layout.revision_line
        sheet[f"A{contact_row + 1}"].font = Font(name="宋体", size=8, color="666666")

    sheet.print_area = f"A1:C{sheet.max_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6

    notes = workbook.create_sheet("统计口径")
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 110
    notes.append(["指标", "口径"])
    for cell in notes[1]:
        cell.font = bold
    for label, text in layout.definitions:
        notes.append([label, text])
        notes.cell(row=notes.max_row, column=2).alignment = top_left
        notes.row_dimensions[notes.max_row].height = 15 * _line_count(text, 55) + 4
    notes.page_setup.orientation = "landscape"
    notes.page_setup.paperSize = notes.PAPERSIZE_A4

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- Word --------------------------------------------------------------------------------------


def _structure(rows: tuple[Row, ...]) -> tuple[tuple[str, str, str, int], ...]:
    return tuple((r.kind, r.number, r.label, r.number_span) for r in rows)


@lru_cache(maxsize=4)
def docx_template(structure: tuple[tuple[str, str, str, int], ...]) -> bytes:
    """The Word template of the form, built with python-docx: the fixed labels of the seed are
    literal text; the values are docxtpl tags ({{ title }}, {{ t[i] }} for the 情况 cell of
    row i, a {%p for %} loop for the 统计口径). A4 landscape, 宋体/黑体."""
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    from planning.doc_templates.build import _document, cell_text, para, shade, table

    doc = _document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(1.8)
    section.top_margin = section.bottom_margin = Cm(1.5)
    para(doc, "{{ title }}", bold=True, size=16, title=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "{{ month_label }}", align=WD_ALIGN_PARAGRAPH.CENTER, after=4)
    para(doc, "{{ unit_line }}        {{ date_line }}", after=4)
    grid = table(doc, len(structure), [1.5, 8.0, 16.5])
    spans = []
    for index, (kind, number, label, span) in enumerate(structure):
        cells = grid.rows[index].cells
        if kind == "section":
            merged = cells[0].merge(cells[2])
            cell_text(merged, label, bold=True, size=10.5)
            shade(merged)
            continue
        if number:
            cell_text(cells[0], number, size=10.5).alignment = WD_ALIGN_PARAGRAPH.CENTER
            if span > 1:
                spans.append((index, index + span - 1))
        cell_text(cells[1], label, size=10.5)
        cell_text(cells[2], "{{ t[" + str(index) + "] }}", size=10.5)
    for start, end in spans:
        grid.rows[start].cells[0].merge(grid.rows[end].cells[0])
    para(doc, "{{ contact_line }}", before=6)
    para(doc, "{{ revision_line }}", size=8)
    para(doc, "统计口径", bold=True, title=True, before=8, after=2)
    para(doc, "{%p for label, text in definitions %}")
    para(doc, "{{ label }}：{{ text }}", size=9)
    para(doc, "{%p endfor %}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_context(layout: Layout) -> dict[str, Any]:
    return {
        "title": layout.title,
        "month_label": layout.month_label,
        "unit_line": layout.unit_line,
        "date_line": layout.date_line,
        "t": [row.text if row.kind == "item" else "" for row in layout.rows],
        "contact_line": layout.contact_line,
        "revision_line": layout.revision_line,
        "definitions": list(layout.definitions),
    }


def report_docx(layout: Layout) -> bytes:
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(docx_template(_structure(layout.rows))))
    # autoescape: meeting, document and task names are data, not markup (& < > must survive).
    template.render(docx_context(layout), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
