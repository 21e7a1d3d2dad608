"""A small county registry for draw tests: 60 graded entities, inspectors in two departments."""

import datetime as dt

import pytest

from registry.identifiers import uscc_complete

D = dt.date


@pytest.fixture
def scheme(db):
    from registry.models import GradingScheme

    return GradingScheme.objects.get(code="hebei-a-e")


@pytest.fixture
def county(people, regions, depts, scheme):
    from inspectors.services import inspector_create
    from registry.services import entity_create, grade_assign

    org = people["kc_market_org"]
    levels = {lvl.code: lvl for lvl in scheme.levels.all()}
    grades = "A" * 20 + "B" * 20 + "C" * 10 + "D" * 6 + "E" * 4
    entities = []
    for n, grade in enumerate(grades):
        entity = entity_create(
            actor=org,
            name=f"宽城县测试商店{n:02d}",
            region=regions["130827100"],
            uscc=uscc_complete(f"92130827MA{n:07d}"),
            registered_on=D(2020, 1, 1),
        )
        grade_assign(actor=org, entity=entity, level=levels[grade], valid_from=D(2025, 1, 1))
        entities.append(entity)
    inspectors = []
    for n in range(6):
        inspectors.append(
            inspector_create(
                actor=None,
                department=depts["kc_market"],
                name=f"市场检查员{n}",
                certificate_no=f"130827201900{n:02d}",
                valid_from=D(2019, 1, 1),
                valid_to=D(2029, 12, 31),
                status_from=D(2019, 1, 1),
            )
        )
    for n in range(4):
        inspectors.append(
            inspector_create(
                actor=None,
                department=depts["kc_culture"],
                name=f"文旅检查员{n}",
                certificate_no=f"130827202000{n:02d}",
                valid_from=D(2020, 1, 1),
                valid_to=D(2029, 12, 31),
                status_from=D(2020, 1, 1),
            )
        )
    return {"entities": entities, "inspectors": inspectors}
