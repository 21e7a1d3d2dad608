"""Excel import of inspectors and experts through the shared pipeline and the commands."""

import datetime as dt
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from audit.models import AuditEntry
from core.importing import run_import_cli
from core.models import ImportStatus
from inspectors import services
from inspectors.models import Expert, Inspector, InspectorStatus
from inspectors.selectors import inspector_status_on

from .conftest import id_number

MESSY_HEADERS = [
    "序号",
    "姓名",
    "执法单位",
    "职务",
    "执法证件号",
    "有效期至",
    "专业特长",
    "状态",
    "手机号码",
    "身份证号码",
]


def xlsx(tmp_path: Path, rows, headers=MESSY_HEADERS, name="人员.xlsx", title=True) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append(["宽城县市场监督管理局执法检查人员名录（2026年）"])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def run(path: Path, user, kind="inspectors", dry_run=False):
    out = StringIO()
    job = run_import_cli(kind=kind, path=path, actor=user, stdout=out, dry_run=dry_run)
    return job, out.getvalue()


def inspector_audit_count() -> int:
    return AuditEntry.objects.filter(action__startswith="inspector.").count()


GOOD_ROWS = [
    [
        1,
        "王海燕_x000D_",
        "宽城县市场监督管理局",
        "副所长",
        13082720190012.0,
        dt.datetime(2027, 6, 30),
        "食品安全、特种设备",
        "在岗",
        13903141234.0,
        id_number(),
    ],
    [2, " 李春生 ", "", "科员", "13082720190013", "2026年12月15日", "特种设备", "", "", ""],
    [
        3,
        "赵文",
        "宽城县市场监督管理局",
        "",
        "冀执法字第0827001号",
        46022,
        "食品安全,特种设备",
        "休假",
        "0314-6012345",
        "",
    ],
]


def test_messy_file_imports_and_reimport_is_idempotent(tmp_path, people, tags):
    org = people["kc_market_org"]
    path = xlsx(tmp_path, GOOD_ROWS)
    job, out = run(path, org)
    assert job.status == ImportStatus.DONE, out
    assert job.report == {"created": 3, "updated": 0, "unchanged": 0}
    wang = Inspector.objects.get(certificate_no="13082720190012")
    assert wang.name == "王海燕"
    assert wang.phone == "13903141234"
    assert wang.id_number == id_number()
    assert wang.valid_to == dt.date(2027, 6, 30)
    assert wang.department.name == "宽城县市场监督管理局"
    assert sorted(wang.specialties.values_list("name", flat=True)) == ["特种设备", "食品安全"]
    li = Inspector.objects.get(certificate_no="13082720190013")
    assert (li.name, li.department_id, li.valid_to) == (
        "李春生",
        org.department_id,
        dt.date(2026, 12, 15),
    )
    zhao = Inspector.objects.get(certificate_no="冀执法字第0827001号")
    assert zhao.valid_to == dt.date(2025, 12, 31)  # Excel serial 46022
    assert inspector_status_on(zhao, timezone.localdate()) == InspectorStatus.LEAVE
    assert AuditEntry.objects.filter(action="inspector.create", role="organizer").count() == 3

    count = AuditEntry.objects.filter(action__startswith="inspector.").count()
    job, out = run(path, org)
    assert job.report == {"created": 0, "updated": 0, "unchanged": 3}, out
    assert inspector_audit_count() == count

    changed = [list(r) for r in GOOD_ROWS]
    changed[1][3] = "副科长"  # 李春生's 职务
    changed[0][7] = "借调"  # 王海燕's 状态
    job, out = run(xlsx(tmp_path, changed, name="人员2.xlsx"), org)
    assert job.report == {"created": 0, "updated": 2, "unchanged": 1}, out
    li.refresh_from_db()
    assert li.post == "副科长"
    assert inspector_status_on(wang, timezone.localdate()) == InspectorStatus.SECONDED
    # Blank cells keep what is stored.
    assert li.valid_to == dt.date(2026, 12, 15)
    wang.refresh_from_db()
    assert wang.phone == "13903141234"


