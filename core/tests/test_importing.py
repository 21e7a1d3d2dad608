"""The shared import pipeline, driven through the department importer and the web pages."""

from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import Department
from audit.models import AuditEntry
from core import importing
from core.models import ImportJob, ImportStatus

HEADERS = ["部门名称", "简称", "部门类别"]


def xlsx(rows, headers=HEADERS, title_row=None):
    workbook = Workbook()
    sheet = workbook.active
    if title_row:
        sheet.append([title_row])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD = [
    ["宽城满族自治县应急管理局", "县应急管理局", "应急管理"],
    ["宽城满族自治县教育和体育局", "", "教育"],
]
BAD = [
    ["宽城满族自治县应急管理局", "县应急管理局", "应急管理"],
    ["", "无名", "教育"],
    ["宽城满族自治县交通运输局", "", "交通"],
    ["宽城满族自治县应急管理局", "", "应急管理"],
]


def upload(client, content, name="部门.xlsx", callbacks=None):
    return client.post(
        reverse("core:import_upload", args=["departments"]),
        {"file": SimpleUploadedFile(name, content)},
    )


@pytest.fixture
def admin_client(client, people):
    client.force_login(people["kc_admin"])
    return client


def test_bad_rows_are_all_listed_and_nothing_is_written(
    admin_client, django_capture_on_commit_callbacks
):
    departments = Department.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, xlsx(BAD, title_row="宽城县部门表"))
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("core:import_job", args=[job.pk])
    assert job.status == ImportStatus.INVALID
    assert (job.total_rows, job.valid_rows, job.error_count) == (4, 2, 3)
    assert job.errors == [
        {"row": 4, "column": "部门名称", "message": "部门名称不能为空"},
        {"row": 5, "column": "部门类别", "message": "“交通”不是有效的部门类别"},
        {"row": 6, "column": "部门名称", "message": "与第 3 行重复"},
    ]
    page = admin_client.get(reverse("core:import_job", args=[job.pk])).content.decode()
    assert "校验未通过：发现 3 处错误，整份文件未导入" in page
    assert "“交通”不是有效的部门类别" in page
    assert admin_client.post(reverse("core:import_confirm", args=[job.pk])).status_code == 302
    assert ImportJob.objects.get().status == ImportStatus.INVALID
    assert Department.objects.count() == departments
    assert not AuditEntry.objects.filter(action="department.create", actor=job.uploaded_by).exists()
    errors = load_workbook(
        BytesIO(admin_client.get(reverse("core:import_errors", args=[job.pk])).content)
    ).active
    assert list(errors.iter_rows(values_only=True))[1] == (4, "部门名称", "部门名称不能为空")


def test_good_file_previews_commits_and_reimports_idempotently(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, xlsx(GOOD))
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.READY
    assert job.preview == [
        {
            "row": 2,
            "部门名称": "宽城满族自治县应急管理局",
            "简称": "县应急管理局",
            "部门类别": "应急管理",
        },
        {"row": 3, "部门名称": "宽城满族自治县教育和体育局", "简称": "", "部门类别": "教育"},
    ]
    assert Department.objects.filter(name__contains="应急管理局").count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("core:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.report == {"created": 2, "updated": 0, "unchanged": 0}
    created = Department.objects.get(name="宽城满族自治县应急管理局")
    assert (created.region_id, created.kind) == ("130827", "emergency")
    commit_entry = AuditEntry.objects.get(action="import.departments.commit")
    assert commit_entry.after["sha256"] == job.sha256
    page = admin_client.get(reverse("core:import_job", args=[job.pk])).content.decode()
    assert "新增 2 条，更新 0 条，未变 0 条。" in page

    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, xlsx(GOOD))
    second = ImportJob.objects.exclude(pk=job.pk).get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("core:import_confirm", args=[second.pk]))
    second.refresh_from_db()
    assert second.report == {"created": 0, "updated": 0, "unchanged": 2}


