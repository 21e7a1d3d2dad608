"""Reads of the registry, filtered by scope; grade/flag/complaint questions "as of a date".

Search is built for a million entities on SQLite and PostgreSQL alike:
- a name fragment of three or more characters goes through the trigram index of migration 0003
  (SQLite FTS5 `trigram`, PostgreSQL `pg_trgm` GIN); shorter fragments scan, bounded by LIMIT;
- a code (USCC or 注册号, whole or leading part) is a range on the unique B-tree indexes;
- the grade filter reads Entity.current_level (the default scheme's current grade, kept by the
  services and the importer); flags are IN the partial "current" index; tags are EXISTS probes;
- lists never count every row: `bounded_count` stops at COUNT_CAP and says "more than".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.http import Http404

from accounts.scope import Scope
from audit.models import AuditEntry
from core.models import ImportJob

from .models import (
    Complaint,
    Entity,
    EntityChange,
    EntityFlag,
    EntityGrade,
    EntityTag,
    GradeLevel,
    GradingScheme,
)

if TYPE_CHECKING:
    from accounts.models import User

COUNT_CAP = 10_000
_CODE = re.compile(r"[0-9A-Z]{6,18}")


def default_scheme() -> GradingScheme | None:
    return GradingScheme.objects.filter(is_default=True).first()


# --- scope -----------------------------------------------------------------------------------


def prefix_q(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, in a form each database answers from a B-tree index:
    a BINARY range on SQLite (its LIKE cannot use an ordinary index), LIKE 'x%' on PostgreSQL
    (served by the varchar_pattern_ops indexes of migration 0005 under any collation)."""
    if connection.vendor == "sqlite":
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})
    lookup = "region__code" if field == "region_id" else field  # FKs have no startswith
    return Q(**{f"{lookup}__startswith": prefix})


def scope_prefix_q(prefix: str) -> Q:
    """The scope's own region prefix. It covers most rows of a county's registry, so on SQLite
    it is written so that no index is used for it (SUBSTR(region_id, 1, n) = prefix): the
    planner then walks the primary key (ORDER BY id DESC LIMIT 51) or a selective filter's
    index instead of sorting the whole county. PostgreSQL's planner weighs LIKE by statistics."""
    if connection.vendor == "sqlite":
        return Q(
            Exact(Substr("region_id", 1, len(prefix)), Value(prefix)),
        )
    return Q(region__code__startswith=prefix)


def entities_visible(*, user: User) -> QuerySet[Entity]:
    """Entities of the user's region and below (the rule of Scope.regions_q)."""
    scope = Scope.of(user)
    if scope.is_platform_admin:
        return Entity.objects.all()
    if not scope.reaches("entity.view") or not scope.region_code:
        return Entity.objects.none()
    return Entity.objects.filter(scope_prefix_q(scope.region_code))


def entity_get_visible(*, user: User, pk: int) -> Entity:
    """The entity if `user` may see it, else 404 (existence is not revealed)."""
    entity = (
        entities_visible(user=user).select_related("region", "region__parent").filter(pk=pk).first()
    )
    if entity is None:
        raise Http404
    return entity


def can_manage(user: User, entity: Entity) -> bool:
    return Scope.of(user).role_for_region("entity.manage", entity.region_id) is not None


def can_see_personal(user: User, entity: Entity) -> bool:
    return Scope.of(user).role_for_region("entity.personal", entity.region_id) is not None


# --- search ----------------------------------------------------------------------------------


def name_fragment_q(fragment: str) -> Q:
    """Entities whose name contains `fragment`, through the trigram index when it can."""
    if len(fragment) >= 3 and connection.vendor == "sqlite":
        phrase = '"' + fragment.replace('"', '""') + '"'
        return Q(
            id__in=RawSQL(
                "SELECT rowid FROM registry_entity_fts WHERE registry_entity_fts MATCH %s",
                (phrase,),
            )
        )
    return Q(name__contains=fragment)


def code_q(code: str) -> Q:
    """A whole USCC / 注册号, or its leading part (a B-tree range, index-only on both DBs)."""
    if len(code) == 18:
        return Q(uscc=code)
    if len(code) == 15 and code.isdigit():
        return Q(reg_no=code) | prefix_q("uscc", code)
    if not code.isdigit() or len(code) > 15:  # cannot be (part of) a 注册号
        return prefix_q("uscc", code)
    return prefix_q("uscc", code) | prefix_q("reg_no", code)


def query_q(text: str) -> Q:
    text = text.strip()
    if not text:
        return Q()
    compact = re.sub(r"\s+", "", text).upper()
    if _CODE.fullmatch(compact) and sum(c.isdigit() for c in compact) >= 4:
        return code_q(compact)
    return name_fragment_q(text)


