"""EntityImporter: the legacy .xls fixture, refusal of bad files, idempotent upsert, CLI."""

import datetime as dt
from io import StringIO
from pathlib import Path

from openpyxl import Workbook

from audit.models import AuditEntry
from core.importing import run_import_cli
from core.models import ImportStatus
from registry.models import Entity, EntityChange, EntityGrade

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
    rows = {e.name: e for e in Entity.objects.all()}
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


HEADERS = [
    "统一社会信用代码",
    "注册号",
    "企业名称",
    "成立日期",
    "所属区域",
    "联系电话",
    "信用等级",
    "标签",
]


def test_bad_rows_refuse_the_whole_file_with_every_error(people, townships, levels, tags, tmp_path):
    good = make_uscc(1)
    bad_check = make_uscc(2)[:17] + ("0" if make_uscc(2)[17] != "0" else "1")
    dup = make_uscc(3)
    bad_reg = make_reg_no(9)[:14] + str((int(make_reg_no(9)[14]) + 1) % 10)
    rows = [
        [good, "", "宽城县甲商贸有限公司", "2020-01-01", "龙须门镇", "", "A", "食品经营"],
        [bad_check, "", "宽城县乙商贸有限公司", "2019-02-30", "不存在镇", "", "F", "无此标签"],
        [dup, "", "宽城县丙商贸有限公司", "", "", "", "", ""],
        ["", bad_reg, "", "", "", "abc", "", ""],
        [dup, "", "宽城县丙商贸有限公司（重复）", "", "峪耳崖镇", "", "", ""],
        [make_uscc(4), "", "兴隆县丁商贸有限公司", "", "130822100", "", "", ""],
    ]
    entities, audits = Entity.objects.count(), AuditEntry.objects.count()
    job, out = run(people["kc_market_admin"], write_xlsx(tmp_path, rows, HEADERS))
    expected_reg = make_reg_no(9)
    assert job.status == ImportStatus.INVALID
    messages = [(e["row"], e["column"], e["message"]) for e in job.errors]
    assert messages == [
        (
            3,
            "信用等级",
            "“F”不是河北省企业信用风险分类（A–E 五级）的等级（可填 A、B、C、D、E）",
        ),
        (3, "成立日期", "“2019-02-30”不是有效日期（2019年没有2月30日）"),
        (3, "所属区域", "未知的区域“不存在镇”（请填写本县的乡镇名称或区划代码）"),
        (3, "标签", "分类标签库中没有标签“无此标签”"),
        (
            3,
            "统一社会信用代码",
            f"“{bad_check}”校验位错误：第 18 位应为“{make_uscc(2)[17]}”，实际为“{bad_check[17]}”",
        ),
        (5, "企业名称", "企业名称不能为空"),
        (
            5,
            "注册号",
            f"“{rows[3][1]}”校验位错误：第 15 位应为“{expected_reg[14]}”，实际为“{rows[3][1][14]}”",
        ),
        (5, "联系电话", "“ABC”不是有效的电话号码（只能包含数字和 - / 、）"),
        (
            6,
            "统一社会信用代码",
            f"统一社会信用代码“{dup}”与第 4 行重复（第 4 行和第 6 行是同一检查对象，请合并为一行）",
        ),
        (7, "所属区域", "无权导入“兴隆镇”（130822100）的检查对象"),
    ]
    assert "校验未通过" in out and "第 3 行【统一社会信用代码】" in out
    assert Entity.objects.count() == entities
    assert not AuditEntry.objects.filter(object_type="registry.entity").exists()
    assert AuditEntry.objects.count() == audits + 2  # upload + validate only
    assert not AuditEntry.objects.filter(action="import.entities.commit").exists()
