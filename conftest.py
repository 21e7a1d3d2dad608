"""Shared fixtures: a small region tree and the departments/users the scope tests need, all
created through the real services so audit entries and validation run as in production."""

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
import time_machine

# Django models are imported inside the fixtures so that the draw engine's tests can run with
# pytest-django disabled (`make test-draw`: no Django, no database).

PASSWORD = "Test-Passw0rd!x"

# --- one clock for the whole suite ----------------------------------------------------------
#
# No test reads the real clock. Every test starts at the suite's moment, SUITE_NOW in Beijing
# time, and the clock ticks from there (durations and ordering still work). `make test-dates`
# runs the date-sensitive apps again with SUIJI_TEST_NOW moved (a weekday before a holiday,
# New Year's Eve before 08:00 — when the UTC date is still the day before —, and a day beyond
# the official holiday calendar), so a test that silently depends on one date fails there.
# A test whose scenario is fixed in time (a world "as of 2026-11-26") says so with
# `clock.move_to(...)`; fixtures build past events by moving the clock, not by rewriting rows.

BEIJING = ZoneInfo("Asia/Shanghai")
SUITE_NOW = "2026-11-26T10:00"  # a Thursday, an ordinary working day


def beijing(value: dt.date | dt.datetime | str, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware moment in Beijing time: a date (at `hour`:`minute`), an ISO string (date or
    date and time, read as Beijing time) or a datetime (naive = Beijing time)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, hour, minute, tzinfo=BEIJING)
    return value if value.tzinfo else value.replace(tzinfo=BEIJING)


def suite_now() -> dt.datetime:
    return beijing(os.environ.get("SUIJI_TEST_NOW") or SUITE_NOW)


class Clock:
    """The test's clock (time-machine). Destinations are given to time-machine in UTC, so the
    process time zone is not changed: code must use Django's TIME_ZONE, as in production."""

    def __init__(self, coordinates: time_machine.Traveller, start: dt.datetime) -> None:
        self._coordinates = coordinates
        self._back: list[dt.datetime] = []
        self.start = start

    def move_to(self, when: dt.date | dt.datetime | str, hour: int = 10, minute: int = 0):
        """Move the clock; as a context manager (`with clock.move_to(...)`) it comes back to
        where it was when the block ends."""
        self._back.append(dt.datetime.now(dt.UTC))
        self._coordinates.move_to(beijing(when, hour, minute).astimezone(dt.UTC))
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._coordinates.move_to(self._back.pop())

    def shift(self, **delta: float):
        self._coordinates.shift(dt.timedelta(**delta))
        return self

    def now(self) -> dt.datetime:
        return dt.datetime.now(BEIJING)

    def today(self) -> dt.date:
        return self.now().date()


@pytest.fixture(autouse=True)
def clock():
    start = suite_now()
    traveller = time_machine.travel(start.astimezone(dt.UTC), tick=True)
    coordinates = traveller.start()
    try:
        yield Clock(coordinates, start)
    finally:
        traveller.stop()


@pytest.fixture
def regions(db):
    from regions.models import Region, RegionLevel

    rows = [
        ("13", "河北省", RegionLevel.PROVINCE, None),
        ("1308", "承德市", RegionLevel.CITY, "13"),
        ("130827", "宽城满族自治县", RegionLevel.COUNTY, "1308"),
        ("130822", "兴隆县", RegionLevel.COUNTY, "1308"),
        ("130827100", "宽城镇", RegionLevel.TOWNSHIP, "130827"),
        ("11", "北京市", RegionLevel.PROVINCE, None),
    ]
    for code, name, level, parent in rows:
        Region.objects.create(code=code, name=name, level=level, parent_id=parent)
    return {code: Region.objects.get(code=code) for code, *_ in rows}


@pytest.fixture
def depts(regions):
    from accounts.models import DepartmentKind
    from accounts.services import department_create

    K = DepartmentKind
    spec = {
        "kc_office": ("130827", "宽城县双随机办", K.LEADING_OFFICE),
        "kc_market": ("130827", "宽城县市场监督管理局", K.MARKET),
        "kc_culture": ("130827", "宽城县旅游和文化广电局", K.CULTURE_TOURISM),
        "kc_justice": ("130827", "宽城县司法局", K.JUSTICE),
        "kc_town_market": ("130827100", "宽城镇市场监管所", K.MARKET),
        "cd_market": ("1308", "承德市市场监督管理局", K.MARKET),
        "cd_culture": ("1308", "承德市文化广电和旅游局", K.CULTURE_TOURISM),
        "xl_market": ("130822", "兴隆县市场监督管理局", K.MARKET),
    }
    return {
        key: department_create(actor=None, name=name, kind=kind, region=regions[code])
        for key, (code, name, kind) in spec.items()
    }


