"""Who sees and changes which entities, through every door; personal data masking."""

import datetime as dt
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEntry
from registry import services
from registry.models import Entity, EntityGrade

D = dt.date


@pytest.fixture
def netbar(entity_factory, levels, people):
    entity = entity_factory(
        21,
        uscc="",
        reg_no="130827600012347",
        name="宽城县龙须门镇鑫源网吧",
        entity_type="individual",
        representative="王建国",
        id_number="11010519491231002X",
        phone="13831412345",
    )
    services.grade_assign(
        actor=people["kc_market_admin"], entity=entity, level=levels["B"], valid_from=D(2024, 1, 1)
    )
    return entity


def sheet_rows(response):
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def test_county_staff_see_personal_data_in_full(client, people, netbar):
    client.force_login(people["kc_market_insp"])
    page = client.get(reverse("registry:entity_detail", args=[netbar.pk])).content.decode()
    assert "王建国" in page and "11010519491231002X" in page and "13831412345" in page
    assert reverse("registry:entity_grade", args=[netbar.pk]) not in page  # read-only


@pytest.mark.parametrize("username", ["kc_supervisor", "cd_market_admin"])
def test_others_see_personal_data_masked(client, people, netbar, username):
    client.force_login(people[username])
    page = client.get(reverse("registry:entity_detail", args=[netbar.pk])).content.decode()
    assert "王建国" not in page and "王**" in page
    assert "1101**********002X" in page and "138****2345" in page
    assert "11010519491231002X" not in page and "13831412345" not in page
    rows = sheet_rows(client.get(reverse("registry:entity_export")))
    assert rows[0][6:8] == ("证件号码", "联系电话")
    assert rows[1][:8] == (
        None,
        "130827600012347",
        "宽城县龙须门镇鑫源网吧",
        "个体工商户",
        None,
        "王**",
        "1101**********002X",
        "138****2345",
    )


def test_default_export_is_full_only_for_the_entitled_and_public_export_never(
    client, people, netbar
):
    client.force_login(people["kc_market_admin"])
    rows = sheet_rows(client.get(reverse("registry:entity_export")))
    assert rows[1][5:8] == ("王建国", "11010519491231002X", "13831412345")
    assert rows[1][-1] == "B"
    public = sheet_rows(client.get(reverse("registry:entity_export") + "?public=1"))
    assert "证件号码" not in public[0] and "联系电话" not in public[0]
    assert public[1][5] == "王**"
    assert "13831412345" not in str(public) and "11010519491231002X" not in str(public)


def test_sibling_county_sees_and_changes_nothing(client, people, netbar, levels):
    client.force_login(people["xl_market_admin"])
    listing = client.get(reverse("registry:entity_list")).content.decode()
    assert "鑫源网吧" not in listing
    assert client.get(reverse("registry:entity_detail", args=[netbar.pk])).status_code == 404
    assert client.get(reverse("registry:entity_edit", args=[netbar.pk])).status_code == 404
    audits = AuditEntry.objects.count()
    response = client.post(
        reverse("registry:entity_grade", args=[netbar.pk]),
        {"level": levels["E"].pk, "valid_from": "2025-01-01"},
    )
    assert response.status_code == 404
    assert len(sheet_rows(client.get(reverse("registry:entity_export")))) == 1  # header only
    with pytest.raises(PermissionDenied):
        services.entity_update(actor=people["xl_market_admin"], entity=netbar, name="改名")
    assert Entity.objects.get(pk=netbar.pk).name == "宽城县龙须门镇鑫源网吧"
    assert EntityGrade.objects.filter(entity=netbar).count() == 1
    assert AuditEntry.objects.count() == audits