def test_file_with_bad_rows_is_refused_whole_with_every_error(tmp_path, people, tags):
    org = people["kc_market_org"]
    rows = [
        GOOD_ROWS[0],
        [2, "李春生", "宽城县不存在局", "科员", "13082720190013", "", "", "", "", ""],
        [
            3,
            "",
            "宽城县市场监督管理局",
            "",
            "",
            "2027-02-30",
            "网吧、爆破",
            "出差",
            "12345",
            "130821198503120011",
        ],
        [4, "赵文", "宽城县旅游和文化广电局", "", "13082720190012", "", "", "", "", ""],
    ]
    job, out = run(xlsx(tmp_path, rows), org)
    assert job.status == ImportStatus.INVALID
    assert job.errors == [
        {
            "row": 4,
            "column": "所属部门",
            "message": "“宽城县不存在局”不是本级行政区划内的部门，请填写部门全称或简称",
        },
        {
            "row": 5,
            "column": "专业特长",
            "message": "“网吧、爆破”不在分类标签库的专业领域中（可选：消防安全、特种设备、食品安全）",
        },
        {"row": 5, "column": "姓名", "message": "姓名不能为空"},
        {"row": 5, "column": "执法证号", "message": "执法证号不能为空"},
        {
            "row": 5,
            "column": "状态",
            "message": "“出差”不是有效的状态（可选：在岗、休假、借调、调离、退休）",
        },
        {
            "row": 5,
            "column": "联系电话",
            "message": "“12345”不是有效的电话号码（11 位手机号或 0314-6012345 格式的固定电话）",
        },
        {
            "row": 5,
            "column": "证件有效期至",
            "message": "“2027-02-30”不是有效日期（2027年没有2月30日）",
        },
        {
            "row": 5,
            "column": "身份证号",
            "message": "“130821198503120011”不是有效的居民身份证号码（18 位，校验码、出生日期或地区码不正确）",
        },
        {
            "row": 6,
            "column": "所属部门",
            "message": "无权在“宽城县旅游和文化广电局”登记人员：只能导入本人有管理权限的部门",
        },
    ]
    assert "第 4 行【所属部门】：“宽城县不存在局”不是本级行政区划内的部门" in out
    assert "未写入任何数据" in out
    assert Inspector.objects.count() == 0
    assert inspector_audit_count() == 0


def test_duplicates_in_file_and_numbers_owned_elsewhere_are_row_errors(
    tmp_path, people, depts, tags
):
    services.inspector_create(
        actor=people["kc_culture_admin"],
        department=depts["kc_culture"],
        name="文广人员",
        certificate_no="13082720180001",
    )
    rows = [
        [1, "甲", "", "", "13082720190012", "", "", "", "", ""],
        [2, "乙", "", "", "13082720190012.0", "", "", "", "", ""],
        [3, "丙", "", "", "13082720180001", "", "", "", "", ""],
        [4, "丁", "兴隆县市场监督管理局", "", "13082720190014", "", "", "", "", ""],
    ]
    count = inspector_audit_count()
    job, _ = run(xlsx(tmp_path, rows), people["kc_market_org"])
    assert job.status == ImportStatus.INVALID
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (4, "执法证号", "执法证号与第 3 行重复"),
        (5, "执法证号", "执法证号 13082720180001 已由其他部门登记，不能通过本次导入修改"),
        (6, "所属部门", "“兴隆县市场监督管理局”不是本级行政区划内的部门，请填写部门全称或简称"),
    ]
    assert Inspector.objects.count() == 1
    assert inspector_audit_count() == count


def test_import_needs_manage_permission(tmp_path, people, tags):
    from django.core.exceptions import PermissionDenied

    for username in ("kc_market_insp", "kc_admin", "kc_supervisor"):
        with pytest.raises(PermissionDenied):
            run(xlsx(tmp_path, GOOD_ROWS), people[username])
    assert Inspector.objects.count() == 0


def test_command_dry_run_writes_nothing_then_imports(tmp_path, people, tags):
    path = xlsx(tmp_path, GOOD_ROWS)
    out = StringIO()
    call_command("import_inspectors", str(path), "--user", "kc_market_org", "--dry-run", stdout=out)
    assert "校验通过：3 行有效。" in out.getvalue()
    assert "试运行（--dry-run）：未写入。" in out.getvalue()
    assert Inspector.objects.count() == 0
    call_command("import_inspectors", str(path), "--user", "kc_market_org", stdout=out)
    assert "导入完成：新增 3，更新 0，未变 0。" in out.getvalue()
    bad = xlsx(tmp_path, [[1, "某", "宽城县不存在局", "", "13082720190099"]], name="bad.xlsx")
    with pytest.raises(CommandError):
        call_command("import_inspectors", str(bad), "--user", "kc_market_org", stdout=out)
    assert Inspector.objects.count() == 3


