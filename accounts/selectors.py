"""Scoped reads of departments and users."""

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Department, User
from .scope import Scope


def department_list_visible(*, user: User) -> QuerySet[Department]:
    scope = Scope.of(user)
    return (
        Department.objects.filter(scope.departments_q("department.view", path=None))
        .select_related("region")
        .order_by("region_id", "name")
    )


def user_list_visible(
    *,
    user: User,
    query: str = "",
    department_id: int | None = None,
    role: str = "",
    active: bool | None = None,
) -> QuerySet[User]:
    scope = Scope.of(user)
    users = (
        User.objects.filter(scope.departments_q("user.view"))
        .select_related("department", "department__region")
        .prefetch_related("role_grants")
    )
    if query:
        users = users.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    if department_id:
        users = users.filter(department_id=department_id)
    if role:
        users = users.filter(role_grants__role=role)
    if active is not None:
        users = users.filter(is_active=active)
    return users.order_by("department__region_id", "department__name", "username").distinct()


def user_get_visible(*, user: User, pk: int) -> User:
    """The account `pk` if `user` may see it; otherwise 404, so existence is not revealed."""
    try:
        return user_list_visible(user=user).get(pk=pk)
    except User.DoesNotExist:
        raise Http404 from None
