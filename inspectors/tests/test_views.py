"""Pages through every door (list, detail, edit, export) for grants and denials, and masking."""

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEntry
from inspectors import services
from inspectors.models import ConflictOfInterest, Inspector, InspectorStatus

from .conftest import id_number

PHONE = "13903141234"


@pytest.fixture
def roster(people, depts, tags):
    def make(dept, actor, number, name, **extra):
        return services.inspector_create(
            actor=people[actor],
            department=depts[dept],
            name=name,
            certificate_no=number,
            status_from=dt.date(2026, 1, 1),
            **extra,
        )

    roster = {
        "wang": make(
            "kc_market",
            "kc_market_org",
            "13082720190012",
            "王海燕",
            phone=PHONE,
            id_number=id_number(),
            specialties=[tags["food"]],
            valid_to=timezone.localdate() + dt.timedelta(days=10),
        ),
        "li": make("kc_market", "kc_market_org", "13082720190013", "李春生"),
        "town": make("kc_town_market", "town_market_admin", "13082710000001", "镇所人员"),
        "culture": make("kc_culture", "kc_culture_admin", "13082720180001", "文广人员"),
        "city": make("cd_market", "cd_market_admin", "13080020150001", "市局人员"),
        "xl": make("xl_market", "xl_market_admin", "13082220170001", "兴隆人员"),
    }
    services.expert_create(
        actor=people["kc_market_org"],
        department=depts["kc_market"],
        name="李建民",
        organisation="承德市特种设备检验所",
        phone="13803141234",
    )
    services.expert_create(
        actor=people["xl_market_admin"],
        department=depts["xl_market"],
        name="兴隆专家",
        organisation="兴隆县医院",
    )
    return roster


VISIBLE = {
    "kc_market_org": {"王海燕", "李春生", "镇所人员"},
    "kc_market_insp": {"王海燕", "李春生", "镇所人员"},
    "kc_culture_admin": {"文广人员"},
    "cd_market_admin": {"王海燕", "李春生", "镇所人员", "市局人员", "兴隆人员"},
    "kc_admin": {"王海燕", "李春生", "镇所人员", "文广人员"},
    "kc_supervisor": {"王海燕", "李春生", "镇所人员", "文广人员"},
    "xl_market_admin": {"兴隆人员"},
    "town_market_admin": {"镇所人员"},
}


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
def test_list_and_export_show_exactly_the_scope(client, people, roster, viewer):
    client.force_login(people[viewer])
    response = client.get(reverse("inspectors:inspector_list"))
    assert response.status_code == 200
    assert {i.name for i in response.context["page"].object_list} == VISIBLE[viewer]
    export = client.get(reverse("inspectors:inspector_export"))
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))[1:]
    assert {r[0] for r in rows} == VISIBLE[viewer]


def test_list_filters(client, people, roster, tags):
    client.force_login(people["kc_market_org"])
    url = reverse("inspectors:inspector_list")

    def names(**params):
        return {i.name for i in client.get(url, params).context["page"].object_list}

    assert names(q="1301 3") == set()
    assert names(q="190013") == {"李春生"}
    assert names(q="王") == {"王海燕"}
    assert names(specialty=tags["food"].pk) == {"王海燕"}
    assert names(expiring="on") == {"王海燕"}
    assert names(department=roster["town"].department_id) == {"镇所人员"}
    services.inspector_status_change(
        actor=people["kc_market_org"],
        inspector=roster["li"],
        status=InspectorStatus.LEAVE,
        effective_from=timezone.localdate(),
        reason="病假",
    )
    assert names(status="leave") == {"李春生"}
    assert names(status="on_duty") == {"王海燕", "镇所人员"}