@pytest.fixture
def make_user(depts):
    from accounts.services import user_create

    def make(username, dept_key, *roles, **extra):
        return user_create(
            actor=None,
            username=username,
            full_name=extra.pop("full_name", username),
            department=depts[dept_key],
            roles=list(roles),
            password=PASSWORD,
            must_change_password=extra.pop("must_change_password", False),
            **extra,
        )

    return make


@pytest.fixture
def people(make_user):
    from accounts.models import Role

    R = Role
    return {
        "kc_admin": make_user("kc_admin", "kc_office", R.REGION_ADMIN),
        "kc_joint": make_user("kc_joint", "kc_office", R.JOINT_OFFICE),
        "kc_supervisor": make_user("kc_supervisor", "kc_justice", R.SUPERVISOR),
        "kc_market_admin": make_user(
            "kc_market_admin", "kc_market", R.DEPT_ADMIN, phone="13912345678"
        ),
        "kc_market_org": make_user("kc_market_org", "kc_market", R.ORGANIZER),
        "kc_market_insp": make_user(
            "kc_market_insp", "kc_market", R.INSPECTOR, phone="13800001111"
        ),
        "kc_culture_admin": make_user("kc_culture_admin", "kc_culture", R.DEPT_ADMIN),
        "kc_culture_insp": make_user("kc_culture_insp", "kc_culture", R.INSPECTOR),
        "town_market_admin": make_user("town_market_admin", "kc_town_market", R.DEPT_ADMIN),
        "cd_market_admin": make_user("cd_market_admin", "cd_market", R.DEPT_ADMIN),
        "cd_culture_admin": make_user("cd_culture_admin", "cd_culture", R.DEPT_ADMIN),
        "xl_market_admin": make_user("xl_market_admin", "xl_market", R.DEPT_ADMIN),
    }


# --- a small graded registry with inspectors (draw, planning and end-to-end tests) ------------


@pytest.fixture
def scheme(db):
    """The default Hebei A–E scheme. Seeded by registry migration 0004; transactional tests
    flush the tables afterwards, so it is re-seeded here from the same data when missing."""
    import importlib

    from registry.models import GradeLevel, GradingScheme

    if not GradingScheme.objects.filter(code="hebei-a-e").exists():
        seed = importlib.import_module("registry.migrations.0004_seed_grading_schemes")
        for code, name, authority, is_default, levels in seed.SCHEMES:
            scheme = GradingScheme.objects.create(
                code=code, name=name, authority=authority, is_default=is_default
            )
            for rank, (level_code, level_name) in enumerate(levels, start=1):
                GradeLevel.objects.create(
                    scheme=scheme, code=level_code, name=level_name, rank=rank
                )
    return GradingScheme.objects.get(code="hebei-a-e")


@pytest.fixture
def county(people, regions, depts, scheme):
    from inspectors.services import inspector_create
    from registry.identifiers import uscc_complete
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
            registered_on=dt.date(2020, 1, 1),
        )
        grade_assign(actor=org, entity=entity, level=levels[grade], valid_from=dt.date(2025, 1, 1))
        entities.append(entity)
    inspectors = []
    for n in range(6):
        inspectors.append(
            inspector_create(
                actor=None,
                department=depts["kc_market"],
                name=f"市场检查员{n}",
                certificate_no=f"130827201900{n:02d}",
                valid_from=dt.date(2019, 1, 1),
                valid_to=dt.date(2029, 12, 31),
                status_from=dt.date(2019, 1, 1),
            )
        )
    for n in range(4):
        inspectors.append(
            inspector_create(
                actor=None,
                department=depts["kc_culture"],
                name=f"文旅检查员{n}",
                certificate_no=f"130827202000{n:02d}",
                valid_from=dt.date(2020, 1, 1),
                valid_to=dt.date(2029, 12, 31),
                status_from=dt.date(2020, 1, 1),
            )
        )
    return {"entities": entities, "inspectors": inspectors}
