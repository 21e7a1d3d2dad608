"""The menu. Each capability adds its entries here explicitly, with the permission that shows it.

Showing an entry is a convenience only: the views behind them check scope again.
"""

from dataclasses import dataclass

from accounts.scope import Scope


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None


NAV: list[tuple[str, list[NavItem]]] = [
    ("工作台", [NavItem("首页", "core:home")]),
    (
        "系统管理",
        [
            NavItem("用户管理", "accounts:user_list", "user.view"),
            NavItem("部门", "accounts:department_list", "department.view"),
        ],
    ),
    ("全程留痕", [NavItem("行为日志", "audit:entry_list", "audit.view")]),
]


def nav_for(scope: Scope) -> list[tuple[str, list[NavItem]]]:
    groups = []
    for title, items in NAV:
        visible = [item for item in items if item.permission is None or scope.has(item.permission)]
        if visible:
            groups.append((title, visible))
    return groups