def test_city_sees_county_entities_read_only(client, people, netbar, levels):
    client.force_login(people["cd_market_admin"])
    assert "鑫源网吧" in client.get(reverse("registry:entity_list")).content.decode()
    page = client.get(reverse("registry:entity_detail", args=[netbar.pk])).content.decode()
    assert "鑫源网吧" in page and ">编辑<" not in page
    assert reverse("registry:entity_grade", args=[netbar.pk]) not in page
    audits = AuditEntry.objects.count()
    assert client.get(reverse("registry:entity_edit", args=[netbar.pk])).status_code == 403
    response = client.post(
        reverse("registry:entity_edit", args=[netbar.pk]),
        {"name": "改名", "entity_type": "individual", "status": "active", "region": "130827101"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("registry:entity_grade", args=[netbar.pk]),
        {"level": levels["E"].pk, "valid_from": "2025-01-01"},
    )
    assert response.status_code == 403
    for call in (
        lambda: services.grade_assign(
            actor=people["cd_market_admin"],
            entity=netbar,
            level=levels["E"],
            valid_from=D(2025, 1, 1),
        ),
        lambda: services.complaint_record(
            actor=people["cd_market_admin"], entity=netbar, received_on=D(2025, 1, 1)
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert Entity.objects.get(pk=netbar.pk).name == "宽城县龙须门镇鑫源网吧"
    assert list(EntityGrade.objects.filter(entity=netbar).values_list("level__code")) == [("B",)]
    assert AuditEntry.objects.count() == audits


def test_county_admin_maintains_through_the_pages(client, people, netbar, levels):
    client.force_login(people["kc_market_admin"])
    response = client.post(
        reverse("registry:entity_grade", args=[netbar.pk]),
        {"level": levels["D"].pk, "valid_from": "2025-07-01", "reason": "投诉较多"},
    )
    assert response.status_code == 302
    assert EntityGrade.objects.get(entity=netbar, valid_to__isnull=True).level.code == "D"
    response = client.post(
        reverse("registry:entity_blacklist_remove", args=[netbar.pk]),
        {"valid_to": "2025-08-01", "reason": "x"},
    )
    page = client.get(response["Location"]).content.decode()
    assert "移出黑名单须同时评定新的信用风险等级。" in page
    assert reverse("registry:entity_grade", args=[netbar.pk]) in page and "投诉较多" in page


def test_search_by_name_fragment_code_and_filters(client, people, entity_factory, netbar, tags):
    other = entity_factory(22, name="宽城满族自治县星光影城有限公司", region="130827100")
    services.entity_tags_set(actor=people["kc_market_admin"], entity=other, tags=[tags["cinema"]])
    client.force_login(people["kc_market_admin"])

    def names(**params):
        response = client.get(reverse("registry:entity_list"), params)
        rows = response.context["rows"]
        return sorted(e.name for e, _info in rows)

    assert names(q="鑫源网") == ["宽城县龙须门镇鑫源网吧"]  # trigram index
    assert names(q="网吧") == ["宽城县龙须门镇鑫源网吧"]  # two characters: bounded scan
    assert names(q="星光影城") == ["宽城满族自治县星光影城有限公司"]
    assert names(q=other.uscc) == ["宽城满族自治县星光影城有限公司"]
    assert names(q=other.uscc[:10]) == ["宽城满族自治县星光影城有限公司"]
    assert names(q="130827600012347") == ["宽城县龙须门镇鑫源网吧"]
    assert names(region="130827100") == ["宽城满族自治县星光影城有限公司"]
    assert names(tag=tags["cinema"].pk) == ["宽城满族自治县星光影城有限公司"]
    assert names(level=netbar.grades.get().level_id) == ["宽城县龙须门镇鑫源网吧"]
    assert names(entity_type="individual") == ["宽城县龙须门镇鑫源网吧"]
    # a renamed entity is found under its new name only (the index follows every write)
    services.entity_update(actor=people["kc_market_admin"], entity=other, name="宽城县银幕影院")
    assert names(q="星光影城") == []
    assert names(q="银幕影") == ["宽城县银幕影院"]


def test_export_command_masks_by_default_for_supervisors(people, netbar, tmp_path):
    target = tmp_path / "out.xlsx"
    call_command("export_entities", "-o", str(target), "--user", "kc_supervisor", "--grade", "B")
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][7] == "138****2345"
    call_command("export_entities", "-o", str(target), "--user", "kc_admin", "--public")
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert "联系电话" not in rows[0] and len(rows) == 2
