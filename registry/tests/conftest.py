"""Registry fixtures: more townships of 宽城, one of 兴隆, the tag library of seed 002, and
helpers to build entities through the services."""

import datetime as dt
from importlib import import_module

import pytest

from regions.models import Region, RegionLevel
from registry import services
from registry.identifiers import org_code_complete, reg_no_complete, uscc_complete
from registry.models import GradeLevel, GradingScheme, Tag, TagCategory


@pytest.fixture
def townships(regions):
    rows = [
        ("130827101", "龙须门镇", "130827"),
        ("130827102", "峪耳崖镇", "130827"),
        ("130822100", "兴隆镇", "130822"),
    ]
    for code, name, parent in rows:
        Region.objects.create(code=code, name=name, level=RegionLevel.TOWNSHIP, parent_id=parent)
    return {code: Region.objects.get(code=code) for code, *_ in rows}


@pytest.fixture
def tags(db):
    category = TagCategory.objects.create(code="business", name="经营业态", sort_order=1)
    names = {
        "netbar": "互联网上网服务营业场所",
        "entertainment": "娱乐场所",
        "cinema": "电影发行放映",
        "food": "食品经营",
    }
    return {
        code: Tag.objects.create(category=category, code=code, name=name)
        for code, name in names.items()
    }


def seed_schemes():
    """The schemes of migration 0004 (a transactional test's flush removes migrated rows)."""
    from django.apps import apps

    import_module("registry.migrations.0004_seed_grading_schemes").forward(apps, None)


@pytest.fixture
def hebei(db):
    seed_schemes()
    return GradingScheme.objects.get(code="hebei-a-e")


@pytest.fixture
def levels(hebei):
    return {level.code: level for level in GradeLevel.objects.filter(scheme=hebei)}


def make_uscc(serial: int, category: str = "91", county: str = "130827") -> str:
    return uscc_complete(category + county + org_code_complete(f"MA0{serial:05d}"))


def make_reg_no(serial: int, county: str = "130827", kind: str = "6") -> str:
    return reg_no_complete(county + kind + f"{serial:07d}")


@pytest.fixture
def entity_factory(people, townships):
    def make(serial=1, *, actor=None, region="130827101", **extra):
        extra.setdefault("uscc", make_uscc(serial))
        extra.setdefault("name", f"宽城县测试商贸有限公司{serial}")
        return services.entity_create(
            actor=actor or people["kc_market_admin"],
            region=Region.objects.get(code=region),
            **extra,
        )

    return make


D = dt.date
