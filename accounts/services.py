"""Writes on departments, users and sessions. Each appends to the audit log in its transaction."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import entry_append, snapshot
from regions.models import Region

from .models import Department, LoginAttempt, Role, RoleGrant, User
from .scope import authorize

DEPARTMENT_FIELDS = ["name", "short_name", "kind", "region", "is_active"]
USER_FIELDS = ["username", "full_name", "department", "phone", "is_active", "email"]


def _user_snapshot(user: User) -> dict:
    data = snapshot(user, USER_FIELDS)
    data["roles"] = sorted(user.role_grants.values_list("role", flat=True))
    return data


@transaction.atomic
def department_create(
    *, actor: User | None, name: str, kind: str, region: Region, short_name: str = ""
) -> Department:
    """Create a department. `actor=None` is reserved for provisioning commands (load_demo)."""
    department = Department(name=name, kind=kind, region=region, short_name=short_name)
    department.full_clean()
    role = "system"
    if actor is not None:
        role = authorize(actor, "department.manage", department)
    department.save()
    entry_append(
        actor=actor,
        role=role,
        action="department.create",
        instance=department,
        after=snapshot(department, DEPARTMENT_FIELDS),
        department=department,
    )
    return department


def generate_password(length: int = 16) -> str:
    """A random password that satisfies the platform's policy (all four character classes)."""
    alphabet = string.ascii_letters + string.digits + "!@#%^*-_=+"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(not c.isalnum() for c in candidate)
        ):
            return candidate


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    department: Department,
    roles: list[str],
    password: str,
    phone: str = "",
    email: str = "",
    must_change_password: bool = True,
) -> User:
    """Create an account with roles. The password must pass the policy; nothing is saved if not."""
    role = "system" if actor is None else authorize(actor, "user.manage", department)
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValidationError({"roles": f"未知角色：{', '.join(sorted(unknown))}"})
    user = User(
        username=username,
        full_name=full_name,
        department=department,
        phone=phone,
        email=email,
        must_change_password=must_change_password,
    )
    user.set_unusable_password()
    user.full_clean()
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in sorted(set(roles))])
    entry_append(
        actor=actor,
        role=role,
        action="user.create",
        instance=user,
        after=_user_snapshot(user),
        department=department,
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    full_name: str,
    phone: str,
    email: str,
    roles: list[str],
    is_active: bool,
) -> User:
    """Change an account's details, roles and active flag. Users cannot change their own roles."""
    role = authorize(actor, "user.manage", user.department)
    if actor.pk == user.pk and (sorted(set(roles)) != sorted(user.role_codes) or not is_active):
        raise PermissionDenied("不能修改自己的角色或停用自己的账号")
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValidationError({"roles": f"未知角色：{', '.join(sorted(unknown))}"})
    user = User.objects.select_for_update().get(pk=user.pk)
    before = _user_snapshot(user)
    user.full_name, user.phone, user.email, user.is_active = full_name, phone, email, is_active
    user.full_clean()
    user.save()
    RoleGrant.objects.filter(user=user).exclude(role__in=roles).delete()
    existing = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=user, role=r) for r in sorted(set(roles) - existing)]
    )
    after = _user_snapshot(user)
    entry_append(
        actor=actor,
        role=role,
        action="user.update",
        instance=user,
        before=before,
        after=after,
        department=user.department,
    )
    return user


@transaction.atomic
def user_reset_password(*, actor: User, user: User) -> str:
    """Give the account a new random password that must be changed at next login; return it."""
    role = authorize(actor, "user.manage", user.department)
    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    user.locked_until = None
    user.save(update_fields=["password", "must_change_password", "locked_until"])
    entry_append(
        actor=actor,
        role=role,
        action="user.reset_password",
        instance=user,
        department=user.department,
    )
    return password


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> None:
    role = authorize(actor, "user.manage", user.department)
    before = {"locked_until": user.locked_until}
    user.locked_until = None
    user.save(update_fields=["locked_until"])
    entry_append(
        actor=actor,
        role=role,
        action="user.unlock",
        instance=user,
        before=before,
        after={"locked_until": None},
        department=user.department,
    )


@transaction.atomic
def user_change_own_password(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": "原密码不正确"})
    if old_password == new_password:
        raise ValidationError({"new_password": "新密码不能与原密码相同"})
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    entry_append(actor=user, role="self", action="user.change_password", instance=user)


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    error: str = ""


def _recent_failures(**filters: str) -> int:
    since = timezone.now() - timedelta(minutes=settings.LOCKOUT_WINDOW_MINUTES)
    return LoginAttempt.objects.filter(succeeded=False, created_at__gte=since, **filters).count()


@transaction.atomic
def login_attempt(*, username: str, password: str, ip_address: str) -> LoginOutcome:
    """Check credentials with throttling: per-account lockout and a per-IP failure cap.

    Every attempt is recorded (LoginAttempt plus an audit entry); the error never says whether
    the account exists, except that a locked account says it is locked.
    """
    now = timezone.now()
    generic = "账号或密码错误。"
    username = username.strip()[:150]
    if _recent_failures(ip_address=ip_address) >= settings.IP_THROTTLE_THRESHOLD:
        LoginAttempt.objects.create(
            username=username, ip_address=ip_address, succeeded=False, created_at=now
        )
        entry_append(
            actor=None,
            actor_username=username,
            action="auth.login_throttled",
            object_type="accounts.user",
            object_repr=username,
            region_code="",
        )
        return LoginOutcome(None, "登录失败次数过多，请稍后再试。")

    account = User.objects.select_for_update().filter(username=username).first()
    if account is not None and account.locked_until and account.locked_until > now:
        LoginAttempt.objects.create(
            username=username, ip_address=ip_address, succeeded=False, created_at=now
        )
        entry_append(
            actor=None,
            actor_username=username,
            action="auth.login_refused_locked",
            instance=account,
            department=account.department,
        )
        until = timezone.localtime(account.locked_until).strftime("%H:%M")
        return LoginOutcome(
            None, f"该账号因多次登录失败已被锁定，请于 {until} 后重试或联系管理员解锁。"
        )

    user = authenticate(username=username, password=password)
    LoginAttempt.objects.create(
        username=username, ip_address=ip_address, succeeded=user is not None, created_at=now
    )
    if user is None:
        entry_append(
            actor=None,
            actor_username=username,
            action="auth.login_failed",
            instance=account,
            object_type="accounts.user",
            object_repr=username,
            department=account.department if account else None,
            region_code=None if account else "",
        )
        if (
            account is not None
            and _recent_failures(username=username) >= settings.LOCKOUT_THRESHOLD
        ):
            account.locked_until = now + timedelta(minutes=settings.LOCKOUT_MINUTES)
            account.save(update_fields=["locked_until"])
            entry_append(
                actor=None,
                actor_username=username,
                action="auth.locked",
                instance=account,
                after={"locked_until": account.locked_until},
                department=account.department,
            )
            until = timezone.localtime(account.locked_until).strftime("%H:%M")
            return LoginOutcome(None, f"登录失败次数过多，账号已锁定至 {until}。")
        return LoginOutcome(None, generic)
    assert isinstance(user, User)
    user.last_login = now
    user.save(update_fields=["last_login"])
    entry_append(
        actor=user, role=",".join(sorted(user.role_codes)), action="auth.login", instance=user
    )
    return LoginOutcome(user)


@transaction.atomic
def logout_record(*, user: User) -> None:
    entry_append(actor=user, role="self", action="auth.logout", instance=user)
