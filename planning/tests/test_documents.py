"""一企一表 and 随机抽查通知书: content of the PDF (checked on the HTML it is made from, plus the
PDF's pages and embedded CJK fonts), Word (read back with python-docx, & < > intact) and Excel,
the batch archive and its progress, the management command, and the closed doors."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from audit.models import AuditEntry
from planning import documents as docs
from planning import services
from planning.models import Assignment, DrawStatus, TaskKind
from planning.tests.test_draw_flow import AS_OF, WITNESSES

D = dt.date
TRICKY = "宽城县A&B<美食>“小吃”店"


# --- fixtures ---------------------------------------------------------------------------------


def _publish_items(depts, regions, dept_key, rows):
    from catalog.legal import split_bases
    from catalog.services import (
        ItemData,
        item_list_create,
        items_upsert,
        version_draft_create,
        version_publish,
    )

    item_list = item_list_create(
        actor=None, kind="department", region=regions["130827"], department=depts[dept_key]
    )
    version = version_draft_create(actor=None, item_list=item_list)
    with transaction.atomic():
        items_upsert(
            actor=None,
            version=version,
            records=[
                ItemData(
                    row=n,
                    category_no=1,
                    category=category,
                    name=name,
                    kind=kind,
                    methods=methods,
                    item_no=n,
                    basis_text=basis,
                    content=content,
                    standards=standards,
                    bases=split_bases(basis),
                )
                for n, (category, name, kind, methods, basis, content, standards) in enumerate(
                    rows, start=1
                )
            ],
        )
    version_publish(actor=None, version=version, reason="测试")
    return list(version.items.order_by("position"))


MARKET_ROWS = [
    (
        "企业公示信息抽查",
        "企业年度报告公示信息的检查",
        "key",
        ["书面检查", "实地核查"],
        "《企业信息公示暂行条例》第十四条；《企业公示信息抽查办法》第九条",
        "检查企业年度报告中公示的经营状态、资产状况等信息是否真实",
        "公示信息与实际情况一致",
    ),
    (
        "食品经营",
        "食品经营者落实进货查验制度的检查",
        "general",
        ["实地核查"],
        "《中华人民共和国食品安全法》第五十三条",
        "检查食品进货查验记录是否完整",
        "",
    ),
]
CULTURE_ROWS = [
    (
        "互联网上网服务营业场所",
        "网吧落实实名登记制度的检查",
        "key",
        ["实地核查", "网络监测"],
        "《互联网上网服务营业场所管理条例》第二十三条",
        "检查上网消费者身份登记记录",
        "核对、登记上网消费者有效身份证件",
    ),
]


@pytest.fixture
def drawn(people, depts, regions, county, scheme):
    """A joint task (市场监管局 leads, 文旅局 joins) drawn down to the four E-grade entities;
    one of them has a name full of XML/HTML specials, a representative and a phone."""
    org = people["kc_market_org"]
    market_items = _publish_items(depts, regions, "kc_market", MARKET_ROWS)
    culture_items = _publish_items(depts, regions, "kc_culture", CULTURE_ROWS)
    e_entities = county["entities"][56:]
    from registry.models import Entity

    Entity.objects.filter(pk=e_entities[0].pk).update(
        name=TRICKY,
        representative="张三",
        phone="13912345678",
        address="宽城镇民族街 8 号",
    )
    task = services.task_create(
        actor=org,
        lead_department=depts["kc_market"],
        name="2026年网吧与餐饮联合抽查",
        kind=TaskKind.JOINT,
        participants=[depts["kc_culture"]],
        window_start=D(2026, 12, 1),
        window_end=D(2026, 12, 31),
        grading_scheme=scheme,
        inspectors_per_group=2,
        result_deadline_workdays=5,
    )
    services.task_department_save(
        actor=org,
        task=task,
        department=depts["kc_market"],
        inspectors_per_group=1,
        items=market_items,
    )
    services.task_department_save(
        actor=org,
        task=task,
        department=depts["kc_culture"],
        inspectors_per_group=1,
        items=culture_items,
    )
    services.task_strata_set(
        actor=org,
        task=task,
        rules=[(g, False, 0, None) for g in "ABCD"] + [("E", False, None, 4)],
    )
    draw = services.draw_commit(actor=org, task=task, witnesses=WITNESSES, as_of=AS_OF)
    for witness, digits in zip(draw.witnesses.order_by("id"), ["315264", "642153"], strict=True):
        services.draw_witness_digits(actor=org, draw=draw, witness=witness, digits=digits)
    draw = services.draw_run(actor=org, draw=draw)
    assert draw.status == DrawStatus.DRAWN
    assignments = list(draw.assignments.select_related("entity", "group").order_by("sheet_number"))
    assert len(assignments) == 4
    tricky = next(a for a in assignments if a.entity.name == TRICKY)
    return {
        "task": task,
        "draw": draw,
        "assignments": assignments,
        "tricky": tricky,
        "items": [*market_items, *culture_items],
    }


def _docs(drawn, user):
    return docs.DrawDocuments(drawn["draw"], user=user, today=D(2026, 11, 26))


def pdf_streams(data: bytes) -> bytes:
    """The PDF with its compressed streams inflated (fonts and pages live in object streams)."""
    out = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf_streams(data)))


def pdf_fonts(data: bytes) -> list[str]:
    return sorted(
        {
            m.decode().split("+", 1)[-1]
            for m in re.findall(rb"/BaseFont\s*/([^\s/<>\[\]]+)", pdf_streams(data))
        }
    )


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    parts.extend(p.text for p in document.sections[0].footer.paragraphs)
    return "\n".join(parts)


# --- the sheet --------------------------------------------------------------------------------


def test_sheet_html_has_the_entity_every_item_basis_and_the_group(drawn, people):
    org = people["kc_market_org"]
    builder = _docs(drawn, org)
    assignment = drawn["tricky"]
    sheet = builder.sheet(assignment)
    html = docs.sheet_html(sheet)
    entity = assignment.entity
    assert "宽城县A&amp;B&lt;美食&gt;“小吃”店" in html
    assert TRICKY not in html  # escaped, never raw markup
    assert f"<td>{entity.uscc}</td>" in html
    assert "宽城镇民族街 8 号" in html and "张三" in html and "13912345678" in html
    assert drawn["task"].number in html and "2026年网吧与餐饮联合抽查" in html
    assert assignment.sheet_number in html and drawn["draw"].draw_id in html
    assert drawn["draw"].certificate_sha256 in html
    for item in drawn["items"]:
        assert item.name in html
        for basis in item.bases.all():
            assert basis.text in html
    assert "（一）宽城县市场监督管理局（牵头部门）" in html
    assert "（二）宽城县旅游和文化广电局" in html
    group = assignment.group
    members = list(group.members.select_related("inspector").order_by("position"))
    assert len(members) == 2  # one inspector per department
    for m in members:
        assert m.inspector.certificate_no in html and m.inspector.name in html
    leader = group.leader
    assert f"组长：{leader.name}（执法证号 {leader.certificate_no}）" in html
    assert leader.department.name == "宽城县市场监督管理局"
    for label in docs.result_labels():
        assert label in html
    for follow in docs.FOLLOW_UPS:
        assert follow in html
    for method in docs.CHECK_METHODS:
        assert method in html
    for title, line in docs.SIGNATURES:
        assert title in html and line in html
    assert html.count("年　　月　　日") == 4
    assert "检查完成之日起 5 个工作日内公示" in html


def test_sheet_pdf_is_a4_with_embedded_cjk_fonts(drawn, people):
    assignment = drawn["tricky"]
    name, data = docs.sheet_file(assignment=assignment, user=people["kc_market_org"], fmt="pdf")
    assert name == f"一企一表-{assignment.sheet_number}-宽城县A&B_美食_“小吃”店.pdf"
    assert data.startswith(b"%PDF-")
    # items (page 1–2), check boxes and group (page 2), signature blocks kept whole (page 3)
    assert pdf_pages(data) == 3
    # two faces only (each one used is subset and embedded: that is most of the time a PDF takes)
    assert pdf_fonts(data) == ["Noto-Sans-CJK-SC-Bold", "Noto-Serif-CJK-SC"]
    assert b"/FontFile3" in pdf_streams(data)  # embedded, not referenced
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d+ 841\.\d+\s*\]", pdf_streams(data))


def test_people_without_entity_personal_see_masked_contacts(drawn, people):
    sheet = _docs(drawn, people["kc_supervisor"]).sheet(drawn["tricky"])
    assert sheet.entity.phone == "139****5678"
    assert sheet.entity.masked
    html = docs.sheet_html(sheet)
    assert "13912345678" not in html
    # 张三 represents a company, not an 个体工商户: a company's representative is public.
    assert sheet.entity.representative == "张三"


def test_sheet_docx_reads_back_with_specials_intact(drawn, people):
    assignment = drawn["tricky"]
    name, data = docs.sheet_file(assignment=assignment, user=people["kc_market_org"], fmt="docx")
    assert name.endswith(".docx")
    text = docx_text(data)
    assert TRICKY in text
    assert assignment.entity.uscc in text
    for item in drawn["items"]:
        assert item.name in text
        for basis in item.bases.all():
            assert basis.text in text
    for m in assignment.group.members.select_related("inspector"):
        assert m.inspector.certificate_no in text
    leader = assignment.group.leader
    assert f"组长：{leader.name}（执法证号 {leader.certificate_no}）" in text
    for title, line in docs.SIGNATURES:
        assert title in text and line in text
    for label in docs.result_labels():
        assert label in text
    assert "{{" not in text and "{%" not in text
    document = Document(io.BytesIO(data))
    # header row + one row per item in each department's table
    item_tables = [t for t in document.tables if t.rows[0].cells[0].text == "序号"][:2]
    assert [len(t.rows) for t in item_tables] == [3, 2]


def test_sheet_xlsx_has_one_row_per_item(drawn, people):
    assignment = drawn["tricky"]
    _name, data = docs.sheet_file(assignment=assignment, user=people["kc_market_org"], fmt="xlsx")
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["一企一表台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == docs.XLSX_HEADERS
    assert [(r[0], r[4], r[9], r[10], r[11]) for r in rows[1:]] == [
        (assignment.sheet_number, TRICKY, "宽城县市场监督管理局", 1, "企业年度报告公示信息的检查"),
        (
            assignment.sheet_number,
            TRICKY,
            "宽城县市场监督管理局",
            2,
            "食品经营者落实进货查验制度的检查",
        ),
        (
            assignment.sheet_number,
            TRICKY,
            "宽城县旅游和文化广电局",
            1,
            "网吧落实实名登记制度的检查",
        ),
    ]
    assert rows[1][14] == "1. 《企业信息公示暂行条例》第十四条\n2. 《企业公示信息抽查办法》第九条"
    validations = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert validations == {"S2:S4": "=选项!$A$1:$A$18", "T2:T4": "=选项!$B$1:$B$6"}
    assert workbook["选项"].sheet_state == "hidden"


def test_excel_cells_never_start_a_formula(drawn, people):
    from registry.models import Entity

    assignment = drawn["assignments"][0]
    Entity.objects.filter(pk=assignment.entity_id).update(name='=HYPERLINK("x")')
    assignment.refresh_from_db()
    _name, data = docs.sheet_file(assignment=assignment, user=people["kc_market_org"], fmt="xlsx")
    rows = list(load_workbook(io.BytesIO(data))["一企一表台账"].iter_rows(values_only=True))
    assert rows[1][4] == '\'=HYPERLINK("x")'


# --- the notice -------------------------------------------------------------------------------


def test_notice_lists_items_window_methods_materials_and_contact(drawn, people):
    assignment = drawn["tricky"]
    notice = _docs(drawn, people["kc_market_org"]).notice(assignment)
    assert notice.items == (
        "企业年度报告公示信息的检查（宽城县市场监督管理局）",
        "食品经营者落实进货查验制度的检查（宽城县市场监督管理局）",
        "网吧落实实名登记制度的检查（宽城县旅游和文化广电局）",
    )
    assert notice.window == "2026年12月1日至2026年12月31日"
    assert notice.methods == "书面检查、实地核查、网络监测"
    assert notice.materials == (
        *docs.DEFAULT_MATERIALS,
        "年度报告及即时公示信息的相关证明材料",
        "食品进货查验记录、从业人员健康证明",
        "上网消费者实名登记记录、经营管理技术措施运行记录",
        docs.GENERIC_MATERIAL,
    )
    assert notice.contact_name == "kc_market_org"
    assert notice.issuer == "宽城县市场监督管理局"
    assert notice.cooperating == "宽城县旅游和文化广电局"
    assert notice.issued_on == "2026年11月26日"
    html = docs.notice_html(notice)
    assert "宽城县A&amp;B&lt;美食&gt;“小吃”店" in html
    assert f"统一社会信用代码：{assignment.entity.uscc}" in html
    assert drawn["task"].number in html
    assert "国办发〔2015〕58号" in html
    assert "不予配合检查情节严重" in html
    # The notice goes to the entity: no personal data of anyone in it.
    assert "13912345678" not in html and "张三" not in html


def test_notice_pdf_and_docx(drawn, people):
    assignment = drawn["tricky"]
    user = people["kc_market_org"]
    _name, pdf = docs.notice_file(assignment=assignment, user=user, fmt="pdf")
    assert pdf.startswith(b"%PDF-") and pdf_pages(pdf) == 1
    assert "Noto-Serif-CJK-SC" in pdf_fonts(pdf)
    _name, data = docs.notice_file(assignment=assignment, user=user, fmt="docx")
    text = docx_text(data)
    assert f"{TRICKY}（统一社会信用代码：{assignment.entity.uscc}）：" in text
    assert "1. 企业年度报告公示信息的检查（宽城县市场监督管理局）" in text
    assert "3. 网吧落实实名登记制度的检查（宽城县旅游和文化广电局）" in text
    assert "检查方法：书面检查、实地核查、网络监测。本次为部门联合抽查" in text
    assert "{{" not in text and "{%" not in text
    with pytest.raises(docs.DocumentError, match="通知书不支持的格式：xlsx"):
        docs.notice_file(assignment=assignment, user=user, fmt="xlsx")


# --- batch ------------------------------------------------------------------------------------


def test_batch_zip_has_two_pdfs_per_assignment_and_an_index(drawn, people, tmp_path):
    seen: list[tuple[int, int | None]] = []
    out = tmp_path / "batch.zip"
    before = AuditEntry.objects.count()
    report = docs.batch_generate(
        draw=drawn["draw"],
        user=people["kc_market_org"],
        formats=["pdf"],
        out=out,
        progress=lambda _stage, done, total: seen.append((done, total)),
    )
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    with zipfile.ZipFile(out) as archive:
        names = sorted(archive.namelist())
        root = drawn["draw"].draw_id
        expected = sorted(
            [f"{root}/index.xlsx"]
            + [
                f"{root}/{folder}/{a.sheet_number}-{docs.safe_filename(a.entity.name)}.pdf"
                for a in drawn["assignments"]
                for folder in ("一企一表", "通知书")
            ]
        )
        assert names == expected
        assert report.files == 9 and report.total == 4
        for name in names:
            if name.endswith(".pdf"):
                assert archive.read(name).startswith(b"%PDF-")
        index = load_workbook(io.BytesIO(archive.read(f"{root}/index.xlsx")))["目录"]
        rows = list(index.iter_rows(min_row=5, values_only=True))
    assert [r[0] for r in rows] == [a.sheet_number for a in drawn["assignments"]]
    assert [r[1] for r in rows] == [a.entity.name for a in drawn["assignments"]]
    assert [r[5] for r in rows] == [a.group.code for a in drawn["assignments"]]
    assert not out.with_name("batch.zip.part").exists()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "draw.documents" and entry.actor_username == "kc_market_org"
    assert entry.role == "organizer" and entry.department_id == drawn["task"].lead_department_id
    assert entry.after["sheets"] == 4 and entry.after["personal_data"] is True


def test_batch_in_every_format(drawn, people, tmp_path):
    out = tmp_path / "all.zip"
    report = docs.batch_generate(
        draw=drawn["draw"], user=people["kc_market_org"], formats="docx,xlsx,pdf", out=out
    )
    assert report.files == 4 * 4 + 2
    with zipfile.ZipFile(out) as archive:
        root = drawn["draw"].draw_id
        ledger = load_workbook(io.BytesIO(archive.read(f"{root}/一企一表台账.xlsx")))
        assert ledger["一企一表台账"].max_row == 1 + 4 * 3
        docx_names = [n for n in archive.namelist() if n.endswith(".docx")]
        assert len(docx_names) == 8
        tricky = [n for n in docx_names if "一企一表/" in n and "A&B" in n]
        assert TRICKY in docx_text(archive.read(tricky[0]))


def test_batch_job_through_the_page_with_progress(
    client, drawn, people, django_capture_on_commit_callbacks
):
    org = people["kc_market_org"]
    client.force_login(org)
    draw = drawn["draw"]
    page = client.get(reverse("planning:draw_documents", args=[draw.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    for a in drawn["assignments"]:
        assert reverse("planning:documents_sheet", args=[a.pk, "pdf"]) in body
        assert reverse("planning:documents_notice", args=[a.pk, "docx"]) in body
    assert "尚未生成" in body
    with django_capture_on_commit_callbacks(execute=True):  # the job is enqueued on commit
        response = client.post(
            reverse("planning:documents_batch_start", args=[draw.pk]), {"format": ["pdf", "docx"]}
        )
    assert response.status_code == 302
    state = docs.batch_state(draw, "full")
    assert state["status"] == "done"
    assert (state["done"], state["total"], state["files"]) == (4, 4, 17)
    status = client.get(reverse("planning:documents_batch_status", args=[draw.pk])).content.decode()
    assert 'data-status="done"' in status and "hx-trigger" not in status
    assert "已生成 4 户、17 个文件" in status
    download = client.get(reverse("planning:documents_batch_download", args=[draw.pk]))
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == 17


def test_running_batch_polls_and_refuses_a_second_start(client, drawn, people):
    org = people["kc_market_org"]
    client.force_login(org)
    draw = drawn["draw"]
    docs._state_put(draw, "full", status="running", done=2, total=4, started_by="kc_market_org")
    status = client.get(reverse("planning:documents_batch_status", args=[draw.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in status and "正在生成：2 / 4 户" in status
    with pytest.raises(docs.DocumentError, match="正在生成"):
        docs.batch_start(draw=draw, user=org, formats=["pdf"])
    # Nothing can be downloaded while it runs.
    assert (
        client.get(reverse("planning:documents_batch_download", args=[draw.pk])).status_code == 404
    )


def test_bad_formats_are_refused(drawn, people, tmp_path):
    with pytest.raises(docs.DocumentError, match="不支持的格式：odt"):
        docs.batch_generate(
            draw=drawn["draw"], user=people["kc_market_org"], formats="pdf,odt", out=tmp_path / "x"
        )
    with pytest.raises(docs.DocumentError, match="请至少选择一种格式"):
        docs.batch_start(draw=drawn["draw"], user=people["kc_market_org"], formats=[])
    assert docs.batch_state(drawn["draw"], "full") is None


def test_management_command_prints_progress_and_writes_the_zip(drawn, people, tmp_path, capsys):
    out = tmp_path / "cmd.zip"
    call_command(
        "generate_documents",
        drawn["task"].number,
        "--user",
        "kc_market_org",
        "--format",
        "docx",
        "-o",
        str(out),
    )
    captured = capsys.readouterr()
    assert "[##############################] 4/4 (100%)" in captured.err
    assert "已生成 4 户、9 个文件" in captured.out
    assert len(zipfile.ZipFile(out).namelist()) == 9


def test_the_generator_itself_refuses_users_who_cannot_see_the_task(drawn, people, tmp_path):
    before = AuditEntry.objects.count()
    for who in ("xl_market_admin", "town_market_admin"):
        with pytest.raises(PermissionDenied):
            docs.batch_generate(
                draw=drawn["draw"], user=people[who], formats=["docx"], out=tmp_path / "x.zip"
            )
        with pytest.raises(PermissionDenied):
            docs.sheet_file(assignment=drawn["tricky"], user=people[who], fmt="docx")
    assert not (tmp_path / "x.zip").exists()
    assert AuditEntry.objects.count() == before


def test_management_command_refuses_users_who_cannot_see_the_task(drawn, tmp_path):
    out = tmp_path / "cmd.zip"
    for username in ("xl_market_admin", "town_market_admin"):
        with pytest.raises(CommandError, match="无权查看"):
            call_command(
                "generate_documents", drawn["task"].number, "--user", username, "-o", str(out)
            )
    assert not out.exists()


# --- doors ------------------------------------------------------------------------------------


def _doors(drawn):
    a = drawn["tricky"]
    draw = drawn["draw"]
    return [
        reverse("planning:draw_documents", args=[draw.pk]),
        reverse("planning:documents_sheet", args=[a.pk, "pdf"]),
        reverse("planning:documents_sheet", args=[a.pk, "docx"]),
        reverse("planning:documents_sheet", args=[a.pk, "xlsx"]),
        reverse("planning:documents_notice", args=[a.pk, "pdf"]),
        reverse("planning:documents_notice", args=[a.pk, "docx"]),
        reverse("planning:documents_batch_status", args=[draw.pk]),
        reverse("planning:documents_batch_download", args=[draw.pk]),
    ]


@pytest.mark.parametrize("who", ["xl_market_admin", "town_market_admin"])
def test_outsiders_find_every_door_closed(client, drawn, people, who, tmp_path):
    """Another county, and a department not in the task (the town's market office): every door
    is a 404, and starting a batch changes nothing."""
    # A finished archive exists, so the download door is really there for insiders.
    docs.batch_generate(
        draw=drawn["draw"],
        user=people["kc_market_org"],
        formats=["docx"],
        out=docs.archive_path(drawn["draw"], "full"),
    )
    docs._state_put(drawn["draw"], "full", status="done", total=4, done=4, files=9)
    docs._state_put(drawn["draw"], "full", certificate_sha256=drawn["draw"].certificate_sha256)
    client.force_login(people["kc_market_org"])
    assert client.get(_doors(drawn)[-1]).status_code == 200
    client.force_login(people[who])
    before = AuditEntry.objects.count()
    for url in _doors(drawn):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("planning:documents_batch_start", args=[drawn["draw"].pk]), {"format": ["pdf"]}
    )
    assert response.status_code == 404
    assert docs.batch_state(drawn["draw"], "masked") is None
    assert AuditEntry.objects.count() == before


def test_participants_and_upper_levels_get_in(client, drawn, people):
    # The joint task's participant, and the city bureaus above the lead and the participant.
    for who in ("kc_culture_admin", "cd_market_admin", "cd_culture_admin"):
        client.force_login(people[who])
        response = client.get(
            reverse("planning:documents_sheet", args=[drawn["tricky"].pk, "docx"])
        )
        assert response.status_code == 200, who
        text = docx_text(response.content)
        assert TRICKY in text
        # The city sees the county's entities read-only, without personal data.
        assert ("13912345678" in text) is (who == "kc_culture_admin")


def test_single_task_is_closed_to_departments_outside_it(client, people, depts, county, scheme):
    from planning.tests.test_draw_flow import run_ceremony

    task = services.task_create(
        actor=people["kc_market_org"],
        lead_department=depts["kc_market"],
        name="单部门",
        kind=TaskKind.SINGLE,
        window_start=D(2026, 12, 1),
        window_end=D(2026, 12, 31),
        grading_scheme=scheme,
    )
    services.task_strata_set(
        actor=people["kc_market_org"],
        task=task,
        rules=[(g, False, 0, None) for g in "ABCD"] + [("E", False, None, 2)],
    )
    draw = run_ceremony(people["kc_market_org"], task)
    assignment = draw.assignments.first()
    client.force_login(people["kc_culture_admin"])
    assert client.get(reverse("planning:draw_documents", args=[draw.pk])).status_code == 404
    url = reverse("planning:documents_sheet", args=[assignment.pk, "pdf"])
    assert client.get(url).status_code == 404
    client.force_login(people["kc_market_insp"])
    assert (
        client.get(reverse("planning:documents_sheet", args=[assignment.pk, "docx"])).status_code
        == 200
    )


def test_voided_draws_produce_no_documents(client, drawn, people, tmp_path):
    draw = services.draw_void(
        actor=people["kc_market_admin"], draw=drawn["draw"], reason="data_error", detail="名录有误"
    )
    client.force_login(people["kc_market_org"])
    page = client.get(reverse("planning:draw_documents", args=[draw.pk])).content.decode()
    assert "不能生成一企一表和通知书" in page
    assert reverse("planning:documents_sheet", args=[drawn["tricky"].pk, "pdf"]) not in page
    assert (
        client.get(
            reverse("planning:documents_sheet", args=[drawn["tricky"].pk, "pdf"])
        ).status_code
        == 404
    )
    with pytest.raises(docs.DocumentError, match="已作废"):
        docs.batch_generate(
            draw=draw, user=people["kc_market_org"], formats=["pdf"], out=tmp_path / "v.zip"
        )
    assert not (tmp_path / "v.zip").exists()
    response = client.post(
        reverse("planning:documents_batch_start", args=[draw.pk]), {"format": "pdf"}
    )
    assert response.status_code == 302
    assert docs.batch_state(draw, "full") is None
    assert not Assignment.objects.filter(draw=draw, status="assigned").exists()


@pytest.fixture(autouse=True)
def _clear_progress():
    caches["progress"].clear()
    yield
    caches["progress"].clear()


def test_doc_templates_match_their_builder(tmp_path):
    """The committed .docx templates are what build.py makes (so nobody edits one by hand and
    loses it on the next rebuild)."""
    from planning.doc_templates import build

    build.main(tmp_path)
    here = Path(build.__file__).parent
    for name in ("sheet.docx", "notice.docx"):
        assert docx_text((tmp_path / name).read_bytes()) == docx_text((here / name).read_bytes())


def test_a_department_without_items_gets_a_row_saying_so(drawn, people):
    import dataclasses

    sheet = _docs(drawn, people["kc_market_org"]).sheet(drawn["tricky"])
    culture = dataclasses.replace(sheet.departments[1], items=())
    sheet = dataclasses.replace(sheet, departments=(sheet.departments[0], culture))
    note = "本部门未选定抽查事项，按本部门法定职责开展检查。"
    assert docs.sheet_html(sheet).count(note) == 1
    document = Document(io.BytesIO(docs.sheet_docx(sheet)))
    item_tables = [t for t in document.tables if t.rows[0].cells[0].text == "序号"][:2]
    assert [len(t.rows) for t in item_tables] == [3, 2]
    assert item_tables[1].rows[1].cells[1].text == note
    assert note not in [c.text for row in item_tables[0].rows for c in row.cells]
