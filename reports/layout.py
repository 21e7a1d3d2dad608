"""The form's layout (seed 003 附件), shared by the page, the print page, .xlsx and .docx.

Three columns as in the seed: 序号 | 项目 | 情况. Section headings span the row; the hints the form
prints in parentheses stay in the 情况 cell (or, for row 5, in the 项目 cell of its second line)
and the content follows them. Built from a report's data dict, live or frozen alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .selectors import FORM_TITLE, percent

SECTION_1 = "一、“双随机、一公开”监管工作安排部署情况"
SECTION_2 = "二、“双随机、一公开”监管工作开展情况"
NONE_TEXT = "无"


@dataclass(frozen=True)
class Row:
    kind: str  # "section" | "item"
    number: str = ""
    label: str = ""
    hint: str = ""
    lines: tuple[str, ...] = ()
    number_span: int = 1  # rows the 序号 cell spans (rows 4 and 5 have sub-rows)

    @property
    def text(self) -> str:
        """The 情况 cell as one text: the hint, then the content lines."""
        return "\n".join(([self.hint] if self.hint else []) + list(self.lines))


@dataclass(frozen=True)
class Layout:
    title: str
    month_label: str
    unit_line: str
    date_line: str
    rows: tuple[Row, ...]
    contact_line: str
    revision_line: str = ""
    definitions: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def cn_date(value: str | dt.date) -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


def _numbered(lines: list[str]) -> tuple[str, ...]:
    if not lines:
        return (NONE_TEXT,)
    if len(lines) == 1:
        return (lines[0],)
    return tuple(f"{n}. {line}" for n, line in enumerate(lines, start=1))


def meeting_lines(data: dict[str, Any]) -> tuple[str, ...]:
    return _numbered([f"{m['title']}（{cn_date(m['date'])}）" for m in data["entries"]["meetings"]])


def document_lines(data: dict[str, Any]) -> tuple[str, ...]:
    return _numbered(
        [
            f"{d['title']}（{d['doc_number']}，{cn_date(d['date'])}印发）"
            for d in data["entries"]["documents"]
        ]
    )


def training_lines(data: dict[str, Any]) -> tuple[str, ...]:
    return _numbered(
        [
            f"{t['title']}（{cn_date(t['date'])}），培训 {t['attendees']} 人，内容：{t['content']}"
            for t in data["entries"]["trainings"]
        ]
    )


def task_summary(f: dict[str, Any]) -> str:
    t = f["tasks"]
    return (
        f"本月组织随机抽查 {t['count']} 次，其中按年度抽查计划 {t['planned']} 次，"
        f"部门联合抽查 {t['joint']} 次（牵头 {t['joint_lead']} 次、参与 {t['joint_participant']} 次）"
    )


def task_document_lines(f: dict[str, Any]) -> tuple[str, ...]:
    return _numbered(
        [
            f"{r['number']}《{r['name']}》（{r['kind']}，"
            f"{'牵头' if r['lead'] else '参与，牵头部门：' + r['lead_department']}，"
            f"{cn_date(r['drawn_on'])}抽取）"
            for r in f["tasks"]["list"]
        ]
    )


def scope_lines(f: dict[str, Any]) -> tuple[str, ...]:
    rows = f["tasks"]["list"]
    if not rows:
        return (NONE_TEXT,)
    lines = [
        f"{r['number']}：{r['region']}范围内检查对象 {r['population']} 户，抽取 {r['drawn']} 户，"
        f"抽查比例 {percent(r['drawn'], r['population'])}"
        for r in rows
    ]
    s = f["scope"]
    lines = list(_numbered(lines))
    lines.append(
        f"合计：检查对象 {s['population']} 户，抽取 {s['drawn']} 户，抽查比例 {s['ratio']}"
    )
    return tuple(lines)


def item_lines(f: dict[str, Any]) -> tuple[str, ...]:
    i = f["items"]
    line = f"{i['major']} 大项、{i['minor']} 小项"
    if i["joint_items"]:
        line += f"；部门联合抽查事项 {i['joint_items']} 项"
    return (line,)


def result_lines(f: dict[str, Any]) -> tuple[str, ...]:
    r, u = f["results"], f["followups"]
    return (
        f"公示网站：{r['site']}",
        f"本月公示抽查结果 {r['published']} 户：已实施检查 {r['inspected']} 户"
        f"（未发现问题 {r['no_problem']} 户，发现问题 {r['problem']} 户），"
        f"通过登记的住所（经营场所）无法联系 {r['unreachable']} 户，"
        f"不予配合检查情节严重 {r['uncooperative']} 户；其中部门联合抽查 {r['joint']} 户",
        f"后续处置：本月登记 {u['opened']} 件，本月办结 {u['closed']} 件，"
        f"月末未办结 {u['open_at_end']} 件",
    )


def system_lines(f: dict[str, Any]) -> tuple[str, ...]:
    s = f["system"]
    lines = [
        f"本系统 {s['units_total']} 个单位，本月开展随机抽查 {s['units_active']} 个单位，"
        f"组织抽查 {s['tasks']} 次，抽查检查主体 {s['drawn']} 户，抽查结果公示 {s['published']} 户"
    ]
    for u in s["units"]:
        lines.append(
            f"{u['name']}：组织抽查 {u['tasks']} 次，抽查 {u['drawn']} 户，公示 {u['published']} 户"
        )
    return tuple(lines)


def build(data: dict[str, Any], *, revision: Any = None, definitions: Any = ()) -> Layout:
    f = data["figures"]
    contact = data["contact"]
    rows = (
        Row("section", label=SECTION_1),
        Row(
            "item", "1", "本月召开会议部署随机抽查工作情况", "(注明召开会议的名称及时间)",
            meeting_lines(data),
        ),
        Row(
            "item", "2", "本月印发双随机工作文件情况", "(注明文件名称及文号)",
            document_lines(data),
        ),
        Row(
            "item", "3", "本月组织随机抽查业务培训情况", "(培训班名称、培训人员数量、及内容)",
            training_lines(data),
        ),
        Row("section", label=SECTION_2),
        Row(
            "item", "4", "本月按年度随机抽查工作计划市本级开展随机抽查情况", "",
            (task_summary(f),), number_span=5,
        ),
        Row("item", "", "本月组织随机抽查的文件", "", task_document_lines(f)),
        Row("item", "", "随机抽查抽查对象范围、数量、抽查比例", "", scope_lines(f)),
        Row("item", "", "随机抽查的检查事项", "(多少大项、多少小项)", item_lines(f)),
        Row(
            "item", "", "随机抽查结果公示情况", "(注明抽查结果公示的网站及公示数量)",
            result_lines(f),
        ),
        Row("item", "5", "全县本系统开展随机抽查情况", "", (), number_span=2),
        Row(
            "item", "", "(开展的单位及抽查检查主体数量及抽查结果公示数量等情况)", "",
            system_lines(f),
        ),
    )  # fmt: skip
    filled = dt.date.fromisoformat(data["filled_on"])
    revision_line = ""
    if revision is not None:
        revision_line = (
            f"第 {revision.number} 版 · 报送时间 "
            f"{revision.submitted_at.astimezone(_tz()).strftime('%Y-%m-%d %H:%M')} · "
            f"SHA-256 {revision.sha256}"
        )
    return Layout(
        title=data.get("form") or FORM_TITLE,
        month_label=f"（{data['year']}年{data['month']}月）",
        unit_line=f"单位名称(盖章): {data['department']['name']}",
        date_line=f"填表时间: {filled.year} 年 {filled.month:02d} 月 {filled.day:02d} 日",
        rows=rows,
        contact_line=(
            f"联系人: {contact['name'] or '_____'}    联系电话: {contact['phone'] or '_____'}"
            f"    手机: {contact['mobile'] or '_____'}"
        ),
        revision_line=revision_line,
        definitions=tuple(definitions),
    )


def _tz() -> Any:
    from .selectors import REPORT_TZ

    return REPORT_TZ
