"""Who may see and change what: the platform's scope rules, in one place.

Data that belongs to a department is visible according to the *reach* a user's role gives for a
permission:

- ``OWN_DEPARTMENT``: the user's own department only.
- ``DEPARTMENT_AND_BELOW``: the own department, plus departments of the same kind in regions
  strictly below the user's region (a city 市场监管局 sees its counties' 市场监管局, read-only).
- ``REGION``: every department in the user's own region (same level only).
- ``REGION_AND_BELOW``: every department in the user's region and in the regions below it.

Write permissions only ever use ``OWN_DEPARTMENT`` or ``REGION``: upper levels see lower levels
read-only. Nobody sees a region above their own or a sibling region. Data other departments share
through a joint task is added by that domain's selectors, not here.

Selectors call ``departments_q``; services call ``authorize``. Templates only hide what the
selectors and services already refuse.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from .models import Department, Role, User


class Reach(enum.Enum):
    OWN_DEPARTMENT = "own_department"
    DEPARTMENT_AND_BELOW = "department_and_below"
    REGION = "region"
    REGION_AND_BELOW = "region_and_below"


R = Role
ALL_ROLES = tuple(Role)

PERMISSIONS: dict[str, dict[str, Reach]] = {
    # Directory of departments: everyone sees their own and (same kind) below; region-wide roles
    # see every department of their region and below.
    "department.view": {
        **{role: Reach.DEPARTMENT_AND_BELOW for role in ALL_ROLES},
        R.REGION_ADMIN: Reach.REGION_AND_BELOW,
        R.JOINT_OFFICE: Reach.REGION_AND_BELOW,
        R.SUPERVISOR: Reach.REGION_AND_BELOW,
    },
    "department.manage": {R.REGION_ADMIN: Reach.REGION},
    "user.view": {
        R.REGION_ADMIN: Reach.REGION_AND_BELOW,
        R.DEPT_ADMIN: Reach.DEPARTMENT_AND_BELOW,
        R.SUPERVISOR: Reach.REGION_AND_BELOW,
    },
    "user.manage": {R.REGION_ADMIN: Reach.REGION, R.DEPT_ADMIN: Reach.OWN_DEPARTMENT},
    # 检查对象名录库: entities belong to a region, not a department (see Scope.regions_q).
    "entity.view": {role: Reach.REGION_AND_BELOW for role in ALL_ROLES},
    "entity.manage": {
        R.REGION_ADMIN: Reach.REGION,
        R.DEPT_ADMIN: Reach.REGION,
        R.ORGANIZER: Reach.REGION,
    },
    # Full ID numbers / phones of entities' representatives; others see them masked.
    "entity.personal": {
        R.REGION_ADMIN: Reach.REGION,
        R.DEPT_ADMIN: Reach.REGION,
        R.ORGANIZER: Reach.REGION,
        R.REVIEWER: Reach.REGION,
        R.INSPECTOR: Reach.REGION,
    },
    # 执法检查人员名录库 and 专家名录库: inspectors belong to a department.
    "inspector.view": {
        **{role: Reach.DEPARTMENT_AND_BELOW for role in ALL_ROLES},
        R.REGION_ADMIN: Reach.REGION_AND_BELOW,
        R.JOINT_OFFICE: Reach.REGION_AND_BELOW,
        R.SUPERVISOR: Reach.REGION_AND_BELOW,
    },
    "inspector.manage": {R.DEPT_ADMIN: Reach.OWN_DEPARTMENT, R.ORGANIZER: Reach.OWN_DEPARTMENT},
    # 抽查事项清单 (per department; the joint list belongs to the leading-group office) and the
    # 法律法规库. Published versions are public documents; drafts follow this scope.
    "catalog.view": {
        **{role: Reach.DEPARTMENT_AND_BELOW for role in ALL_ROLES},
        R.REGION_ADMIN: Reach.REGION_AND_BELOW,
        R.JOINT_OFFICE: Reach.REGION_AND_BELOW,
        R.SUPERVISOR: Reach.REGION_AND_BELOW,
    },
    "catalog.manage": {
        R.DEPT_ADMIN: Reach.OWN_DEPARTMENT,
        R.ORGANIZER: Reach.OWN_DEPARTMENT,
        R.JOINT_OFFICE: Reach.OWN_DEPARTMENT,
    },
    "regulation.manage": {
        R.REGION_ADMIN: Reach.REGION,
        R.DEPT_ADMIN: Reach.OWN_DEPARTMENT,
        R.ORGANIZER: Reach.OWN_DEPARTMENT,
    },
    # 年度抽查计划: owned by a department (joint plans by the leading-group office); filed with
    # the level above, which sees them (DEPARTMENT_AND_BELOW / REGION_AND_BELOW).
    "plan.view": {
        **{role: Reach.DEPARTMENT_AND_BELOW for role in ALL_ROLES},
        R.REGION_ADMIN: Reach.REGION_AND_BELOW,
        R.JOINT_OFFICE: Reach.REGION_AND_BELOW,
        R.SUPERVISOR: Reach.REGION_AND_BELOW,
    },
    "plan.manage": {R.ORGANIZER: Reach.OWN_DEPARTMENT, R.JOINT_OFFICE: Reach.OWN_DEPARTMENT},
    "plan.review": {
        R.REVIEWER: Reach.OWN_DEPARTMENT,
        R.DEPT_ADMIN: Reach.OWN_DEPARTMENT,
        R.JOINT_OFFICE: Reach.OWN_DEPARTMENT,
    },
    # 抽查任务 and their draws: owned by the lead department; participants of a joint task see
    # it too (added in planning.selectors). The joint office runs joint tasks of its region.
    "task.view": {
        **{role: Reach.DEPARTMENT_AND_BELOW for role in ALL_ROLES},
        R.REGION_ADMIN: Reach.REGION_AND_BELOW,
        R.JOINT_OFFICE: Reach.REGION_AND_BELOW,
        R.SUPERVISOR: Reach.REGION_AND_BELOW,
    },
    "task.manage": {R.ORGANIZER: Reach.OWN_DEPARTMENT, R.JOINT_OFFICE: Reach.REGION},
    # Voiding a draw is not for the organiser who ran it (no fishing for a better result).
    "draw.void": {R.DEPT_ADMIN: Reach.OWN_DEPARTMENT, R.JOINT_OFFICE: Reach.REGION},
    # The inspector's own workspace (their group's 一企一表 sheets).
    "assignment.own": {R.INSPECTOR: Reach.OWN_DEPARTMENT},
    "dispatch.confirm": {R.DEPT_ADMIN: Reach.OWN_DEPARTMENT, R.REVIEWER: Reach.OWN_DEPARTMENT},
    # 检查结果审核、公示、更正审核和后续处置 (inspections): the department's reviewer.
    "result.review": {R.REVIEWER: Reach.OWN_DEPARTMENT, R.DEPT_ADMIN: Reach.OWN_DEPARTMENT},
    # 立卷归档: a task's archive (everything about it, evidence included) for the people who
    # ran, reviewed or supervise it.
    "archive.download": {
        R.ORGANIZER: Reach.DEPARTMENT_AND_BELOW,
        R.REVIEWER: Reach.DEPARTMENT_AND_BELOW,
        R.DEPT_ADMIN: Reach.DEPARTMENT_AND_BELOW,
        R.REGION_ADMIN: Reach.REGION_AND_BELOW,
        R.JOINT_OFFICE: Reach.REGION_AND_BELOW,
        R.SUPERVISOR: Reach.REGION_AND_BELOW,
    },
    # 统计分析 and 月报表: a department sees its own figures (and those below); the region's
    # office, administrators and supervisors see the whole region and below.
    "stats.view": {
        R.ORGANIZER: Reach.DEPARTMENT_AND_BELOW,
        R.REVIEWER: Reach.DEPARTMENT_AND_BELOW,
        R.DEPT_ADMIN: Reach.DEPARTMENT_AND_BELOW,
        R.REGION_ADMIN: Reach.REGION_AND_BELOW,
        R.JOINT_OFFICE: Reach.REGION_AND_BELOW,
        R.SUPERVISOR: Reach.REGION_AND_BELOW,
    },
    # Entering a month's meetings/documents/trainings and finalising the department's 月报表.
    "report.manage": {R.ORGANIZER: Reach.OWN_DEPARTMENT, R.DEPT_ADMIN: Reach.OWN_DEPARTMENT},
    "audit.view": {
        R.SUPERVISOR: Reach.REGION_AND_BELOW,
        R.REGION_ADMIN: Reach.REGION_AND_BELOW,
        R.DEPT_ADMIN: Reach.DEPARTMENT_AND_BELOW,
    },
}
WRITE_REACHES = {Reach.OWN_DEPARTMENT, Reach.REGION}
for _perm, _grants in PERMISSIONS.items():
    if _perm.endswith((".manage", ".edit", ".create", ".personal")):
        assert set(_grants.values()) <= WRITE_REACHES, _perm


@dataclass(frozen=True)
class Scope:
    """A user's standing: department, its kind and region, and roles. Built once per request."""

    user_id: int | None
    department_id: int | None
    department_kind: str
    region_code: str
    roles: frozenset[str]
    is_platform_admin: bool = False

    @classmethod
    def of(cls, user: User) -> Scope:
        if not user.is_authenticated:
            return cls(None, None, "", "", frozenset())
        department = user.department
        return cls(
            user_id=user.pk,
            department_id=department.pk if department else None,
            department_kind=department.kind if department else "",
            region_code=department.region_id if department else "",
            roles=user.role_codes if user.is_active else frozenset(),
            is_platform_admin=bool(user.is_superuser and user.is_active),
        )

    def reaches(self, permission: str) -> list[tuple[str, Reach]]:
        grants = PERMISSIONS[permission]
        return [
            (role, grants[role]) for role in Role.values if role in self.roles and role in grants
        ]

    def has(self, permission: str) -> bool:
        return self.is_platform_admin or bool(self.reaches(permission))

    def _reach_q(self, reach: Reach, path: str | None) -> Q:
        def field(name: str) -> str:
            return f"{path}__{name}" if path else name

        if self.department_id is None:
            return Q(pk__in=[])
        own = Q(**{path or "pk": self.department_id})
        if reach is Reach.OWN_DEPARTMENT:
            return own
        if reach is Reach.DEPARTMENT_AND_BELOW:
            below = Q(
                **{
                    field("kind"): self.department_kind,
                    field("region__code__startswith"): self.region_code,
                }
            ) & ~Q(**{field("region_id"): self.region_code})
            return own | below
        if reach is Reach.REGION:
            return Q(**{field("region_id"): self.region_code})
        return Q(**{field("region__code__startswith"): self.region_code})

    def departments_q(self, permission: str, *, path: str | None = "department") -> Q:
        """A filter for rows whose department this scope may reach for `permission`.

        `path` is the lookup path from the filtered model to its Department foreign key
        ("department", "task__department"), or None when filtering Department itself.
        Rows with no department are reached by platform admins only.
        """
        if self.is_platform_admin:
            return Q()
        q = Q(pk__in=[])
        for _role, reach in self.reaches(permission):
            q |= self._reach_q(reach, path)
        return q

    def regions_q(self, permission: str, *, path: str = "region") -> Q:
        """A filter for rows that belong to a region (entities), by the region FK at `path`.

        Any role holding `permission` reaches the user's region and everything below it (upper
        levels see lower levels); lower and sibling regions never see each other. (`path` may
        also be given as "region_id"; the lookup goes through the FK's target, the code.)
        """
        if self.is_platform_admin:
            return Q()
        if not self.reaches(permission) or not self.region_code:
            return Q(pk__in=[])
        fk = path[:-3] if path.endswith("_id") else path
        return Q(**{f"{fk}__code__startswith": self.region_code})

    def role_for_region(self, permission: str, region_code: str) -> str | None:
        """The role under which this scope may write region-owned data in `region_code`.

        Writes stay at the user's own level: the own region, plus the townships of a county
        (county departments keep the registry of their townships). Upper levels are read-only.
        """
        for role, reach in self.reaches(permission):
            if reach not in WRITE_REACHES:
                continue
            if region_code == self.region_code or (
                len(self.region_code) == 6 and region_code.startswith(self.region_code)
            ):
                return role
        return "platform_admin" if self.is_platform_admin else None

    def role_for(self, permission: str, department: Department | None) -> str | None:
        """The role under which this scope may act on `department` for `permission`, or None."""
        if department is None:
            return "platform_admin" if self.is_platform_admin else None
        for role, reach in self.reaches(permission):
            if _department_in_reach(self, reach, department):
                return role
        if self.is_platform_admin:
            return "platform_admin"
        return None

    def can(self, permission: str, department: Department | None) -> bool:
        return self.role_for(permission, department) is not None


def _department_in_reach(scope: Scope, reach: Reach, department: Department) -> bool:
    if scope.department_id is None:
        return False
    if department.pk == scope.department_id:
        return True
    region = department.region_id
    if reach is Reach.OWN_DEPARTMENT:
        return False
    if reach is Reach.DEPARTMENT_AND_BELOW:
        return (
            department.kind == scope.department_kind
            and region != scope.region_code
            and region.startswith(scope.region_code)
        )
    if reach is Reach.REGION:
        return region == scope.region_code
    return region.startswith(scope.region_code)


def authorize(user: User, permission: str, department: Department | None) -> str:
    """Return the role that allows `user` to do `permission` on `department`'s data, or refuse."""
    role = Scope.of(user).role_for(permission, department)
    if role is None:
        raise PermissionDenied(permission)
    return role