@pytest.mark.parametrize(
    ("viewer", "phone", "id_shown"),
    [
        ("kc_market_org", PHONE, id_number()),
        ("kc_market_admin", PHONE, id_number()),
        ("kc_market_insp", "139****1234", id_number()[:4] + "*" * 10 + id_number()[-4:]),
        ("cd_market_admin", "139****1234", id_number()[:4] + "*" * 10 + id_number()[-4:]),
        ("kc_admin", "139****1234", id_number()[:4] + "*" * 10 + id_number()[-4:]),
    ],
)
def test_detail_masks_personal_data_unless_entitled(
    client, people, roster, viewer, phone, id_shown
):
    client.force_login(people[viewer])
    response = client.get(reverse("inspectors:inspector_detail", args=[roster["wang"].pk]))
    assert response.status_code == 200
    assert response.context["personal"] == {"phone": phone, "id_number": id_shown}
    html = response.content.decode()
    assert phone in html
    if phone != PHONE:
        assert PHONE not in html and id_number() not in html


def test_linked_inspector_sees_own_personal_data(client, people, roster):
    services.inspector_link_account(
        actor=people["kc_market_org"], inspector=roster["wang"], user=people["kc_market_insp"]
    )
    client.force_login(people["kc_market_insp"])
    response = client.get(reverse("inspectors:inspector_detail", args=[roster["wang"].pk]))
    assert response.context["personal"]["phone"] == PHONE
    response = client.get(reverse("inspectors:inspector_detail", args=[roster["li"].pk]))
    assert response.context["can_manage"] is False


@pytest.mark.parametrize(
    ("viewer", "detail", "edit"),
    [
        ("xl_market_admin", 404, 404),  # another county sees nothing
        ("kc_culture_admin", 404, 404),  # another department of the county
        ("cd_market_admin", 200, 403),  # the city department of the same kind: read-only
        ("kc_admin", 200, 403),  # county administrator: read-only
        ("kc_market_insp", 200, 403),  # an inspector of the department cannot edit
        ("town_market_admin", 404, 404),  # lower level never sees upper level
    ],
)
def test_denials_change_nothing(client, people, roster, viewer, detail, edit):
    wang = roster["wang"]
    client.force_login(people[viewer])
    count = AuditEntry.objects.count()
    assert client.get(reverse("inspectors:inspector_detail", args=[wang.pk])).status_code == detail
    assert client.get(reverse("inspectors:inspector_edit", args=[wang.pk])).status_code == edit
    posts = [
        (
            "inspectors:inspector_edit",
            {
                "department": wang.department_id,
                "name": "改名",
                "certificate_no": "13082720190012",
                "certificate_type": "enforcement",
            },
        ),
        (
            "inspectors:inspector_status",
            {"status": "leave", "effective_from": "2026-12-01", "reason": "x"},
        ),
        (
            "inspectors:inspector_certificate",
            {
                "certificate_no": "13082720269999",
                "certificate_type": "enforcement",
                "valid_from": "2026-12-01",
            },
        ),
        ("inspectors:inspector_account", {"user": ""}),
    ]
    for name, data in posts:
        assert client.post(reverse(name, args=[wang.pk]), data).status_code == edit
    conflicts = client.post(
        reverse("inspectors:inspector_conflicts", args=[wang.pk]),
        {"entity_key": "91130827MA0A1B2C39", "relation": "kinship", "valid_from": "2026-01-01"},
    )
    assert conflicts.status_code == edit
    wang_after = Inspector.objects.get(pk=wang.pk)
    assert (wang_after.name, wang_after.certificate_no) == ("王海燕", "13082720190012")
    assert wang_after.status_periods.count() == 1
    assert ConflictOfInterest.objects.count() == 0
    assert AuditEntry.objects.count() == count


def test_create_denied_without_manage(client, people, roster, depts):
    client.force_login(people["kc_admin"])
    count = Inspector.objects.count()
    response = client.post(
        reverse("inspectors:inspector_create"),
        {"department": depts["kc_market"].pk, "name": "新人", "certificate_no": "13082720199999"},
    )
    assert response.status_code == 403
    assert Inspector.objects.count() == count


