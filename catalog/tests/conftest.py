"""Fixtures of the catalog tests: Hainan (region 46) with its leading-group office, and helpers
to write small item files."""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from accounts.models import DepartmentKind, Role
from accounts.services import department_create, user_create
from conftest import PASSWORD
from core.importing import run_import_cli
from regions.models import Region, RegionLevel

HAINAN_FILE = (
    Path(__file__).resolve().parent.parent / "data" / "hainan-2020-random-inspection-items.xlsx"
)


@pytest.fixture
def hainan_office_user(db):
    region = Region.objects.create(code="46", name="海南省", level=RegionLevel.PROVINCE)
    office = department_create(
        actor=None,
        name="海南省双随机、一公开监管工作领导小组办公室",
        kind=DepartmentKind.LEADING_OFFICE,
        region=region,
    )
    return user_create(
        actor=None,
        username="hi_joint",
        full_name="海南省双随机办",
        department=office,
        roles=[Role.JOINT_OFFICE],
        password=PASSWORD,
        must_change_password=False,
    )


def write_xlsx(path: Path, rows: list[Any]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def cli_import(kind: str, path: Path, actor, **options):
    out = StringIO()
    job = run_import_cli(kind=kind, path=path, actor=actor, stdout=out, options=options or None)
    return job, out.getvalue()


ITEM_HEADER = ["序号", "抽查类别", "抽查事项", "检查对象", "事项类别", "检查方式", "检查依据"]
