from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.scope import Scope
from core.exports import xlsx_response
from core.http import AuthedRequest

from .chain import canonical_json
from .forms import EntryFilterForm
from .selectors import entry_list_visible
from .verification import chain_verify


def _entries(request: AuthedRequest):
    if not Scope.of(request.user).has("audit.view"):
        raise PermissionDenied("audit.view")
    form = EntryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    return form, entry_list_visible(user=request.user, **{k: v for k, v in data.items() if v})


def entry_list(request: AuthedRequest) -> HttpResponse:
    form, entries = _entries(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/entry_list.html", {"form": form, "page": page, "query": query.urlencode()}
    )


def entry_detail(request: AuthedRequest, seq: int) -> HttpResponse:
    _form, entries = _entries(request)
    entry = entries.filter(seq=seq).first()
    if entry is None:
        raise Http404
    return render(
        request,
        "audit/entry_detail.html",
        {
            "entry": entry,
            "before": canonical_json(entry.before) if entry.before is not None else "",
            "after": canonical_json(entry.after) if entry.after is not None else "",
        },
    )


def entry_export(request: AuthedRequest) -> HttpResponse:
    _form, entries = _entries(request)
    rows = (
        [
            e.seq,
            timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_username,
            e.actor_name,
            e.role,
            e.department.name if e.department else "",
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.reason,
            e.ip_address,
            e.entry_hash,
        ]
        for e in entries.iterator(chunk_size=1000)
    )
    return xlsx_response(
        filename="行为日志.xlsx",
        title="行为日志",
        headers=[
            "序号",
            "时间",
            "账号",
            "姓名",
            "角色",
            "部门",
            "操作",
            "对象类型",
            "对象标识",
            "对象",
            "原因",
            "IP",
            "本条哈希",
        ],
        rows=rows,
    )


def entry_list_api(request: AuthedRequest) -> JsonResponse:
    _form, entries = _entries(request)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return JsonResponse(
        {
            "count": page.paginator.count,
            "page": page.number,
            "results": [
                {
                    "seq": e.seq,
                    "created_at": e.created_at.isoformat(),
                    "actor": e.actor_username,
                    "role": e.role,
                    "department": e.department.name if e.department else None,
                    "action": e.action,
                    "object_type": e.object_type,
                    "object_id": e.object_id,
                    "object_repr": e.object_repr,
                    "prev_hash": e.prev_hash,
                    "entry_hash": e.entry_hash,
                }
                for e in page
            ],
        }
    )


def chain_status(request: AuthedRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    if not (scope.is_platform_admin or "supervisor" in scope.roles):
        raise PermissionDenied("audit.verify")
    return render(request, "audit/chain_status.html", {"report": chain_verify()})