@dataclass
class EntityFilter:
    q: str = ""
    region: str = ""  # region code: that region and below
    industry: str = ""  # GB/T 4754 门类 letter
    status: str = ""
    entity_type: str = ""
    level: GradeLevel | None = None  # current grade under level.scheme
    flag: str = ""  # FlagKind with a current listing
    tags: tuple[int, ...] = ()  # entity carries every one of these tags


def entity_search(*, user: User, filters: EntityFilter | None = None) -> QuerySet[Entity]:
    f = filters or EntityFilter()
    entities = entities_visible(user=user)
    if f.q:
        entities = entities.filter(query_q(f.q))
    if f.region:
        if len(f.region) == 9:  # a township: equality, index-ordered by id
            entities = entities.filter(region_id=f.region)
        else:
            entities = entities.filter(prefix_q("region_id", f.region))
    if f.industry:
        entities = entities.filter(industry_code=f.industry)
    if f.status:
        entities = entities.filter(status=f.status)
    if f.entity_type:
        entities = entities.filter(entity_type=f.entity_type)
    # grade: the denormalised current level (indexes (current_level, id) and (region,
    # current_level, id)) when the level is of the default scheme, else the grade history;
    # flag: IN (the small partial "current" index of listings); tags: correlated EXISTS on the
    # unique (entity, tag) index — an IN would first collect every entity carrying the tag
    if f.level is not None:
        if f.level.scheme.is_default:
            entities = entities.filter(current_level=f.level)
        else:
            entities = entities.filter(
                pk__in=EntityGrade.objects.filter(level=f.level, valid_to__isnull=True).values(
                    "entity_id"
                )
            )
    if f.flag:
        entities = entities.filter(
            pk__in=EntityFlag.objects.filter(kind=f.flag, valid_to__isnull=True).values("entity_id")
        )
    for tag_id in f.tags:
        entities = entities.filter(
            Exists(EntityTag.objects.filter(entity_id=OuterRef("pk"), tag_id=tag_id))
        )
    compact = re.sub(r"\s+", "", f.q).upper()
    if (
        _CODE.fullmatch(compact)
        and len(compact) not in (15, 18)
        and not compact.isdigit()
        and sum(c.isdigit() for c in compact) >= 4
    ):
        # a partial USCC: list in code order, so the uscc index both filters and orders
        return entities.order_by("uscc", "id")
    return entities.order_by("-id")