def test_a_failure_during_commit_writes_nothing(
    admin_client, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts.importers import DepartmentImporter

    original = DepartmentImporter.commit

    def failing(self, records, progress):
        original(self, records, progress)
        raise RuntimeError("disk full")

    monkeypatch.setattr(DepartmentImporter, "commit", failing)
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, xlsx(GOOD))
    job = ImportJob.objects.get()
    before = Department.objects.count()
    # The worker records the task as failed (and logs the traceback); the page shows the job.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("core:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.report == {"error": "导入时发生系统错误，未写入任何数据。请联系系统管理员查看日志。"}
    assert Department.objects.count() == before
    assert not AuditEntry.objects.filter(action="department.create", actor=job.uploaded_by).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("部门.docx", b"PK..", "不支持的文件类型：请上传 .xlsx、.xls 或 .csv 文件"),
        ("部门.xlsx", b"", "文件是空的。"),
    ],
)
def test_rejected_uploads_explain_why(admin_client, name, content, message):
    response = upload(admin_client, content, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_oversized_upload_is_refused(admin_client, monkeypatch):
    monkeypatch.setattr(importing, "MAX_UPLOAD_BYTES", 1024)
    response = upload(admin_client, b"x" * 2048, name="大文件.csv")
    assert "文件过大（0.0 MB），单个文件不能超过 0 MB" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_corrupt_xlsx_gets_a_file_level_error(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, b"not a zip file at all", name="部门.xlsx")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.INVALID
    assert job.errors == [
        {"row": 0, "column": "", "message": "文件无法作为 .xlsx 读取（文件损坏或不是 Excel 文件）"}
    ]


def test_missing_required_column(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, xlsx([["应急局", "x"]], headers=["部门名称", "简称"]))
    assert ImportJob.objects.get().errors == [
        {"row": 0, "column": "", "message": "缺少必填列：部门类别。请使用下载的导入模板。"}
    ]


def test_gb18030_csv_is_read(admin_client, django_capture_on_commit_callbacks):
    content = "部门名称,简称,部门类别\n宽城满族自治县商务局,县商务局,商务\n".encode("gb18030")
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, content, name="部门.csv")
    job = ImportJob.objects.get()
    assert (job.status, job.valid_rows) == (ImportStatus.READY, 1)


def test_roles_without_permission_cannot_import(client, people):
    client.force_login(people["kc_market_insp"])
    assert client.get(reverse("core:import_upload", args=["departments"])).status_code == 403
    assert upload(client, xlsx(GOOD)).status_code == 403
    assert ImportJob.objects.count() == 0


def test_other_users_jobs_are_invisible(client, people, django_capture_on_commit_callbacks):
    client.force_login(people["kc_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, xlsx(GOOD))
    job = ImportJob.objects.get()
    client.force_login(people["xl_market_admin"])
    assert client.get(reverse("core:import_job", args=[job.pk])).status_code == 404
    assert client.post(reverse("core:import_confirm", args=[job.pk])).status_code == 404
    assert ImportJob.objects.get().status == ImportStatus.READY


def test_template_download_lists_columns(admin_client):
    response = admin_client.get(reverse("core:import_template", args=["departments"]))
    workbook = load_workbook(BytesIO(response.content))
    assert [c.value for c in workbook.active[1]] == HEADERS
    assert workbook["填写说明"]["B2"].value == "必填"


def test_command_line_import_reports_rows_and_writes_all_or_nothing(people, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(BAD))
    out = StringIO()
    before = Department.objects.count()
    with pytest.raises(CommandError):
        call_command("import_departments", str(bad), user="kc_admin", stdout=out, stderr=StringIO())
    assert "校验未通过：共 4 行，发现 3 处错误，未写入任何数据。" in out.getvalue()
    assert "第 4 行【部门类别】：“交通”不是有效的部门类别" in out.getvalue()
    assert Department.objects.count() == before
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(GOOD))
    out = StringIO()
    call_command("import_departments", str(good), user="kc_admin", stdout=out, stderr=StringIO())
    assert "导入完成：新增 2，更新 0，未变 0。" in out.getvalue()
    assert Department.objects.count() == before + 2
