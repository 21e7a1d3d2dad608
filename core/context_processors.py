from django.http import HttpRequest

from accounts.scope import Scope

from .navigation import nav_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_groups": []}
    scope = Scope.of(user)
    request.scope = scope  # type: ignore[attr-defined]
    return {"nav_groups": nav_for(scope), "scope": scope}
