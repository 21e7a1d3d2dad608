"""The pages: scope (404 outside it, 403 for actions not allowed), entry through forms, upload
errors in Chinese, and every POST route refusing a published result."""

import datetime as dt
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from inspections import services, uploads
from inspections.models import Evidence, FollowUp, ItemResult, SheetResult, SheetState

from .conftest import PDF, PNG, D, fill_sheet
from .test_evidence_corrections_followups import published, stored_files


def url(name, *args):
    return reverse(f"inspections:{name}", args=args)


def item_post(category_pks, **extra):
    data = {
        "categories": category_pks,
        "methods": ["on_site"],
        "inspected_on": "2026-11-20",
        "problems": "",
    }
    data.update(extra)
    return data


def prefixed(prefix, data):
    return {f"{prefix}-{k}": v for k, v in data.items()}


def test_group_members_see_the_sheet_and_enter_their_items(client, joint):
    from .conftest import category

    j = joint
    a, part = j["sheet"], j["parts"]["market"]
    item = part.items.order_by("position").first()
    client.force_login(j["leader"])
    page = client.get(url("sheet_detail", a.pk)).content.decode()
    assert a.entity.name in page and "录入本事项结果" in page
    # The leader sees an entry form for the market items only.
    assert f'action="{url("sheet_item", a.pk, part.pk, item.pk)}"' in page
    culture = j["parts"]["culture"]
    culture_item = culture.items.get()
    assert f'action="{url("sheet_item", a.pk, culture.pk, culture_item.pk)}"' not in page
    response = client.post(
        url("sheet_item", a.pk, part.pk, item.pk),
        prefixed(f"i{part.pk}-{item.pk}", item_post([category("1").pk])),
    )
    assert response.status_code == 302
    result = ItemResult.objects.get()
    assert [c.code for c in result.categories.all()] == ["1"]
    # Invalid input re-renders the form with the service's Chinese message.
    response = client.post(
        url("sheet_item", a.pk, part.pk, item.pk),
        prefixed(f"i{part.pk}-{item.pk}", item_post([category("B").pk])),
    )
    assert response.status_code == 400
    assert "发现问题的，请写明发现问题情况" in response.content.decode()


def test_outsiders_get_404_and_other_departments_403(client, joint, people):
    from .conftest import category

    j = joint
    a, parts = j["sheet"], j["parts"]
    market_item = parts["market"].items.first()
    culture_item = parts["culture"].items.get()
    before = AuditEntry.objects.count()
    client.force_login(j["other_market"])
    assert client.get(url("sheet_detail", a.pk)).status_code == 404
    data = prefixed(f"i{parts['market'].pk}-{market_item.pk}", item_post([category("1").pk]))
    assert (
        client.post(url("sheet_item", a.pk, parts["market"].pk, market_item.pk), data).status_code
        == 404
    )
    assert (
        client.post(url("sheet_notice", a.pk), {"method": "none", "not_reason": "x"}).status_code
        == 404
    )
    client.force_login(people["xl_market_admin"])
    assert client.get(url("sheet_detail", a.pk)).status_code == 404
    # A group member of another department: may see the sheet, not enter the other's items.
    client.force_login(j["leader"])
    data = prefixed(f"i{parts['culture'].pk}-{culture_item.pk}", item_post([category("1").pk]))
    response = client.post(url("sheet_item", a.pk, parts["culture"].pk, culture_item.pk), data)
    assert response.status_code == 403
    # The reviewer sees the sheet (read-only) but cannot record anything on it.
    client.force_login(j["market_rev"])
    assert client.get(url("sheet_detail", a.pk)).status_code == 200
    assert (
        client.post(url("sheet_notice", a.pk), {"method": "none", "not_reason": "x"}).status_code
        == 403
    )
    assert not ItemResult.objects.exists() and not SheetResult.objects.exists()
    assert AuditEntry.objects.count() == before


