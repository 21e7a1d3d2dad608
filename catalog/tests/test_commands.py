from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from catalog.models import InspectionItem, ListVersion, VersionStatus
from catalog.tests.conftest import HAINAN_FILE
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_import_publish_and_export(hainan_office_user, tmp_path, client):
    out = StringIO()
    call_command(
        "import_items",
        str(HAINAN_FILE),
        user="hi_joint",
        publish=True,
        reason="2020年版",
        stdout=out,
    )
    assert "导入完成：新增 293，更新 0，未变 0。" in out.getvalue()
    version = ListVersion.objects.get()
    assert version.status == VersionStatus.PUBLISHED and version.reason == "2020年版"
    target = tmp_path / "out.xlsx"
    out = StringIO()
    call_command("export_items", list="R46", output=str(target), kind="key", stdout=out)
    assert "已导出 30 条事项（第 1 版）" in out.getvalue()
    sheet = load_workbook(target).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("事项编码", "编制单位名称", "序号", "抽查类别")
    assert len(rows) == 31 and all(r[6] == "重点检查事项" for r in rows[1:])
    # the list page shows it to any account of any region
    assert client.login(username="hi_joint", password=PASSWORD)
    assert "海南省市场监管领域随机抽查事项清单" in client.get("/catalog/").content.decode()


def test_command_refuses_bad_input(hainan_office_user, tmp_path):
    with pytest.raises(CommandError, match="找不到账号"):
        call_command("import_items", str(HAINAN_FILE), user="nobody", stdout=StringIO())
    with pytest.raises(CommandError, match="导入未完成"):
        call_command(
            "import_items", str(HAINAN_FILE), user="hi_joint", list="NOPE", stdout=StringIO()
        )
    assert not InspectionItem.objects.exists()
    out = StringIO()
    call_command("import_items", str(HAINAN_FILE), user="hi_joint", dry_run=True, stdout=out)
    assert "试运行" in out.getvalue() and not InspectionItem.objects.exists()
