from django.conf import settings
from django.core.management import call_command

from regions.models import Region, RegionLevel
from regions.selectors import region_ancestors, region_subtree
from regions.services import regions_load


def test_hebei_loads_with_codes_as_strings_and_is_idempotent(db):
    report = regions_load(directory=settings.DIVISIONS_DIR, only_province="13")
    assert report.updated == 0 and report.unchanged == 0
    assert Region.objects.count() == report.created
    kuancheng = Region.objects.get(code="130827")
    assert (kuancheng.name, kuancheng.level, kuancheng.parent_id) == (
        "宽城满族自治县",
        RegionLevel.COUNTY,
        "1308",
    )
    assert kuancheng.gb2260_code == "130827"
    assert Region.objects.get(code="13").gb2260_code == "130000"
    assert region_subtree(code="130827").filter(level=RegionLevel.TOWNSHIP).count() == 18
    assert [r.name for r in region_ancestors(region=Region.objects.get(code="130827100"))] == [
        "河北省",
        "承德市",
        "宽城满族自治县",
        "宽城镇",
    ]
    assert Region.objects.get(code="130827100").full_name() == "河北省承德市宽城满族自治县宽城镇"
    again = regions_load(directory=settings.DIVISIONS_DIR, only_province="13")
    assert (again.created, again.updated, again.unchanged) == (0, 0, report.created)


def test_every_code_starts_with_its_parent_code(db):
    regions_load(directory=settings.DIVISIONS_DIR, only_province="13")
    for code, parent in Region.objects.exclude(parent=None).values_list("code", "parent_id"):
        assert code.startswith(parent)


def test_load_regions_command_reports(db, capsys):
    call_command("load_regions", province="11")
    out = capsys.readouterr().out
    assert out.startswith("行政区划：新增 ")
    assert Region.objects.get(code="110101").name == "东城区"
