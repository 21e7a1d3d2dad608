"""Builds the docxtpl templates sheet.docx (一企一表) and notice.docx (随机抽查通知书).

The .docx files are committed; rebuild them after changing this script with

    .venv/bin/python planning/doc_templates/build.py

The Jinja tags follow docxtpl's rules: `{%tr …%}` alone in a table row repeats that row,
`{%p …%}` alone in a paragraph repeats the paragraphs (and tables) between. Values are rendered
with autoescape=True (see planning/documents.py); "\\n" inside a value becomes a line break.
Fonts: 宋体 (body) and 黑体 (titles), present on every Chinese Windows/WPS installation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent
BODY_FONT = "宋体"
TITLE_FONT = "黑体"


def _fonts(run_or_style: object, east_asia: str, size: float | None = None) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = "Times New Roman"
    if size:
        font.size = Pt(size)
    element = run_or_style.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asia)


def _document() -> DocxDocument:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(1.6)
    section.left_margin, section.right_margin = Cm(1.8), Cm(1.5)
    normal = doc.styles["Normal"]
    _fonts(normal, BODY_FONT, 10.5)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    return doc


def para(
    doc_or_cell: DocxDocument | _Cell,
    text: str = "",
    *,
    bold: bool = False,
    size: float | None = None,
    title: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
    before: float = 0,
    after: float = 0,
) -> Paragraph:
    paragraph = doc_or_cell.add_paragraph()
    if text:
        run = paragraph.add_run(text)
        run.bold = bold
        _fonts(run, TITLE_FONT if title else BODY_FONT, size)
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(21)
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    return paragraph


def cell_text(cell: _Cell, text: str, *, bold: bool = False, size: float = 9.5) -> Paragraph:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    _fonts(run, TITLE_FONT if bold else BODY_FONT, size)
    return paragraph


def _tr_flag(row: _Row, tag: str) -> None:
    props = row._tr.get_or_add_trPr()
    props.append(OxmlElement(tag))


def repeat_header(row: _Row) -> None:
    _tr_flag(row, "w:tblHeader")


def keep_row(row: _Row) -> None:
    _tr_flag(row, "w:cantSplit")


def shade(cell: _Cell, fill: str = "EEEEEE") -> None:
    props = cell._tc.get_or_add_tcPr()
    element = OxmlElement("w:shd")
    element.set(qn("w:val"), "clear")
    element.set(qn("w:color"), "auto")
    element.set(qn("w:fill"), fill)
    props.append(element)


def table(doc: DocxDocument, rows: int, widths: list[float]) -> Table:
    result = doc.add_table(rows=rows, cols=len(widths))
    result.style = "Table Grid"
    result.alignment = WD_TABLE_ALIGNMENT.CENTER
    result.autofit = False
    for row in result.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    return result


def label_value_table(doc: DocxDocument, rows: list[tuple[str, ...]]) -> Table:
    """Rows of (label, value) or (label, value, label, value) in a 4-column grid."""
    widths = [3.2, 6.2, 2.6, 5.7]
    result = table(doc, len(rows), widths)
    for row, spec in zip(result.rows, rows, strict=True):
        if len(spec) == 2:
            merged = row.cells[1].merge(row.cells[3])
            cell_text(row.cells[0], spec[0], bold=True)
            shade(row.cells[0])
            cell_text(merged, spec[1])
        else:
            for n, text in enumerate(spec):
                cell_text(row.cells[n], text, bold=n % 2 == 0)
                if n % 2 == 0:
                    shade(row.cells[n])
    return result


def footer(doc: DocxDocument, text: str) -> None:
    section = doc.sections[0]
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text + "　第 ")
    _fonts(run, BODY_FONT, 8)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    inner = OxmlElement("w:r")
    text_el = OxmlElement("w:t")
    text_el.text = "1"
    inner.append(text_el)
    field.append(inner)
    paragraph._p.append(field)
    tail = paragraph.add_run(" 页")
    _fonts(tail, BODY_FONT, 8)


def build_sheet(path: Path) -> None:
    doc = _document()
    footer(doc, "表号 {{ s.sheet_number }} · {{ s.entity.name }}")
    para(
        doc,
        "{{ s.title }}",
        bold=True,
        size=16,
        title=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    para(doc, "（{{ s.task_kind }} · 一企一表）", align=WD_ALIGN_PARAGRAPH.CENTER, after=4)
    label_value_table(
        doc,
        [
            ("任务名称", "{{ s.task_name }}"),
            ("任务编号", "{{ s.task_number }}", "表号", "{{ s.sheet_number }}"),
            ("检查时间", "{{ s.window }}", "结果公示", "{{ s.deadline }}"),
            ("抽取编号", "{{ s.draw_id }}", "牵头部门", "{{ s.lead_department }}"),
            ("抽取证书摘要", "SHA-256 {{ s.certificate_sha256 }}"),
        ],
    )
    para(doc, "一、被检查单位", bold=True, size=11, title=True, before=6, after=2)
    label_value_table(
        doc,
        [
            ("被检查单位", "{{ s.entity.name }}"),
            (
                "{{ s.entity.key_label }}",
                "{{ s.entity.key }}",
                "主体类型",
                "{{ s.entity.type_label }}",
            ),
            ("住所（经营场所）", "{{ s.entity.address }}"),
            (
                "法定代表人（负责人）",
                "{{ s.entity.representative }}",
                "联系电话",
                "{{ s.entity.phone }}",
            ),
            ("联络员", "", "联系电话", ""),
        ],
    )
    para(doc, "二、检查事项及检查情况", bold=True, size=11, title=True, before=6, after=2)
    para(doc, "{%p for d in s.departments %}")
    para(doc, "{{ d.heading }}", bold=True, title=True, before=3, after=1)
    items = table(doc, 7, [1.0, 9.2, 3.75, 3.75])
    for cell, text in zip(
        items.rows[0].cells,
        ["序号", "检查事项、检查方式与检查依据", "发现问题情况", "处置情况"],
        strict=True,
    ):
        cell_text(cell, text, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        shade(cell)
    repeat_header(items.rows[0])
    cell_text(items.rows[1].cells[0], "{%tr for item in d.items %}")
    row = items.rows[2]
    cell_text(row.cells[0], "{{ item.number }}").alignment = WD_ALIGN_PARAGRAPH.CENTER
    name = cell_text(row.cells[1], "{{ item.name }}", bold=True)
    detail = name.add_run()
    detail.add_break()
    _fonts(detail, BODY_FONT, 9)
    detail_text = name.add_run("{{ item.detail }}")
    _fonts(detail_text, BODY_FONT, 9)
    row.height = Cm(2.4)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    cell_text(items.rows[3].cells[0], "{%tr endfor %}")
    cell_text(items.rows[4].cells[0], "{%tr if not d.items %}")
    empty = items.rows[5]
    merged = empty.cells[1].merge(empty.cells[3])
    cell_text(empty.cells[0], "—")
    cell_text(merged, "本部门未选定抽查事项，按本部门法定职责开展检查。")
    cell_text(items.rows[6].cells[0], "{%tr endif %}")
    para(doc, "{%p endfor %}")

    para(doc, "三、核查方式与检查结果", bold=True, size=11, title=True, before=6, after=2)
    checks = table(doc, 3, [3.2, 14.5])
    for row, (label, value) in zip(
        checks.rows,
        [
            ("核查方式（可多选）", "{{ check_methods_line }}"),
            ("检查结果（可多选）", "{{ result_text }}"),
            ("后续处置措施（单选）", "{{ follow_up_text }}"),
        ],
        strict=True,
    ):
        cell_text(row.cells[0], label, bold=True)
        shade(row.cells[0])
        cell_text(row.cells[1], value)
        keep_row(row)

    para(doc, "四、检查组", bold=True, size=11, title=True, before=6, after=2)
    members = table(doc, 4, [1.2, 3.5, 5.5, 5.0, 2.5])
    for cell, text in zip(
        members.rows[0].cells, ["序号", "姓名", "所属部门", "执法证号", "职责"], strict=True
    ):
        cell_text(cell, text, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        shade(cell)
    repeat_header(members.rows[0])
    cell_text(members.rows[1].cells[0], "{%tr for m in s.group.members %}")
    row = members.rows[2]
    for cell, text in zip(
        row.cells,
        [
            "{{ m.position }}",
            "{{ m.name }}",
            "{{ m.department }}",
            "{{ m.certificate_no }}",
            "{{ m.duty }}",
        ],
        strict=True,
    ):
        cell_text(cell, text)
    cell_text(members.rows[3].cells[0], "{%tr endfor %}")
    para(
        doc,
        "检查组 {{ s.group.code }}；组长：{% if s.group.leader %}{{ s.group.leader.name }}"
        "（执法证号 {{ s.group.leader.certificate_no }}）{% else %}未确定{% endif %}。"
        "实地核查时检查人员不少于 2 人，并出示执法证件。",
        size=9,
        before=2,
    )

    para(doc, "五、签字", bold=True, size=11, title=True, before=6, after=2)
    signs = table(doc, 2, [8.85, 8.85])
    blocks = [
        ("被检查单位意见", "法定代表人（负责人）签字或盖章："),
        ("检查人员签名", "检查人员（签名）："),
        ("组长审核意见", "组长（签名）："),
        ("结果公示审批意见", "审批人（签名）："),
    ]
    cells = [
        signs.rows[0].cells[0],
        signs.rows[0].cells[1],
        signs.rows[1].cells[0],
        signs.rows[1].cells[1],
    ]
    for cell, (title, line) in zip(cells, blocks, strict=True):
        cell_text(cell, title, bold=True)
        for _ in range(3):
            cell.add_paragraph()
        para(cell, line, size=9.5)
        para(cell, "年　　月　　日", size=9.5, align=WD_ALIGN_PARAGRAPH.RIGHT, after=2)
    for row in signs.rows:
        keep_row(row)
    para(
        doc,
        "说明：被检查单位拒绝签字或盖章的，由检查人员在本表如实记录并签字说明。"
        "本表为内部工作文书，载有被检查单位联系人信息，不得对外公开。生成日期：{{ s.generated_on }}。",
        size=8,
        before=3,
    )
    doc.save(str(path))


def build_notice(path: Path) -> None:
    doc = _document()
    section = doc.sections[0]
    section.left_margin, section.right_margin = Cm(2.6), Cm(2.4)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    footer(doc, "随机抽查通知书 {{ n.notice_number }}")
    para(doc, "{{ n.issuer }}", size=14, title=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "随机抽查通知书", bold=True, size=22, title=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, "编号：{{ n.notice_number }}", size=10.5, align=WD_ALIGN_PARAGRAPH.RIGHT, after=8)
    para(doc, "{{ n.entity_name }}（{{ n.key_label }}：{{ n.key }}）：", size=12, bold=True)
    para(doc, "{{ n.opening }}", size=12, indent=True, after=2)
    para(doc, "一、抽查检查事项", size=12, title=True, indent=True)
    para(doc, "{%p for item in n.items %}")
    para(doc, "{{ loop.index }}. {{ item }}", size=12, indent=True)
    para(doc, "{%p endfor %}")
    para(doc, "二、检查时间和检查方法", size=12, title=True, indent=True)
    para(
        doc,
        "检查时间：{{ n.window }}期间，检查人员将提前与你（单位）联系确定具体时间。",
        size=12,
        indent=True,
    )
    para(
        doc,
        "检查方法：{{ n.methods }}。{% if n.cooperating %}本次为部门联合抽查，由{{ n.issuer }}牵头，"
        "会同{{ n.cooperating }}组成联合检查组一次完成检查。{% endif %}",
        size=12,
        indent=True,
    )
    para(doc, "三、需要准备的资料", size=12, title=True, indent=True)
    para(doc, "{%p for m in n.materials %}")
    para(doc, "{{ loop.index }}. {{ m }}", size=12, indent=True)
    para(doc, "{%p endfor %}")
    para(doc, "{{ n.warning }}", size=12, indent=True, before=2)
    para(
        doc,
        "联系人：{{ n.contact_name }}（{{ n.contact_department }}）　联系电话：＿＿＿＿＿＿＿＿＿＿",
        size=12,
        indent=True,
    )
    para(doc, "{{ n.issuer }}（印章）", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT, before=36)
    para(doc, "{{ n.issued_on }}", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT, after=30)
    para(doc, "－－－－－－－－－－－－－－－－－－－－－－－－－－－－－－－－－－－－", size=10)
    para(doc, "送达回证：本通知书已于　　　年　　月　　日收到。", size=10.5)
    para(
        doc,
        "被检查单位（签字或盖章）：＿＿＿＿＿＿＿＿＿＿＿＿　　送达人：＿＿＿＿＿＿＿＿",
        size=10.5,
        before=6,
    )
    doc.save(str(path))


def main(target: Path = HERE) -> None:
    build_sheet(target / "sheet.docx")
    build_notice(target / "notice.docx")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
