import pytest
from django.test import Client
from django.urls import reverse

WORKBENCH = {
    "kc_admin": ("region_admin", "系统管理工作台"),
    "kc_market_admin": ("dept_admin", "部门管理工作台"),
    "kc_market_org": ("organizer", "抽查组织工作台"),
    "kc_market_insp": ("inspector", "检查人员工作台"),
    "kc_joint": ("joint_office", "联合抽查办公室工作台"),
    "kc_supervisor": ("supervisor", "监督审计工作台"),
}


@pytest.mark.parametrize("username", sorted(WORKBENCH))
def test_each_role_lands_on_its_own_workbench(client, people, username):
    client.force_login(people[username])
    response = client.get(reverse("core:home"))
    role, title = WORKBENCH[username]
    assert response.context["workbench"].role == role
    assert f'<h1 data-role="{role}">{title}</h1>' in response.content.decode()


def test_admin_todos_count_accounts_never_logged_in(client, people):
    client.force_login(people["kc_market_admin"])
    todos = client.get(reverse("core:home")).context["workbench"].todos
    # kc_market_admin (force_login sets last_login), org, insp, town admin: 3 never logged in
    assert [(t.title, t.count) for t in todos][0] == ("尚未首次登录的账号", 3)


def test_inspector_menu_has_no_admin_entries(client, people):
    client.force_login(people["kc_market_insp"])
    body = client.get(reverse("core:home")).content.decode()
    assert "用户管理" not in body and "行为日志" not in body
    assert "部门" in body


def test_security_headers(client, people):
    client.force_login(people["kc_market_insp"])
    response = client.get(reverse("core:home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"


def test_csrf_is_enforced_on_login(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403


def test_error_pages_leak_nothing(client, people):
    client.force_login(people["kc_market_insp"])
    response = client.get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in body
    assert "Traceback" not in body and "urlpatterns" not in body and "/no/such" not in body


def test_server_error_page_is_generic(people, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(people["kc_market_insp"])
    from unittest import mock

    with mock.patch("core.views.workbench_for", side_effect=RuntimeError("secret detail")):
        response = client.get(reverse("core:home"))
    assert response.status_code == 500
    assert "系统错误" in response.content.decode()
    assert "secret detail" not in response.content.decode()


PROD_CHECK = (
    "import config.settings.prod as p; "
    "print(p.DEBUG, p.SESSION_COOKIE_SECURE, p.CSRF_COOKIE_SECURE, p.SECURE_HSTS_SECONDS, "
    "p.SECURE_SSL_REDIRECT, p.SESSION_COOKIE_NAME)"
)


def _run_prod(secret):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "SUIJI_SECRET_KEY"}
    if secret is not None:
        env["SUIJI_SECRET_KEY"] = secret
    return subprocess.run(
        [sys.executable, "-c", PROD_CHECK], env=env, capture_output=True, text=True, check=False
    )


def test_prod_settings_are_secure():
    result = _run_prod("x" * 50)
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "31536000",
        "True",
        "__Host-suiji-session",
    ]


def test_prod_settings_refuse_to_start_without_a_secret():
    result = _run_prod(None)
    assert result.returncode != 0
    assert "SUIJI_SECRET_KEY must be set" in result.stderr


def test_english_is_available(client, db):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Sign in" in body and "Username" in body
    chinese = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="zh-hans">' in chinese and "登录" in chinese
    # each language is offered under its own name, whatever the page's language
    for page in (body, chinese):
        assert 'value="en" lang="en"' in page and ">English</option>" in page
        assert ">简体中文</option>" in page and "英语" not in page


def test_language_switch_persists(client, people):
    client.force_login(people["kc_market_insp"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("core:home")).content.decode()
    assert "Inspector&#x27;s desk" in body and "My account" in body


def test_statistics_and_archive_entries_follow_permissions(client, people):
    from accounts.scope import Scope
    from core.navigation import nav_for

    def labels(key):
        return {i.label for _, items in nav_for(Scope.of(people[key])) for i in items}

    supervisor, inspector = labels("kc_supervisor"), labels("kc_market_insp")
    assert {"统计分析", "月报表", "立卷归档", "公示网站"} <= supervisor
    assert {"统计分析", "月报表", "立卷归档"} & inspector == set()
    assert "公示网站" in inspector
