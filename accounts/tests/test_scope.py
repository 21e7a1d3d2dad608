"""Scope rules, through every door: list, detail, edit, export and API. Denials assert that
nothing changed and nothing was logged as a change."""

import json
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role, User
from accounts.scope import Scope
from audit.models import AuditEntry

KC_ALL = {
    "kc_admin",
    "kc_joint",
    "kc_supervisor",
    "kc_market_admin",
    "kc_market_org",
    "kc_market_insp",
    "kc_culture_admin",
    "kc_culture_insp",
    "town_market_admin",
}
VISIBLE_USERS = {
    "kc_market_admin": {"kc_market_admin", "kc_market_org", "kc_market_insp", "town_market_admin"},
    "cd_market_admin": {
        "cd_market_admin",
        "kc_market_admin",
        "kc_market_org",
        "kc_market_insp",
        "town_market_admin",
        "xl_market_admin",
    },
    "cd_culture_admin": {"cd_culture_admin", "kc_culture_admin", "kc_culture_insp"},
    "kc_admin": KC_ALL,
    "kc_supervisor": KC_ALL,
    "xl_market_admin": {"xl_market_admin"},
    "town_market_admin": {"town_market_admin"},
}


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("viewer", sorted(VISIBLE_USERS))
def test_user_list_shows_exactly_the_scope(client, people, viewer):
    response = client_for(client, people[viewer]).get(reverse("accounts:user_list"))
    assert response.status_code == 200
    shown = {u.username for u in response.context["page"].object_list}
    assert shown == VISIBLE_USERS[viewer]


@pytest.mark.parametrize("viewer", sorted(VISIBLE_USERS))
def test_user_api_and_export_match_the_list(client, people, viewer):
    c = client_for(client, people[viewer])
    api = c.get(reverse("accounts:api_user_list")).json()
    assert {row["username"] for row in api["results"]} == VISIBLE_USERS[viewer]
    assert api["count"] == len(VISIBLE_USERS[viewer])
    export = c.get(reverse("accounts:user_export"))
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "账号"
    assert {row[0] for row in rows[1:]} == VISIBLE_USERS[viewer]


@pytest.mark.parametrize("viewer", ["kc_market_insp", "kc_joint", "kc_market_org"])
def test_roles_without_user_view_are_refused_everywhere(client, people, viewer):
    c = client_for(client, people[viewer])
    target = people["kc_market_org"].pk
    for url in [
        reverse("accounts:user_list"),
        reverse("accounts:user_export"),
        reverse("accounts:api_user_list"),
        reverse("accounts:user_detail", args=[target]),
        reverse("accounts:api_user_detail", args=[target]),
        reverse("accounts:user_edit", args=[target]),
    ]:
        assert c.get(url).status_code == 403, url


