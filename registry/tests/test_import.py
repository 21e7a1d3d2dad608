"""EntityImporter: the legacy .xls fixture, refusal of bad files, idempotent upsert, CLI."""

import datetime as dt
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from audit.models import AuditEntry
from core.importing import run_import_cli
from core.models import ImportJob, ImportStatus
from registry.models import Entity, EntityChange, EntityGrade, EntityTag

from .conftest import make_reg_no, make_uscc

FIXTURES = Path(__file__).parent / "fixtures"


def run(user, path, dry_run=False):
    out = StringIO()
    job = run_import_cli(kind="entities", path=path, actor=user, stdout=out, dry_run=dry_run)
    job.refresh_from_db()
    return job, out.getvalue()


def write_xlsx(tmp_path, rows, headers, name="对象.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_legacy_xls_imports_codes_dates_and_phones_exactly(people, townships, levels):
    job, out = run(people["kc_market_admin"], FIXTURES / "legacy_entities.xls")
    assert job.status == ImportStatus.DONE, out
    assert job.report == {"created": 4, "updated": 0, "unchanged": 0}
    rows = {
        e.name: e
        for e in Entity.objects.all()
    }
    netbar = rows["宽城县龙须门镇鑫源网吧"]
    assert (netbar.uscc, netbar.reg_no) == ("92130827MA0CK5J79K", "130827600012347")
    assert (netbar.entity_type, netbar.industry_code, netbar.industry_detail) == (
        "individual",
        "R",
        "互联网上网服务",
    )
    assert (netbar.representative, netbar.phone) == ("王建国", "13831412345")
    assert (netbar.registered_on, netbar.status, netbar.region_id) == (
        dt.date(2016, 3, 18),
        "active",
        "130827101",
    )
    karaoke = rows["宽城镇红星歌厅"]
    # only a 15-digit 注册号 (stored as a float in the .xls); a bare serial date; a landline
    # whose leading 0 the old system lost when it stored the number as a float
    assert (karaoke.uscc, karaoke.reg_no) == ("", "130827600098761")
    assert (karaoke.registered_on, karaoke.phone) == (dt.date(2010, 1, 1), "3146012345")
    assert (karaoke.entity_type, karaoke.region_id) == ("individual", "130827100")
    cinema = rows["宽城满族自治县星光影城有限公司"]
    assert (cinema.uscc, cinema.reg_no, cinema.phone) == ("91130827MA0D2R8N27", "", "0314-6012345")
    assert (cinema.registered_on, cinema.industry_code, cinema.entity_type) == (
        dt.date(2019, 5, 1),
        "R",
        "company",
    )
    coop = rows["宽城满族自治县龙须门镇板栗种植专业合作社"]
    assert (coop.uscc, coop.reg_no, coop.status, coop.entity_type) == (
        "93130827MA0E1T6P78",
        "130827200034560",
        "revoked",
        "cooperative",
    )
    assert (coop.registered_on, coop.phone) == (dt.date(2012, 11, 5), "")
    grades = dict(
        EntityGrade.objects.filter(valid_to__isnull=True).values_list("entity__name", "level__code")
    )
    assert grades == {
        "宽城县龙须门镇鑫源网吧": "B",
        "宽城镇红星歌厅": "C",
        "宽城满族自治县星光影城有限公司": "A",
    }
    assert EntityChange.objects.filter(import_job=job, action="import.create").count() == 4
    assert AuditEntry.objects.filter(action="import.entities.commit").count() == 1
    assert not AuditEntry.objects.filter(object_type="registry.entity").exists()

    again, out = run(people["kc_market_admin"], FIXTURES / "legacy_entities.xls")
    assert again.report == {"created": 0, "updated": 0, "unchanged": 4}, out
    assert Entity.objects.count() == 4
    assert EntityGrade.objects.count() == 3
