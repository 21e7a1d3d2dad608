from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.http import AuthedRequest

from .home import workbench_for


def home(request: AuthedRequest) -> HttpResponse:
    return render(request, "core/home.html", {"workbench": workbench_for(request.user)})


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    # Deliberately generic: no exception text, path details or stack traces reach the page.
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "message": message},
        status=status,
    )


@login_not_required
def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "请求无效", "提交的内容无法处理，请返回重试。")


@login_not_required
def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 403, "无权访问", "您的账号没有执行此操作的权限。如有疑问请联系本部门系统管理员。"
    )


@login_not_required
def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "页面不存在", "您要找的页面不存在，或您无权查看。")


@login_not_required
def error_500(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "系统错误", "服务器处理请求时出错，已记录。请稍后重试。")