@pytest.mark.parametrize(
    ("viewer", "target"),
    [
        ("kc_market_admin", "cd_market_admin"),  # lower level never sees upper
        ("kc_market_admin", "xl_market_admin"),  # sibling county
        ("kc_market_admin", "kc_culture_admin"),  # other department, same county
        ("xl_market_admin", "kc_market_org"),
        ("kc_admin", "cd_market_admin"),
        ("kc_supervisor", "cd_culture_admin"),
        ("cd_culture_admin", "kc_market_org"),  # upper level, other kind
    ],
)
def test_invisible_accounts_are_404_on_every_door(client, people, viewer, target):
    c = client_for(client, people[viewer])
    pk = people[target].pk
    before = User.objects.values().get(pk=pk)
    for url in [
        reverse("accounts:user_detail", args=[pk]),
        reverse("accounts:api_user_detail", args=[pk]),
        reverse("accounts:user_edit", args=[pk]),
    ]:
        assert c.get(url).status_code == 404, url
    entries = AuditEntry.objects.count()
    response = c.post(
        reverse("accounts:user_edit", args=[pk]),
        {"full_name": "改名", "roles": [Role.REGION_ADMIN], "is_active": "on"},
    )
    assert response.status_code == 404
    assert c.post(reverse("accounts:user_reset_password", args=[pk])).status_code == 404
    assert c.post(reverse("accounts:user_unlock", args=[pk])).status_code == 404
    assert User.objects.values().get(pk=pk) == before
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("viewer", "target"),
    [
        ("cd_market_admin", "kc_market_org"),  # upper level sees lower read-only
        ("kc_market_admin", "town_market_admin"),  # township office: visible, not editable
        ("kc_supervisor", "kc_market_org"),  # supervisor is read-only
        ("kc_admin", "town_market_admin"),  # region admin writes at its own level only
    ],
)
def test_read_only_reach_cannot_change_anything(client, people, viewer, target):
    c = client_for(client, people[viewer])
    pk = people[target].pk
    assert c.get(reverse("accounts:user_detail", args=[pk])).status_code == 200
    before = User.objects.values().get(pk=pk)
    roles_before = set(people[target].role_grants.values_list("role", flat=True))
    entries = AuditEntry.objects.count()
    assert c.get(reverse("accounts:user_edit", args=[pk])).status_code == 403
    response = c.post(
        reverse("accounts:user_edit", args=[pk]),
        {"full_name": "改名", "roles": [Role.REGION_ADMIN], "is_active": "on"},
    )
    assert response.status_code == 403
    assert c.post(reverse("accounts:user_reset_password", args=[pk])).status_code == 403
    assert User.objects.values().get(pk=pk) == before
    assert set(User.objects.get(pk=pk).role_grants.values_list("role", flat=True)) == roles_before
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("editor", "target"),
    [
        ("kc_market_admin", "kc_market_org"),
        ("kc_admin", "kc_market_org"),
        ("kc_admin", "kc_culture_insp"),
    ],
)
def test_editors_can_change_accounts_in_their_reach(client, people, editor, target):
    c = client_for(client, people[editor])
    pk = people[target].pk
    response = c.post(
        reverse("accounts:user_edit", args=[pk]),
        {
            "full_name": "新名字",
            "phone": "",
            "email": "",
            "roles": [Role.REVIEWER],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(pk=pk)
    assert user.full_name == "新名字"
    assert set(user.role_grants.values_list("role", flat=True)) == {Role.REVIEWER}
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "user.update"
    assert entry.actor == people[editor]
    assert entry.object_id == str(pk)
    assert entry.after["full_name"] == "新名字"
    assert entry.after["roles"] == ["reviewer"]
    assert entry.before["full_name"] == target


def test_phone_is_masked_for_read_only_viewers(client, people):
    pk = people["kc_market_insp"].pk
    url = reverse("accounts:api_user_detail", args=[pk])
    assert client_for(client, people["kc_supervisor"]).get(url).json()["phone"] == "138****1111"
    client.logout()
    assert client_for(client, people["kc_market_admin"]).get(url).json()["phone"] == "13800001111"


VISIBLE_DEPARTMENTS = {
    "kc_market_insp": {"宽城县市场监督管理局", "宽城镇市场监管所"},
    "cd_culture_admin": {"承德市文化广电和旅游局", "宽城县旅游和文化广电局"},
    "kc_joint": {
        "宽城县双随机办",
        "宽城县市场监督管理局",
        "宽城县旅游和文化广电局",
        "宽城县司法局",
        "宽城镇市场监管所",
    },
    "xl_market_admin": {"兴隆县市场监督管理局"},
}


@pytest.mark.parametrize("viewer", sorted(VISIBLE_DEPARTMENTS))
def test_department_directory_follows_scope(client, people, viewer):
    response = client_for(client, people[viewer]).get(reverse("accounts:department_list"))
    assert {d.name for d in response.context["departments"]} == VISIBLE_DEPARTMENTS[viewer]


def test_user_cannot_change_own_roles(client, people):
    admin = people["kc_market_admin"]
    c = client_for(client, admin)
    response = c.post(
        reverse("accounts:user_edit", args=[admin.pk]),
        {
            "full_name": admin.full_name,
            "roles": [Role.REGION_ADMIN, Role.DEPT_ADMIN],
            "is_active": "on",
        },
    )
    assert response.status_code == 403
    assert set(admin.role_grants.values_list("role", flat=True)) == {Role.DEPT_ADMIN}


def test_inactive_user_has_no_reach(people):
    user = people["kc_admin"]
    user.is_active = False
    assert Scope.of(user).roles == frozenset()
    assert not Scope.of(user).has("user.view")


def test_anonymous_requests_go_to_login(client, people):
    for url in [
        reverse("accounts:user_list"),
        reverse("accounts:api_user_list"),
        reverse("audit:entry_list"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    body = json.dumps(client.get(reverse("accounts:login")).content.decode())
    assert "kc_admin" not in body
