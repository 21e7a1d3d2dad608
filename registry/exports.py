"""Excel export of any filtered entity list (web page and `manage.py export_entities`).

Personal data: an export meant for the public (`public=True`) never carries phone or ID
columns and masks 个体工商户 operators' names; any other export shows them in full only for
the rows whose region the user holds `entity.personal` for, masked otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.scope import Scope
from core.masking import mask_id_number, mask_phone

from .models import INDUSTRY_SECTIONS, Entity, EntityGrade, EntityStatus, EntityType
from .selectors import default_scheme
from .services import mask_name

if TYPE_CHECKING:
    from accounts.models import User

PUBLIC_HEADERS = [
    "统一社会信用代码",
    "注册号",
    "名称",
    "主体类型",
    "行业",
    "法定代表人（经营者）",
    "住所（经营场所）",
    "所属区域",
    "成立日期",
    "登记状态",
    "信用等级",
]
FULL_HEADERS = [*PUBLIC_HEADERS[:6], "证件号码", "联系电话", *PUBLIC_HEADERS[6:]]
TYPE_LABELS = dict(EntityType.choices)
STATUS_LABELS = dict(EntityStatus.choices)


def export_table(
    *, user: User, entities: QuerySet[Entity], public: bool
) -> tuple[Sequence[str], Iterator[list[Any]]]:
    scope = Scope.of(user)
    scheme = default_scheme()
    personal_cache: dict[str, bool] = {}

    def entitled(region_code: str) -> bool:
        if public:
            return False
        if region_code not in personal_cache:
            personal_cache[region_code] = (
                scope.role_for_region("entity.personal", region_code) is not None
            )
        return personal_cache[region_code]

    if scheme is not None:
        entities = entities.annotate(
            grade_code=Subquery(
                EntityGrade.objects.filter(
                    entity=OuterRef("pk"), scheme=scheme, valid_to__isnull=True
                ).values("level__code")[:1]
            )
        )
    entities = entities.select_related("region")

    def rows() -> Iterator[list[Any]]:
        for e in entities.iterator(chunk_size=2000):
            full = entitled(e.region_id)
            representative = e.representative
            if not full and e.entity_type == EntityType.INDIVIDUAL:
                representative = mask_name(representative)
            industry = " ".join(
                p for p in (e.industry_code, INDUSTRY_SECTIONS.get(e.industry_code, "")) if p
            )
            if e.industry_detail:
                industry = f"{industry} / {e.industry_detail}" if industry else e.industry_detail
            head = [
                e.uscc,
                e.reg_no,
                e.name,
                TYPE_LABELS.get(e.entity_type, e.entity_type),
                industry,
                representative,
            ]
            tail = [
                e.address,
                e.region.name,
                e.registered_on,
                STATUS_LABELS.get(e.status, e.status),
                getattr(e, "grade_code", None) or "",
            ]
            if public:
                yield head + tail
            else:
                id_number = e.id_number if full else mask_id_number(e.id_number)
                phone = e.phone if full else mask_phone(e.phone)
                yield head + [id_number if e.id_number else "", phone if e.phone else ""] + tail

    return (PUBLIC_HEADERS if public else FULL_HEADERS), rows()
