"""Login, lockout, throttling, password policy and the forced first password change."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginAttempt, Role, User
from accounts.services import generate_password, user_create
from audit.models import AuditEntry
from conftest import PASSWORD


def post_login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_login_page_is_chinese_and_has_csrf(client, db):
    response = client.get(reverse("accounts:login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in body
    assert "账号" in body and "密码" in body and "登录" in body
    assert "csrfmiddlewaretoken" in body


def test_successful_login_is_logged(client, people):
    response = post_login(client, "kc_market_org", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor_username, entry.ip_address) == (
        "auth.login",
        "kc_market_org",
        "10.0.0.1",
    )
    assert LoginAttempt.objects.filter(username="kc_market_org", succeeded=True).count() == 1


def test_wrong_password_does_not_say_whether_the_account_exists(client, people):
    known = post_login(client, "kc_market_org", "wrong-Password-1").content.decode()
    unknown = post_login(client, "nobody_here", "wrong-Password-1").content.decode()
    assert "账号或密码错误。" in known and "账号或密码错误。" in unknown
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == 2


def test_five_failures_lock_the_account_even_for_the_right_password(client, people):
    for _ in range(4):
        assert (
            "账号或密码错误"
            in post_login(client, "kc_market_org", "bad-Passw0rd!").content.decode()
        )
    assert "账号已锁定" in post_login(client, "kc_market_org", "bad-Passw0rd!").content.decode()
    user = User.objects.get(username="kc_market_org")
    assert user.locked_until > timezone.now()
    response = post_login(client, "kc_market_org", PASSWORD)
    assert response.status_code == 200
    assert "已被锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.locked", object_id=str(user.pk)).count() == 1


def test_admin_unlock_restores_login(client, people):
    for _ in range(5):
        post_login(client, "kc_market_org", "bad-Passw0rd!")
    client.force_login(people["kc_market_admin"])
    response = client.post(reverse("accounts:user_unlock", args=[people["kc_market_org"].pk]))
    assert response.status_code == 302
    assert User.objects.get(username="kc_market_org").locked_until is None
    client.logout()
    LoginAttempt.objects.all().delete()
    assert post_login(client, "kc_market_org", PASSWORD).status_code == 302


@override_settings(IP_THROTTLE_THRESHOLD=3)
def test_one_address_trying_many_accounts_is_throttled(client, people):
    for name in ["a1", "a2", "a3"]:
        post_login(client, name, "x-Passw0rd!", ip="10.9.9.9")
    response = post_login(client, "kc_market_org", PASSWORD, ip="10.9.9.9")
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert post_login(client, "kc_market_org", PASSWORD, ip="10.1.1.1").status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!short", "太短"),
        ("alllowercaseletters", "至少三类"),
        ("12345678901234", "只包含数字"),
        ("kc_market_newuser1A", "相似"),
    ],
)
def test_password_policy(depts, password, message):
    with pytest.raises(ValidationError) as info:
        user_create(
            actor=None,
            username="kc_market_newuser",
            full_name="新用户",
            department=depts["kc_market"],
            roles=[Role.INSPECTOR],
            password=password,
        )
    assert any(message in m for m in info.value.messages), info.value.messages
    assert not User.objects.filter(username="kc_market_newuser").exists()


def test_generated_passwords_pass_the_policy(depts):
    for i in range(20):
        user_create(
            actor=None,
            username=f"gen{i}",
            full_name="生成",
            department=depts["kc_market"],
            roles=[],
            password=generate_password(),
        )
    assert User.objects.filter(username__startswith="gen").count() == 20


def test_first_login_forces_a_password_change(client, make_user):
    make_user("fresh", "kc_market", Role.INSPECTOR, must_change_password=True)
    assert post_login(client, "fresh", PASSWORD).status_code == 302
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password": "Another-Passw0rd#",
            "new_password2": "Another-Passw0rd#",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    assert User.objects.get(username="fresh").check_password("Another-Passw0rd#")


def test_created_account_gets_a_one_time_password(client, people):
    client.force_login(people["kc_market_admin"])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "kc_new_insp",
            "full_name": "新检查员",
            "department": people["kc_market_admin"].department_id,
            "roles": [Role.INSPECTOR],
        },
    )
    assert response.status_code == 200
    password = response.context["password"]
    user = User.objects.get(username="kc_new_insp")
    assert user.check_password(password) and user.must_change_password
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor, entry.after["roles"]) == (
        "user.create",
        people["kc_market_admin"],
        ["inspector"],
    )


def test_create_cannot_target_a_department_outside_reach(client, people, depts):
    client.force_login(people["kc_market_admin"])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "sneaky",
            "full_name": "越权",
            "department": depts["kc_culture"].pk,
            "roles": [Role.REGION_ADMIN],
        },
    )
    assert response.status_code == 200
    assert "department" in response.context["form"].errors
    assert not User.objects.filter(username="sneaky").exists()


def test_logout_requires_post(client, people):
    client.force_login(people["kc_market_org"])
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert AuditEntry.objects.order_by("-seq").first().action == "auth.logout"