def test_upload_errors_are_shown_in_chinese_and_nothing_is_stored(client, joint, monkeypatch):
    j = joint
    a = j["sheet"]
    client.force_login(j["leader"])
    response = client.post(
        url("sheet_evidence", a.pk),
        {"file": SimpleUploadedFile("照片.jpg", b"MZ\x90\x00not an image", "image/jpeg")},
    )
    assert response.status_code == 400
    assert uploads.TYPE_ERROR in response.content.decode()
    monkeypatch.setattr(uploads, "MAX_EVIDENCE_BYTES", 50)
    response = client.post(
        url("sheet_evidence", a.pk),
        {"file": SimpleUploadedFile("照片.png", PNG + b"\x00" * 100, "image/png")},
    )
    assert response.status_code == 400
    assert "文件过大：单个文件不能超过 20 MB。" in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files() == []


def test_photos_show_inline_to_those_who_see_the_sheet(client, joint, people):
    j = joint
    a = j["sheet"]
    client.force_login(j["leader"])
    response = client.post(
        url("sheet_evidence", a.pk),
        {"file": SimpleUploadedFile("门头照片.png", PNG, "image/png"), "note": "门头"},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    page = client.get(url("sheet_detail", a.pk)).content.decode()
    assert f'<img src="{url("evidence_file", evidence.pk)}"' in page
    response = client.get(url("evidence_file", evidence.pk))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    client.force_login(j["other_market"])
    assert client.get(url("evidence_file", evidence.pk)).status_code == 404
    client.force_login(people["xl_market_admin"])
    assert client.get(url("evidence_file", evidence.pk)).status_code == 404


def test_review_queue_and_review_through_the_page(client, joint):
    j = joint
    fill_sheet(j)
    services.sheet_submit(actor=j["leader"], assignment=j["sheet"])
    client.force_login(j["leader"])
    assert client.get(url("review_queue")).status_code == 403
    client.force_login(j["culture_rev"])
    assert j["sheet"].entity.name not in client.get(url("review_queue")).content.decode()
    assert (
        client.post(url("sheet_review", j["sheet"].pk), {"decision": "approve"}).status_code == 403
    )
    client.force_login(j["market_rev"])
    assert j["sheet"].entity.name in client.get(url("review_queue")).content.decode()
    response = client.post(url("sheet_review", j["sheet"].pk), {"decision": "return", "note": ""})
    assert response.status_code == 400 and "退回须写明原因" in response.content.decode()
    client.post(url("sheet_review", j["sheet"].pk), {"decision": "approve"})
    client.post(url("sheet_publish", j["sheet"].pk))
    assert SheetResult.objects.get().state == SheetState.PUBLISHED


def test_no_post_route_changes_a_published_result(client, joint):
    j = joint
    sheet = published(j)
    a, parts = j["sheet"], j["parts"]
    item = parts["market"].items.order_by("position").first()
    result = sheet.items.get(part=parts["market"], item=item)
    before = AuditEntry.objects.count()
    state_before = services._sheet_before(sheet)
    item_before = services.item_snapshot(result)
    from .conftest import category

    routes = [
        (
            j["leader"],
            url("sheet_item", a.pk, parts["market"].pk, item.pk),
            prefixed(f"i{parts['market'].pk}-{item.pk}", item_post([category("1").pk])),
        ),
        (j["leader"], url("sheet_notice", a.pk), {"method": "none", "not_reason": "改"}),
        (
            j["leader"],
            url("sheet_outcome", a.pk),
            {"outcome": "unreachable", "on": "2026-11-20", "note": "改"},
        ),
        (
            j["leader"],
            url("sheet_signature", a.pk),
            {"status": "signed", "signer_name": "改", "signed_at": "2026-11-20T10:00"},
        ),
        (
            j["leader"],
            url("sheet_evidence", a.pk),
            {"file": SimpleUploadedFile("a.png", PNG, "image/png")},
        ),
        (j["leader"], url("sheet_submit", a.pk), {}),
        (j["market_rev"], url("sheet_review", a.pk), {"decision": "return", "note": "改"}),
        (j["market_rev"], url("sheet_publish", a.pk), {}),
    ]
    for actor, route, data in routes:
        client.force_login(actor)
        response = client.post(route, data, follow=True)
        assert services.PUBLISHED_ERROR in response.content.decode(), route
    sheet.refresh_from_db()
    result.refresh_from_db()
    assert services._sheet_before(sheet) == state_before
    assert services.item_snapshot(result) == item_before
    assert not Evidence.objects.exists()
    assert stored_files() == []
    assert AuditEntry.objects.count() == before


def test_published_page_shows_corrections_side_by_side(client, joint, make_user):
    from .conftest import category

    j = joint
    sheet = published(j, problem=True)
    result = sheet.items.get(part=j["parts"]["market"], item__position=1)
    client.force_login(j["leader"])
    response = client.post(
        url("correction_create", result.pk),
        {
            f"c{result.pk}-categories": [category("1").pk],
            f"c{result.pk}-reason": "企业检查前已公示，系统延迟",
        },
    )
    assert response.status_code == 302
    client.force_login(j["market_rev"])
    correction = result.corrections.get()
    client.post(url("correction_review", correction.pk), {"decision": "approve"})
    page = client.get(url("sheet_detail", j["sheet"].pk)).content.decode()
    assert "原公示结果" in page and "更正后结果" in page
    assert "企业检查前已公示，系统延迟" in page
    assert "未按规定公示应当公示的信息" in page


def test_followups_are_visible_to_supervisors_not_to_other_counties(client, joint, people):
    j = joint
    sheet = published(j, problem=True)
    result = sheet.items.get(part=j["parts"]["market"], item__position=1)
    followup = services.followup_open(
        actor=j["market_rev"],
        item_result=result,
        kind="rectify",
        description="限期补报",
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    client.force_login(people["kc_supervisor"])
    assert j["sheet"].entity.name in client.get(url("followup_list")).content.decode()
    assert client.get(url("followup_detail", followup.pk)).status_code == 200
    # Supervisors see, they do not act.
    assert client.post(url("followup_close", followup.pk), {"note": "x"}).status_code == 403
    with mock.patch(
        "django.utils.timezone.localdate", return_value=timezone.localdate() + dt.timedelta(days=4)
    ):
        page = client.get(url("followup_list") + "?status=overdue").content.decode()
    assert j["sheet"].entity.name in page and "已逾期" in page
    client.force_login(people["xl_market_admin"])
    assert j["sheet"].entity.name not in client.get(url("followup_list")).content.decode()
    assert client.get(url("followup_detail", followup.pk)).status_code == 404
    # The reviewer closes it with a document.
    client.force_login(j["market_rev"])
    response = client.post(url("followup_close", followup.pk), {"note": "已整改"})
    assert response.status_code == 400
    assert "办结须上传处置结果材料" in response.content.decode()
    client.post(
        url("followup_evidence", followup.pk),
        {"file": SimpleUploadedFile("整改报告.pdf", PDF, "application/pdf")},
    )
    client.post(url("followup_close", followup.pk), {"note": "已整改"})
    assert FollowUp.objects.get().status == "closed"


def test_my_sheets_shows_due_dates_and_warnings(clock, client, joint):
    j = joint
    with clock.move_to(D(2026, 12, 31)):
        client.force_login(j["leader"])  # (a session of 26 November has expired by then)
        page = client.get(url("my_sheets")).content.decode()
    assert j["sheet"].entity.name in page
    assert "今日到期" in page
    with clock.move_to(D(2027, 1, 3)):
        client.force_login(j["leader"])
        page = client.get(url("my_sheets")).content.decode()
    assert "已逾期 3 天" in page
    client.force_login(j["culture"])
    assert j["sheet"].entity.name in client.get(url("my_sheets")).content.decode()
    client.force_login(j["other_market"])
    assert j["sheet"].entity.name not in client.get(url("my_sheets")).content.decode()


def test_region_admin_chooses_the_code_set_on_its_page(client, people, regions):
    from inspections.models import RegionResultSetting, ResultCategorySet

    legacy = ResultCategorySet.objects.get(code="legacy2014")
    client.force_login(people["kc_market_admin"])
    page = client.get(url("category_sets")).content.decode()
    assert "市场监管总局现行检查结果代码" in page and 'name="category_set"' not in page
    assert client.post(url("category_sets"), {"category_set": legacy.pk}).status_code == 403
    assert not RegionResultSetting.objects.exists()
    client.force_login(people["kc_admin"])
    client.post(url("category_sets"), {"category_set": legacy.pk})
    assert RegionResultSetting.objects.get().category_set == legacy
    page = client.get(url("category_sets")).content.decode()
    assert '<strong id="current-set">公示信息抽查结果代码（2014—2016 年）</strong>' in page
