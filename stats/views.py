"""统计分析 pages. Views parse the query string and call one selector; scope is decided there
(403 without `stats.view`, 404 for a region, department or task outside the user's scope)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import render

from accounts.scope import Scope
from core.http import AuthedRequest
from regions.models import Region

from . import exports, selectors


def _filter(request: AuthedRequest) -> tuple[selectors.StatsFilter, list[str]]:
    try:
        return selectors.filter_build(user=request.user, params=request.GET), []
    except ValidationError as exc:
        errors = [m for messages in exc.message_dict.values() for m in messages]
        params = QueryDict(mutable=True)
        for key in ("region", "department"):
            if request.GET.get(key):
                params[key] = request.GET[key]
        return selectors.filter_build(user=request.user, params=params), errors


def _breadcrumb(flt: selectors.StatsFilter, user_region: str) -> list[tuple[Region, str]]:
    """The user's region down to the chosen one, each with its dashboard query string."""
    chain: list[tuple[Region, str]] = []
    node: Region | None = flt.region
    while node is not None and node.code.startswith(user_region):
        chain.append((node, urlencode({**flt.period.query(), "region": node.code})))
        node = node.parent
    return list(reversed(chain))


def dashboard(request: AuthedRequest) -> HttpResponse:
    flt, errors = _filter(request)
    board = selectors.dashboard(user=request.user, flt=flt)
    scope = Scope.of(request.user)
    departments = selectors.visible_departments(scope).filter(
        region__code__startswith=flt.region.code
    )
    return render(
        request,
        "stats/dashboard.html",
        {
            "board": board,
            "flt": flt,
            "errors": errors,
            "breadcrumb": _breadcrumb(flt, scope.region_code),
            "department_choices": departments.order_by("region_id", "name"),
            "query": urlencode(flt.query()),
            "years": range(flt.period.start.year - 4, flt.period.start.year + 2),
        },
    )


def dashboard_export(request: AuthedRequest) -> HttpResponse:
    flt, _errors = _filter(request)
    board = selectors.dashboard(user=request.user, flt=flt, drill=False)
    name = flt.department.name if flt.department else flt.region.name
    return exports.xlsx(
        exports.dashboard_workbook(board), f"统计分析-{name}-{flt.period.label}.xlsx"
    )


def task_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    view = selectors.task_sheets(user=request.user, pk=pk)
    return render(request, "stats/task.html", {"view": view})
