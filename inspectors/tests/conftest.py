"""Fixtures for the inspectors tests: specialty tags and inspectors made through the services."""

import datetime as dt

import pytest
from stdnum.cn import ric

from inspectors import services
from registry.models import Tag, TagCategory

TODAY = dt.date(2026, 11, 26)


def id_number(prefix: str = "13082119850312", seq: str = "001") -> str:
    """A valid 居民身份证号码 (承德县 area code: stdnum has no 130827)."""
    body = prefix + seq
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def tags(db):
    specialty = TagCategory.objects.create(
        code="specialty", name="专业领域", applies_to_entities=False, applies_to_inspectors=True
    )
    industry = TagCategory.objects.create(code="industry", name="行业类别")
    return {
        "food": Tag.objects.create(category=specialty, code="SP-FOOD", name="食品安全"),
        "equipment": Tag.objects.create(category=specialty, code="SP-EQUIP", name="特种设备"),
        "fire": Tag.objects.create(category=specialty, code="SP-FIRE", name="消防安全"),
        "cafe": Tag.objects.create(category=industry, code="IND-CAFE", name="网吧"),
    }


@pytest.fixture
def make_inspector(depts):
    def make(number, dept_key="kc_market", *, actor=None, **extra):
        extra.setdefault("name", f"人员{number[-3:]}")
        extra.setdefault("status_from", dt.date(2026, 1, 1))
        return services.inspector_create(
            actor=actor, department=depts[dept_key], certificate_no=number, **extra
        )

    return make
