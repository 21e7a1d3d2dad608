from django.http import HttpRequest

from accounts.models import User


class AuthedRequest(HttpRequest):
    """A request that passed LoginRequiredMiddleware: `user` is a real account.

    Views that are not marked `login_not_required` take this type, so the type checker knows
    `request.user` is never AnonymousUser there.
    """

    user: User
