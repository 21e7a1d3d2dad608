from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from audit.services import current_ip

# Everything the pages load is served from this origin (the machines are offline): no CDN, no
# inline script. ECharts needs inline styles on its canvases, hence style-src 'unsafe-inline'.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"
        )
        if request.user.is_authenticated if hasattr(request, "user") else False:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class RequestContextMiddleware:
    """Makes the client address available to audit entries, and enforces the first-login
    password change before anything else can be done."""

    EXEMPT_PREFIXES = ("/static/", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(request.META.get("REMOTE_ADDR", "")[:45])
        try:
            user = request.user
            if (
                user.is_authenticated
                and getattr(user, "must_change_password", False)
                and not request.path.startswith(self.EXEMPT_PREFIXES)
                and request.path
                not in {reverse("accounts:password_change"), reverse("accounts:logout")}
            ):
                return redirect("accounts:password_change")
            return self.get_response(request)
        finally:
            current_ip.reset(token)
