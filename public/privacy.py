"""What of an entity may be shown to the public.

Public pages show the registered name, the USCC / 注册号, the type and the region — the fields of
the 国家企业信用信息公示系统 — and nothing about natural persons: never the legal representative
or operator (`representative`), the ID number, the phone or the address.

An 个体工商户 may be registered without a 字号, and registries then often hold the operator's
own name as the entity name (or the name with a suffix, "张三（个体工商户）", "张三小吃部"). Such a
name is personal data of the operator, so the operator's name is masked wherever it appears
in the entity name (surname kept, registry.services.mask_name); a bare personal-looking name
(two to four Chinese characters, no business word) of an 个体工商户 is masked as well even when
the registry does not record the operator. Names of enterprises are shown as registered.
"""

from __future__ import annotations

import re
from typing import Protocol

from registry.models import EntityType
from registry.services import mask_name

# Fields of registry.Entity a public query may load (`representative` only to mask it).
ENTITY_FIELDS = ("id", "uscc", "reg_no", "name", "entity_type", "region_id", "representative")

_BARE_PERSON = re.compile(r"[\u4e00-\u9fff·]{2,4}")
_BUSINESS_WORDS = (
    "店",
    "部",
    "行",
    "馆",
    "厂",
    "场",
    "社",
    "坊",
    "铺",
    "站",
    "所",
    "中心",
    "公司",
    "超市",
    "餐",
    "吧",
    "园",
    "厅",
    "室",
    "院",
    "堂",
    "庄",
    "屋",
    "居",
    "楼",
    "城",
    "家",
)


class _EntityLike(Protocol):
    name: str
    entity_type: str
    representative: str


def public_name(entity: _EntityLike) -> str:
    """The entity's name as the public may see it."""
    name = (entity.name or "").strip()
    if entity.entity_type != EntityType.INDIVIDUAL:
        return name
    operator = (entity.representative or "").strip()
    if operator and operator in name:
        return name.replace(operator, mask_name(operator))
    if _BARE_PERSON.fullmatch(name) and not any(w in name for w in _BUSINESS_WORDS):
        return mask_name(name)
    return name


def public_key_label(uscc: str, reg_no: str) -> str:
    return "统一社会信用代码" if uscc else "注册号"
