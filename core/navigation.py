"""The menu. Each capability adds its entries here explicitly, with the permission that shows it.

Showing an entry is a convenience only: the views behind them check scope again.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_noop

from accounts.scope import Scope


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None


NAV: list[tuple[str, list[NavItem]]] = [
    (
        gettext_noop("工作台"),
        [
            NavItem(gettext_noop("首页"), "core:home"),
        ],
    ),
    (
        gettext_noop("系统管理"),
        [
            NavItem(gettext_noop("用户管理"), "accounts:user_list", "user.view"),
            NavItem(gettext_noop("部门"), "accounts:department_list", "department.view"),
        ],
    ),
    (
        gettext_noop("一单两库"),
        [
            NavItem(gettext_noop("抽查事项清单"), "catalog:item_list", "catalog.view"),
            NavItem(gettext_noop("联合抽查事项清单"), "catalog:joint_list", "catalog.view"),
            NavItem(gettext_noop("检查对象名录库"), "registry:entity_list", "entity.view"),
            NavItem(
                gettext_noop("执法检查人员名录库"), "inspectors:inspector_list", "inspector.view"
            ),
            NavItem(gettext_noop("专家名录库"), "inspectors:expert_list", "inspector.view"),
            NavItem(gettext_noop("分类标签库"), "registry:tag_list", "entity.view"),
            NavItem(gettext_noop("信用风险分类"), "registry:grading_list", "entity.view"),
            NavItem(gettext_noop("法律法规库"), "catalog:regulation_list", "catalog.view"),
        ],
    ),
    (
        gettext_noop("计划与抽取"),
        [
            NavItem(gettext_noop("年度抽查计划"), "planning:plan_list", "plan.view"),
            NavItem(gettext_noop("抽查任务"), "planning:task_list", "task.view"),
            NavItem(gettext_noop("派发确认"), "planning:dispatch", "dispatch.confirm"),
            NavItem(gettext_noop("抽取监督"), "planning:oversight", "task.view"),
        ],
    ),
    (
        gettext_noop("检查与结果"),
        [
            NavItem(gettext_noop("我的检查表"), "inspections:my_sheets", "assignment.own"),
            NavItem(gettext_noop("结果审核与公示"), "inspections:review_queue", "result.review"),
            NavItem(gettext_noop("后续处置"), "inspections:followup_list", "task.view"),
            NavItem(gettext_noop("信用反馈"), "inspections:credit_list", "entity.manage"),
            NavItem(gettext_noop("检查结果分类"), "inspections:category_sets", "department.manage"),
        ],
    ),
    (
        gettext_noop("统计与公开"),
        [
            NavItem(gettext_noop("统计分析"), "stats:dashboard", "stats.view"),
            NavItem(gettext_noop("月报表"), "reports:index", "stats.view"),
            NavItem(gettext_noop("月报表报送情况"), "reports:summary", "stats.view"),
            NavItem(gettext_noop("立卷归档"), "archives:task_list", "archive.download"),
            NavItem(gettext_noop("公示网站"), "public:home"),
        ],
    ),
    (
        gettext_noop("全程留痕"),
        [NavItem(gettext_noop("行为日志"), "audit:entry_list", "audit.view")],
    ),
]


def _exists(url_name: str) -> bool:
    # Entries of capabilities not built yet are skipped rather than breaking every page.
    try:
        reverse(url_name)
    except NoReverseMatch:
        return False
    return True


def nav_for(scope: Scope) -> list[tuple[str, list[NavItem]]]:
    groups = []
    for title, items in NAV:
        visible = [
            item
            for item in items
            if (item.permission is None or scope.has(item.permission)) and _exists(item.url_name)
        ]
        if visible:
            groups.append((title, visible))
    return groups
