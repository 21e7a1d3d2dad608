"""The 检查结果 code sets seeded as data (docs: domain reference §1.3).

- ``samr``: the current (post-2017) set used by the 国家企业信用信息公示系统 feeds (codes as in the
  Zhejiang system; several codes may apply to one result).
- ``legacy2014``: the 2014–2016 企业公示信息抽查 set, still used by many county systems (the six
  categories of the vendor manuals plus the three closing states).

`seed_category_sets` is idempotent: the data migration calls it, and so do services when the
tables were emptied (tests that flush the database).
"""

from __future__ import annotations

from typing import Any

K_PASS, K_PROBLEM, K_UNREACHABLE, K_UNCOOP, K_NOACT, K_TERM = (
    "pass",
    "problem",
    "unreachable",
    "uncooperative",
    "no_activity",
    "terminated",
)

SETS: list[dict[str, Any]] = [
    {
        "code": "samr",
        "name": "市场监管总局现行检查结果代码",
        "source": "国家企业信用信息公示系统“双随机、一公开”数据（浙江实现，2017 年后）",
        "is_default": True,
        "categories": [
            ("1", "未发现问题", "", K_PASS),
            ("A", "发现问题待后续处理", "", K_PROBLEM),
            ("B", "未按规定公示应当公示的信息", "A", K_PROBLEM),
            ("C", "公示信息隐瞒真实情况弄虚作假", "A", K_PROBLEM),
            ("6", "通过登记的住所（经营场所）无法联系", "A", K_UNREACHABLE),
            ("D", "违反其他工商行政管理规定行为", "A", K_PROBLEM),
            ("3", "违反食品药品管理相关规定", "A", K_PROBLEM),
            ("4", "违反质量技术监督相关规定", "A", K_PROBLEM),
            ("5", "违反其他部门相关规定", "A", K_PROBLEM),
            ("G", "违反公安部门相关规定", "A", K_PROBLEM),
            ("E", "发现问题经责令已改正", "", K_PROBLEM),
            ("F", "未发现开展本次抽查涉及的经营活动", "", K_NOACT),
            ("7", "已关闭停业或正在组织清算", "", K_NOACT),
            ("8", "不配合检查情节严重", "", K_UNCOOP),
            ("9", "注销", "", K_TERM),
            ("10", "被吊销", "", K_TERM),
            ("11", "被撤销", "", K_TERM),
            ("12", "迁出", "", K_TERM),
        ],
    },
    {
        "code": "legacy2014",
        "name": "公示信息抽查结果代码（2014—2016 年）",
        "source": "企业公示信息抽查（scType=1），各地旧系统沿用",
        "is_default": False,
        "categories": [
            ("L1", "正常（符合信息公示相关规定）", "", K_PASS),
            ("L2", "未按规定公示即时信息", "", K_PROBLEM),
            ("L3", "未按规定公示年报信息", "", K_PROBLEM),
            ("L4", "通过登记的住所（经营场所）无法联系", "", K_UNREACHABLE),
            ("L5", "公示信息隐瞒真实情况、弄虚作假", "", K_PROBLEM),
            ("L6", "不予配合情节严重", "", K_UNCOOP),
            ("L7", "已办理营业执照注销", "", K_TERM),
            ("L8", "被吊销营业执照", "", K_TERM),
            ("L9", "被撤销登记", "", K_TERM),
        ],
    },
]


def seed_category_sets(set_model: Any = None, category_model: Any = None) -> None:
    """Create the seeded sets and categories that are missing (models are passed in by the
    migration; the current models are used otherwise)."""
    if set_model is None or category_model is None:
        from .models import ResultCategory, ResultCategorySet

        set_model, category_model = ResultCategorySet, ResultCategory
    for spec in SETS:
        category_set, _ = set_model.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "source": spec["source"],
                "is_default": spec["is_default"],
            },
        )
        for position, (code, label, parent, kind) in enumerate(spec["categories"], start=1):
            category_model.objects.get_or_create(
                category_set=category_set,
                code=code,
                defaults={
                    "label": label,
                    "parent_code": parent,
                    "kind": kind,
                    "position": position,
                },
            )