def test_manager_creates_edits_and_changes_status_through_pages(client, people, depts, tags):
    client.force_login(people["kc_market_org"])
    response = client.post(
        reverse("inspectors:inspector_create"),
        {
            "department": depts["kc_market"].pk,
            "name": "孙丽",
            "gender": "female",
            "certificate_no": "13082720200007",
            "certificate_type": "enforcement",
            "valid_to": "2029-12-31",
            "specialties": [tags["food"].pk],
            "phone": "13912340000",
            "status": "on_duty",
        },
    )
    inspector = Inspector.objects.get(certificate_no="13082720200007")
    assert response.status_code == 302
    assert response["Location"] == reverse("inspectors:inspector_detail", args=[inspector.pk])
    # Another department cannot be chosen by an organizer (OWN_DEPARTMENT).
    response = client.post(
        reverse("inspectors:inspector_create"),
        {
            "department": depts["kc_culture"].pk,
            "name": "x",
            "certificate_no": "13082720200008",
            "certificate_type": "enforcement",
            "status": "on_duty",
        },
    )
    assert response.status_code == 200
    assert "department" in response.context["form"].errors
    response = client.post(
        reverse("inspectors:inspector_status", args=[inspector.pk]),
        {"status": "leave", "effective_from": timezone.localdate().isoformat(), "reason": "产假"},
    )
    assert response.status_code == 302
    page = client.get(reverse("inspectors:inspector_detail", args=[inspector.pk])).content.decode()
    assert "产假" in page and "变更状态" in page
    # Invalid input is explained on the form, nothing written.
    response = client.post(
        reverse("inspectors:inspector_status", args=[inspector.pk]),
        {"status": "leave", "effective_from": "2020-01-01", "reason": "x"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["effective_from"] == [
        f"生效日期不能早于该人员的首次登记日期 {timezone.localdate()}"
    ]


def test_conflict_pages_declare_and_withdraw(client, people, roster):
    client.force_login(people["kc_market_org"])
    url = reverse("inspectors:inspector_conflicts", args=[roster["wang"].pk])
    response = client.post(
        url,
        {
            "entity_key": "9113 0827 MA0A 1B2C 39",
            "entity_name": "某网吧",
            "relation": "kinship",
            "valid_from": "2026-01-01",
        },
    )
    assert response.status_code == 302
    conflict = ConflictOfInterest.objects.get()
    assert conflict.entity_key == "91130827MA0A1B2C39"
    response = client.post(
        url, {"entity_key": "123", "relation": "kinship", "valid_from": "2026-01-01"}
    )
    assert "不是有效的统一社会信用代码" in response.context["form"].errors["entity_key"][0]
    client.force_login(people["cd_market_admin"])
    withdraw = reverse("inspectors:conflict_withdraw", args=[conflict.pk])
    assert client.post(withdraw, {"reason": "x"}).status_code == 403
    client.force_login(people["xl_market_admin"])
    assert client.post(withdraw, {"reason": "x"}).status_code == 404
    client.force_login(people["kc_market_org"])
    assert client.post(withdraw, {"reason": "关系已解除"}).status_code == 302
    conflict.refresh_from_db()
    assert conflict.withdraw_reason == "关系已解除"


def test_experts_scope_and_masking(client, people, roster):
    client.force_login(people["cd_market_admin"])
    response = client.get(reverse("inspectors:expert_list"))
    assert {e.name for e in response.context["page"].object_list} == {"李建民", "兴隆专家"}
    expert = response.context["page"].object_list[0]
    li = next(e for e in response.context["page"].object_list if e.name == "李建民")
    detail = client.get(reverse("inspectors:expert_detail", args=[li.pk]))
    assert detail.context["personal"]["phone"] == "138****1234"
    assert client.get(reverse("inspectors:expert_edit", args=[li.pk])).status_code == 403
    client.force_login(people["kc_culture_admin"])
    assert client.get(reverse("inspectors:expert_detail", args=[expert.pk])).status_code == 404
    client.force_login(people["kc_market_org"])
    detail = client.get(reverse("inspectors:expert_detail", args=[li.pk]))
    assert detail.context["personal"]["phone"] == "13803141234"
    export = client.get(reverse("inspectors:expert_export"))
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("李建民", "承德市特种设备检验所", "宽城县市场监督管理局")
    assert rows[1][7] == "13803141234"
