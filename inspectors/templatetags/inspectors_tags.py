"""Display helpers for the inspectors pages."""

from django import template

from inspectors.models import InspectorStatus

register = template.Library()

ACTION_LABELS = {
    "inspector.create": "登记",
    "inspector.update": "修改信息",
    "inspector.status_change": "变更状态",
    "inspector.certificate_renew": "换发执法证",
    "inspector.link_account": "关联登录账号",
    "inspector.unlink_account": "取消关联账号",
    "inspector.conflict_declare": "登记回避",
    "inspector.conflict_withdraw": "撤销回避",
    "expert.create": "登记",
    "expert.update": "修改信息",
}
STATUS_BADGES: dict[str, str] = {
    InspectorStatus.ON_DUTY: "ok",
    InspectorStatus.LEAVE: "warn",
    InspectorStatus.SECONDED: "warn",
    InspectorStatus.TRANSFERRED: "",
    InspectorStatus.RETIRED: "",
}


@register.filter
def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


@register.filter
def status_label(status: str | None) -> str:
    if not status:
        return "—"
    return str(InspectorStatus(status).label)


@register.filter
def status_badge(status: str | None) -> str:
    return STATUS_BADGES.get(status or "", "")
