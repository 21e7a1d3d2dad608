from django.db.models import QuerySet

from .models import Region


def region_subtree(*, code: str) -> QuerySet[Region]:
    """The region with `code` and every region below it."""
    return Region.objects.filter(code__startswith=code)


def region_ancestors(*, region: Region) -> list[Region]:
    """From the province down to `region` itself."""
    chain = []
    node: Region | None = region
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))