def test_export_command_masks_for_viewers_without_manage(tmp_path, people, tags):
    run(xlsx(tmp_path, GOOD_ROWS), people["kc_market_org"])
    for username, phone, id_shown in (
        ("kc_market_org", "13903141234", id_number()),
        ("cd_market_admin", "139****1234", id_number()[:4] + "*" * 10 + id_number()[-4:]),
    ):
        target = tmp_path / f"{username}.xlsx"
        call_command(
            "export_inspectors", "--user", username, "--output", str(target), stdout=StringIO()
        )
        sheet = load_workbook(target).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:5] == ("姓名", "所属部门", "性别", "职务", "执法证号")
        wang = next(r for r in rows if r[0] == "王海燕")
        assert (wang[12], wang[13]) == (phone, id_shown)
        assert wang[10] == "食品安全、特种设备" or wang[10] == "特种设备、食品安全"
    target = tmp_path / "xl.xlsx"
    call_command(
        "export_inspectors", "--user", "xl_market_admin", "--output", str(target), stdout=StringIO()
    )
    assert len(list(load_workbook(target).active.iter_rows(values_only=True))) == 1


def test_export_reimports_unchanged(tmp_path, people, tags, client):
    org = people["kc_market_org"]
    run(xlsx(tmp_path, GOOD_ROWS), org)
    client.force_login(org)
    response = client.get("/inspectors/export.xlsx")
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.content)
    job, out = run(path, org)
    assert job.report == {"created": 0, "updated": 0, "unchanged": 3}, out


def test_experts_import_upserts_by_department_name_and_organisation(tmp_path, people, tags):
    headers = ["姓名", "单位", "职称", "专业资格", "专业领域", "手机号", "状态"]
    rows = [
        [
            "李建民",
            "承德市特种设备检验所",
            "高级工程师",
            "特种设备检验师",
            "特种设备",
            13803141234.0,
            "在库",
        ],
        ["周敏", "宽城县医院", "主任医师", "执业医师", "食品安全", "", ""],
    ]
    org = people["kc_market_org"]
    job, out = run(xlsx(tmp_path, rows, headers=headers, title=False), org, kind="experts")
    assert job.report == {"created": 2, "updated": 0, "unchanged": 0}, out
    li = Expert.objects.get(name="李建民")
    assert (li.phone, li.department_id, li.status) == ("13803141234", org.department_id, "active")
    job, out = run(xlsx(tmp_path, rows, headers=headers, title=False), org, kind="experts")
    assert job.report == {"created": 0, "updated": 0, "unchanged": 2}, out
    rows[1][6] = "暂停"
    rows.append(["李建民", "承德市特种设备检验所", "", "", "", "", ""])
    job, _ = run(
        xlsx(tmp_path, rows, headers=headers, title=False, name="e2.xlsx"), org, kind="experts"
    )
    assert job.status == ImportStatus.INVALID
    assert job.errors == [
        {"row": 4, "column": "姓名", "message": "与第 2 行是同一位专家（姓名、工作单位相同）"}
    ]
    rows.pop()
    job, _ = run(
        xlsx(tmp_path, rows, headers=headers, title=False, name="e3.xlsx"), org, kind="experts"
    )
    assert job.report == {"created": 0, "updated": 1, "unchanged": 1}
    assert Expert.objects.get(name="周敏").status == "suspended"


def test_template_download_lists_the_columns(client, people):
    client.force_login(people["kc_market_org"])
    response = client.get("/imports/inspectors/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert headers[:5] == ["姓名", "所属部门", "性别", "职务", "执法证号"]


def test_upload_page_names_what_is_imported(client, people):
    # Regression: the framework passes the importer class to templates; Django used to call it
    # and render "导入" with an empty label.
    client.force_login(people["kc_market_org"])
    html = client.get("/imports/inspectors/").content.decode()
    assert "<h1>导入执法检查人员</h1>" in html
    assert "<h1>导入专家</h1>" in client.get("/imports/experts/").content.decode()