def bounded_count(queryset: QuerySet[Any], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(number of rows, True if there are more than `cap`), counting at most cap + 1 rows."""
    n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


@dataclass
class Window:
    """One page of a list without counting the whole list."""

    rows: list[Any]
    number: int
    per_page: int
    has_next: bool
    count: int
    more: bool
    counted: bool = True

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def cheap_to_count(f: EntityFilter) -> bool:
    """False when counting even COUNT_CAP matches may scan the whole registry: a name fragment
    shorter than three characters (no trigram index) or a partial code (a wide range)."""
    text = re.sub(r"\s+", "", f.q).upper()
    if not text:
        return True
    if _CODE.fullmatch(text) and sum(c.isdigit() for c in text) >= 4:
        return len(text) in (15, 18)
    return len(f.q.strip()) >= 3


def window(
    queryset: QuerySet[Any], page: str | int | None, per_page: int = 50, *, count: bool = True
) -> Window:
    try:
        number = max(1, min(int(page or 1), 10_000))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    if count:
        total, more = bounded_count(queryset)
    else:  # "at least what this page shows"; the template says the total was not counted
        total, more = start + len(rows[:per_page]), True
    return Window(rows[:per_page], number, per_page, len(rows) > per_page, total, more, count)


def list_annotations(
    entities: Iterable[Entity], scheme: GradingScheme | None
) -> dict[int, dict[str, Any]]:
    """Current grade (default scheme), current flags and tag names of one page of entities."""
    ids = [e.pk for e in entities]
    info: dict[int, dict[str, Any]] = {pk: {"grade": None, "flags": [], "tags": []} for pk in ids}
    if scheme is not None:
        for entity_id, code in EntityGrade.objects.filter(
            entity_id__in=ids, scheme=scheme, valid_to__isnull=True
        ).values_list("entity_id", "level__code"):
            info[entity_id]["grade"] = code
    for flag in EntityFlag.objects.filter(entity_id__in=ids, valid_to__isnull=True):
        info[flag.entity_id]["flags"].append(flag.get_kind_display())
    for entity_id, name in EntityTag.objects.filter(entity_id__in=ids).values_list(
        "entity_id", "tag__name"
    ):
        info[entity_id]["tags"].append(name)
    return info


# --- as of a date ----------------------------------------------------------------------------


def _on(on: dt.date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))


def entity_grade_on(entity: Entity, scheme: GradingScheme, on: dt.date) -> GradeLevel | None:
    """The grade `entity` had under `scheme` on day `on` (None if it had none)."""
    grade = (
        EntityGrade.objects.filter(_on(on), entity=entity, scheme=scheme)
        .select_related("level")
        .first()
    )
    return grade.level if grade else None


def grades_on(entities: QuerySet[Entity], scheme: GradingScheme, on: dt.date) -> QuerySet[Any]:
    """(entity_id, level_id, level code, rank) for every entity of `entities` that had a grade
    under `scheme` on `on` — one query (a join on the grade history), for the draw freeze."""
    return (
        EntityGrade.objects.filter(_on(on), scheme=scheme, entity__in=entities.values("pk"))
        .order_by("entity_id")
        .values_list("entity_id", "level_id", "level__code", "level__rank")
    )


def with_grade_on(entities: QuerySet[Entity], scheme: GradingScheme, on: dt.date) -> QuerySet[Any]:
    """`entities` annotated with grade_code / grade_level_id as of `on` (NULL when ungraded)."""
    grade = EntityGrade.objects.filter(_on(on), entity=OuterRef("pk"), scheme=scheme)
    return entities.annotate(
        grade_code=Subquery(grade.values("level__code")[:1]),
        grade_level_id=Subquery(grade.values("level_id")[:1]),
    )


def flags_on(entity: Entity, on: dt.date) -> list[EntityFlag]:
    return list(EntityFlag.objects.filter(_on(on), entity=entity).order_by("kind"))


def flagged_on(entities: QuerySet[Entity], kind: str, on: dt.date) -> QuerySet[Entity]:
    """The entities of `entities` listed under `kind` on day `on`."""
    return entities.filter(
        Exists(EntityFlag.objects.filter(_on(on), entity=OuterRef("pk"), kind=kind))
    )


def complaint_counts(entities: QuerySet[Entity], start: dt.date, end: dt.date) -> dict[int, int]:
    """投诉举报次数 per entity for complaints received in [start, end] (both inclusive);
    entities without complaints are absent."""
    return dict(
        Complaint.objects.filter(
            entity__in=entities.values("pk"), received_on__gte=start, received_on__lte=end
        )
        .values("entity_id")
        .annotate(n=Count("id"))
        .values_list("entity_id", "n")
    )


# --- history ---------------------------------------------------------------------------------


@dataclass
class HistoryRow:
    at: dt.datetime
    action: str
    source: str
    who: str
    fields: list[str]
    reason: str
    before: Any
    after: Any
    import_job: ImportJob | None
    audit_seq: int | None


ACTION_LABELS = {
    "entity.create": "建档",
    "entity.update": "修改信息",
    "entity.tags": "调整标签",
    "entity.grade": "评定信用风险等级",
    "entity.flag_set": "列入名单",
    "entity.flag_clear": "移出名单",
    "entity.blacklist_add": "拉黑",
    "entity.blacklist_remove": "移出黑名单并重新评级",
    "entity.complaint": "登记投诉举报",
    "import.create": "批量导入（新增）",
    "import.update": "批量导入（更新）",
    "demo.create": "演示数据",
}


def entity_history(entity: Entity) -> list[HistoryRow]:
    """Everything that changed `entity`, newest first, with who/when from the audit log."""
    changes = list(
        EntityChange.objects.filter(entity=entity).select_related(
            "actor", "import_job", "import_job__uploaded_by"
        )
    )
    entries = {
        e.seq: e
        for e in AuditEntry.objects.filter(
            seq__in=[c.audit_seq for c in changes if c.audit_seq is not None]
        )
    }
    rows = []
    for change in changes:
        entry = entries.get(change.audit_seq) if change.audit_seq is not None else None
        if entry is not None:
            who = entry.actor_name or entry.actor_username
        elif change.import_job is not None:
            who = change.import_job.uploaded_by.display_name
        else:
            who = change.actor.display_name if change.actor else "系统"
        rows.append(
            HistoryRow(
                at=change.at,
                action=ACTION_LABELS.get(change.action, change.action),
                source=change.get_source_display(),
                who=who,
                fields=list(change.fields),
                reason=entry.reason if entry else "",
                before=entry.before if entry else None,
                after=entry.after if entry else None,
                import_job=change.import_job,
                audit_seq=change.audit_seq,
            )
        )
    return rows
