"""Reads of the catalog, filtered by scope.

Published and superseded versions are public documents: every logged-in user reads them. Drafts
are read under catalog.view: department lists by their department, region lists by region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.scope import Scope

from .models import (
    Article,
    InspectionItem,
    ItemList,
    JointItem,
    LegalBasis,
    ListKind,
    ListVersion,
    Regulation,
    VersionStatus,
)

if TYPE_CHECKING:
    from accounts.models import User


def _draft_scope_q(scope: Scope, path: str) -> Q:
    """Lists (at `path`) whose drafts this scope may read."""
    prefix = f"{path}__" if path else ""
    return Q(**{f"{prefix}department__isnull": False}) & scope.departments_q(
        "catalog.view", path=f"{prefix}department"
    ) | Q(**{f"{prefix}department__isnull": True}) & scope.regions_q(
        "catalog.view", path=f"{prefix}region"
    )


def version_visible_q(user: User, path: str = "") -> Q:
    """Versions (at `path`) `user` may read."""
    prefix = f"{path}__" if path else ""
    scope = Scope.of(user)
    return ~Q(**{f"{prefix}status": VersionStatus.DRAFT}) | _draft_scope_q(
        scope, f"{prefix}item_list"
    )


def item_lists_visible(*, user: User, joint: bool = False, query: str = "") -> QuerySet[ItemList]:
    """Lists with a version the user may read, with counts of their versions."""
    visible = ListVersion.objects.filter(version_visible_q(user))
    lists = ItemList.objects.filter(versions__in=visible).distinct()
    lists = lists.filter(kind=ListKind.JOINT) if joint else lists.exclude(kind=ListKind.JOINT)
    if query:
        lists = lists.filter(
            Q(name__icontains=query)
            | Q(code__icontains=query)
            | Q(department__name__icontains=query)
            | Q(region__name__icontains=query)
        )
    return (
        lists.select_related("region", "department")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ListVersion.objects.filter(version_visible_q(user)).order_by("-number"),
                to_attr="visible_versions",
            )
        )
        .order_by("region_id", "kind", "name")
    )


def item_list_get(*, user: User, code: str) -> ItemList:
    try:
        return item_lists_visible(user=user).get(code=code)
    except ItemList.DoesNotExist:
        pass
    try:
        return item_lists_visible(user=user, joint=True).get(code=code)
    except ItemList.DoesNotExist:
        raise Http404 from None


def versions_of(*, user: User, item_list: ItemList) -> QuerySet[ListVersion]:
    return (
        item_list.versions.filter(version_visible_q(user))
        .select_related("created_by", "published_by")
        .annotate(item_count=Count("items", distinct=True), joint_count=Count("joint_items"))
        .order_by("-number")
    )


def version_get(*, user: User, pk: int) -> ListVersion:
    """The version if `user` may read it; otherwise 404 (a draft's existence is not revealed)."""
    version = (
        ListVersion.objects.filter(version_visible_q(user))
        .select_related("item_list", "item_list__department", "item_list__region")
        .filter(pk=pk)
        .first()
    )
    if version is None:
        raise Http404
    return version


def version_items(
    *,
    version: ListVersion,
    query: str = "",
    kind: str = "",
    method: str = "",
    department: str = "",
) -> QuerySet[InspectionItem]:
    items = version.items.all()
    if query:
        items = items.filter(
            Q(name__icontains=query)
            | Q(target__icontains=query)
            | Q(code__icontains=query)
            | Q(category__name__icontains=query)
            | Q(basis_text__icontains=query)
            | Q(content__icontains=query)
        )
    if kind:
        items = items.filter(kind=kind)
    if method:
        items = items.filter(methods__name=method)
    if department:
        items = items.filter(category__department_name=department)
    return (
        items.select_related("category")
        .prefetch_related(
            "methods",
            Prefetch("bases", queryset=LegalBasis.objects.select_related("regulation")),
        )
        .order_by("category__number", "position", "pk")
        .distinct()
    )


def version_joint_items(*, version: ListVersion, query: str = "") -> QuerySet[JointItem]:
    items = version.joint_items.all()
    if query:
        items = items.filter(
            Q(name__icontains=query)
            | Q(field__icontains=query)
            | Q(target__icontains=query)
            | Q(initiator_name__icontains=query)
            | Q(cooperator_names__icontains=query)
        )
    return items.prefetch_related(
        Prefetch("bases", queryset=LegalBasis.objects.select_related("regulation"))
    ).order_by("position", "pk")


def version_departments(*, version: ListVersion) -> list[str]:
    return list(
        version.categories.exclude(department_name="")
        .order_by("number")
        .values_list("department_name", flat=True)
        .distinct()
    )


def item_get(*, user: User, pk: int) -> InspectionItem:
    item = (
        InspectionItem.objects.filter(version_visible_q(user, "version"))
        .select_related("version", "version__item_list", "category")
        .prefetch_related(
            "methods", Prefetch("bases", queryset=LegalBasis.objects.select_related("regulation"))
        )
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    return item


def item_versions(*, user: User, item: InspectionItem) -> QuerySet[InspectionItem]:
    """The same item (by code) in the other versions of its list the user may read."""
    return (
        InspectionItem.objects.filter(version_visible_q(user, "version"))
        .filter(version__item_list_id=item.version.item_list_id, code=item.code)
        .select_related("version")
        .order_by("-version__number")
    )


# --- regulation library (public: every logged-in user) ---------------------------------------


def regulation_search(*, query: str = "", level: str = "") -> QuerySet[Regulation]:
    """Regulations whose name or any article text contains `query` (for inspectors citing a
    basis in a result as well as the library page)."""
    regulations = Regulation.objects.all()
    query = query.strip().strip("《》")
    if query:
        matching_articles = Article.objects.filter(text__icontains=query).values("regulation_id")
        regulations = regulations.filter(
            Q(title__icontains=query)
            | Q(short_title__icontains=query)
            | Q(doc_number__icontains=query)
            | Q(pk__in=matching_articles)
        )
    if level:
        regulations = regulations.filter(level=level)
    return regulations.annotate(
        article_count=Count("articles", distinct=True), basis_count=Count("bases", distinct=True)
    ).order_by("short_title")


def regulation_get(*, pk: int) -> Regulation:
    regulation = Regulation.objects.filter(pk=pk).first()
    if regulation is None:
        raise Http404
    return regulation


def article_search(*, regulation: Regulation, query: str = "") -> QuerySet[Article]:
    articles = regulation.articles.all()
    if query:
        articles = articles.filter(text__icontains=query)
    return articles


def article_get(*, ref: str) -> Article:
    """The article referenced as "<regulation id>:<article number>" (Article.ref) — the stable
    reference inspection results store."""
    try:
        regulation_id, number = (int(part) for part in ref.split(":"))
    except ValueError:
        raise Http404 from None
    article = (
        Article.objects.filter(regulation_id=regulation_id, number=number)
        .select_related("regulation")
        .first()
    )
    if article is None:
        raise Http404
    return article


def basis_articles(basis: LegalBasis) -> list[Article]:
    """The library's text of the articles a basis cites (those present in the library)."""
    if basis.regulation_id is None or not basis.article_numbers:
        return []
    found = {
        a.number: a
        for a in Article.objects.filter(
            regulation_id=basis.regulation_id, number__in=basis.article_numbers
        )
    }
    return [found[n] for n in basis.article_numbers if n in found]


def regulation_citations(*, user: User, regulation: Regulation) -> QuerySet[InspectionItem]:
    """Items (in versions the user may read) citing the regulation."""
    return (
        InspectionItem.objects.filter(version_visible_q(user, "version"))
        .filter(bases__regulation=regulation)
        .exclude(version__status=VersionStatus.SUPERSEDED)
        .select_related("version", "version__item_list")
        .distinct()
        .order_by("version__item_list__name", "code")
    )
