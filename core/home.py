"""The per-role home page: which work bench a user lands on and what is waiting for them.

Each capability contributes a provider function to TODO_PROVIDERS (explicit, no signals). A
provider returns the to-dos it finds in the records for this user; it must apply scope itself.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import Role, User
from accounts.scope import Scope


@dataclass(frozen=True)
class Todo:
    title: str
    url: str
    count: int | None = None
    level: str = "info"  # info | warn | danger
    detail: str = ""


@dataclass(frozen=True)
class Workbench:
    role: str
    title: str
    intro: str
    todos: list[Todo] = field(default_factory=list)


WORKBENCH_TITLES = {
    Role.REGION_ADMIN: (
        gettext_noop("系统管理工作台"),
        gettext_noop("管理本级各部门、账号与角色，查看下级情况。"),
    ),
    Role.DEPT_ADMIN: (
        gettext_noop("部门管理工作台"),
        gettext_noop("管理本部门账号与角色，确认抽查任务派发。"),
    ),
    Role.ORGANIZER: (
        gettext_noop("抽查组织工作台"),
        gettext_noop("编制年度抽查计划，创建抽查任务，组织随机抽取。"),
    ),
    Role.REVIEWER: (gettext_noop("部门审核工作台"), gettext_noop("确认派发、审核检查结果与公示。")),
    Role.INSPECTOR: (
        gettext_noop("检查人员工作台"),
        gettext_noop("查看分配给我的检查任务，录入检查结果。"),
    ),
    Role.JOINT_OFFICE: (
        "联合抽查办公室工作台",
        "统筹本区划部门联合抽查，督促各部门按时确认与公示。",
    ),
    Role.SUPERVISOR: (
        gettext_noop("监督审计工作台"),
        gettext_noop("只读查看本区划及下级的抽查工作和行为日志。"),
    ),
}


def _locked_accounts(user: User, scope: Scope) -> list[Todo]:
    if not scope.has("user.manage"):
        return []
    from accounts.selectors import user_list_visible

    visible = user_list_visible(user=user)
    locked = visible.filter(locked_until__gt=timezone.now()).count()
    pending = visible.filter(is_active=True, last_login__isnull=True).count()
    todos = []
    if locked:
        todos.append(
            Todo(
                gettext_noop("因多次登录失败被锁定的账号"),
                reverse("accounts:user_list") + "?locked=1",
                locked,
                "danger",
            )
        )
    if pending:
        todos.append(
            Todo(
                gettext_noop("尚未首次登录的账号"),
                reverse("accounts:user_list") + "?never=1",
                pending,
            )
        )
    return todos


def _audit_today(user: User, scope: Scope) -> list[Todo]:
    if not scope.has("audit.view"):
        return []
    from audit.selectors import entry_list_visible

    today = timezone.localdate()
    count = entry_list_visible(user=user, date_from=today, date_to=today).count()
    failed = entry_list_visible(
        user=user, action="auth.login_failed", date_from=today, date_to=today
    ).count()
    todos = [
        Todo(
            gettext_noop("今日行为日志"), reverse("audit:entry_list") + f"?date_from={today}", count
        )
    ]
    if failed:
        todos.append(
            Todo(
                gettext_noop("今日登录失败"),
                reverse("audit:entry_list") + f"?action=auth.login_failed&date_from={today}",
                failed,
                "warn",
            )
        )
    return todos


def _planning(user: User, scope: Scope) -> list[Todo]:
    from planning.models import DrawStatus, PlanStatus, TaskStatus
    from planning.selectors import plan_list_visible, task_list_visible

    todos = []
    if user.department is not None and scope.can("plan.review", user.department):
        waiting = (
            plan_list_visible(user=user)
            .filter(department=user.department, versions__status=PlanStatus.REVIEW)
            .count()
        )
        if waiting:
            todos.append(
                Todo(
                    gettext_noop("待审核的年度计划"), reverse("planning:plan_list"), waiting, "warn"
                )
            )
    if scope.has("task.manage"):
        tasks = task_list_visible(user=user)
        drafts = tasks.filter(status=TaskStatus.DRAFT, lead_department=user.department).count()
        if drafts:
            todos.append(
                Todo(gettext_noop("待抽取的抽查任务"), reverse("planning:task_list"), drafts)
            )
        pending = tasks.filter(draws__status=DrawStatus.COMMITTED).distinct().count()
        if pending:
            todos.append(
                Todo(
                    gettext_noop("已公布承诺、待完成抽取"),
                    reverse("planning:task_list"),
                    pending,
                    "warn",
                )
            )
    from planning.selectors import dispatch_overdue, dispatch_pending, my_assignments

    waiting_dispatch = dispatch_pending(user=user)
    if waiting_dispatch:
        late = any(p.overdue for p in waiting_dispatch)
        todos.append(
            Todo(
                gettext_noop("待确认派发的抽查任务"),
                reverse("planning:dispatch"),
                len(waiting_dispatch),
                "danger" if late else "warn",
            )
        )
    overdue = dispatch_overdue(user=user)
    if overdue:
        todos.append(
            Todo(
                gettext_noop("逾期未确认派发"), reverse("planning:dispatch"), len(overdue), "danger"
            )
        )
    if "inspector" in scope.roles:
        mine = my_assignments(user=user).count()
        todos.append(Todo(gettext_noop("我的检查任务"), reverse("inspections:my_sheets"), mine))
    return todos


TODO_PROVIDERS: list[Callable[[User, Scope], list[Todo]]] = [
    _locked_accounts,
    _audit_today,
    _planning,
]


def primary_role(scope: Scope) -> str | None:
    for role in Role.values:  # Role order is the precedence order of work benches
        if role in scope.roles:
            return role
    return None


def workbench_for(user: User) -> Workbench:
    scope = Scope.of(user)
    role = primary_role(scope)
    if role is None:
        return Workbench(
            "",
            gettext_noop("工作台"),
            gettext_noop("您的账号尚未分配角色，请联系本部门系统管理员。"),
        )
    title, intro = WORKBENCH_TITLES[Role(role)]
    todos = [todo for provider in TODO_PROVIDERS for todo in provider(user, scope)]
    return Workbench(role, title, intro, todos)
