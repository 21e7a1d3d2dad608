"""The demo county: 宽城满族自治县 (130827), from seed 002's joint inspection of internet cafés,
entertainment venues and cinemas, plus its city (承德市) and a neighbouring county (兴隆县) so
that the scope rules (upper sees lower, siblings see nothing) can be tried by hand.

Loading is idempotent: existing departments and accounts are kept, and their passwords are not
changed. New accounts get random passwords that are printed once and kept in
var/demo-credentials.txt (readable by the owner only).
"""

import contextlib
import contextvars
import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass

import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Department, DepartmentKind, Role, User
from accounts.services import department_create, generate_password, user_create
from regions.models import Region

K = DepartmentKind
R = Role

DEPARTMENTS: list[tuple[str, str, str, str]] = [
    # region code, name, short name, kind
    (
        "130827",
        "宽城满族自治县双随机、一公开监管工作领导小组办公室",
        "县双随机办",
        K.LEADING_OFFICE,
    ),
    ("130827", "宽城满族自治县旅游和文化广电局", "县旅游和文化广电局", K.CULTURE_TOURISM),
    ("130827", "宽城满族自治县公安局", "县公安局", K.PUBLIC_SECURITY),
    ("130827", "宽城满族自治县卫生健康局", "县卫生健康局", K.HEALTH),
    ("130827", "宽城满族自治县市场监督管理局", "县市场监督管理局", K.MARKET),
    ("130827", "宽城满族自治县消防救援大队", "县消防救援大队", K.FIRE),
    ("130827", "宽城满族自治县司法局", "县司法局", K.JUSTICE),
    ("1308", "承德市双随机、一公开监管工作领导小组办公室", "市双随机办", K.LEADING_OFFICE),
    ("1308", "承德市市场监督管理局", "市市场监督管理局", K.MARKET),
    ("130822", "兴隆县市场监督管理局", "兴隆县市场监督管理局", K.MARKET),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    department: str
    roles: tuple[str, ...]


USERS: list[DemoUser] = [
    DemoUser(
        "kc.admin",
        "周建国",
        "宽城满族自治县双随机、一公开监管工作领导小组办公室",
        (R.REGION_ADMIN,),
    ),
    DemoUser(
        "kc.joint",
        "刘晓梅",
        "宽城满族自治县双随机、一公开监管工作领导小组办公室",
        (R.JOINT_OFFICE,),
    ),
    DemoUser("kc.supervisor", "韩立新", "宽城满族自治县司法局", (R.SUPERVISOR,)),
]
_PEOPLE = {
    "wl": (
        "宽城满族自治县旅游和文化广电局",
        ["孙丽娟", "赵志强", "高明", "王海燕", "李春生", "陈雪"],
    ),
    "ga": ("宽城满族自治县公安局", ["马国庆", "张立军", "何亮", "杨帆", "郭建华", "吴桐"]),
    "wj": ("宽城满族自治县卫生健康局", ["林芳", "徐志刚", "罗静", "宋磊", "唐敏", "许文博"]),
    "sj": ("宽城满族自治县市场监督管理局", ["郑丽", "王建军", "冯博", "曹雪梅", "彭涛", "董雅琴"]),
    "xf": ("宽城满族自治县消防救援大队", ["田野", "袁野", "邓超", "蒋伟", "沈冰", "韩梅"]),
}
for _abbr, (_dept, _names) in _PEOPLE.items():
    USERS += [
        DemoUser(f"kc.{_abbr}.admin", _names[0], _dept, (R.DEPT_ADMIN,)),
        DemoUser(f"kc.{_abbr}.organizer", _names[1], _dept, (R.ORGANIZER,)),
        DemoUser(f"kc.{_abbr}.reviewer", _names[2], _dept, (R.REVIEWER,)),
    ] + [
        DemoUser(f"kc.{_abbr}.inspector{i}", name, _dept, (R.INSPECTOR,))
        for i, name in enumerate(_names[3:], start=1)
    ]
USERS += [
    DemoUser(
        "cd.admin", "承德市管理员", "承德市双随机、一公开监管工作领导小组办公室", (R.REGION_ADMIN,)
    ),
    DemoUser("cd.sj.organizer", "宋建平", "承德市市场监督管理局", (R.ORGANIZER, R.DEPT_ADMIN)),
    DemoUser("xl.sj.admin", "兴隆县管理员", "兴隆县市场监督管理局", (R.DEPT_ADMIN, R.ORGANIZER)),
]


# --- the demo's history ----------------------------------------------------------------------
#
# The demo is a county's last seven weeks, ending on the day it is loaded, so it reads true on
# any day: the accounts, item lists and registries are set up HISTORY_DAYS ago, the market
# bureau's 第三批 is drawn about six weeks ago and inspected and published in the weeks after,
# and the joint task is drawn today. Each step runs through the real services with the process
# clock moved to its moment (time-machine), so every record and every audit entry carries the
# time it would have had, and the audit log stays in time order.

HISTORY_DAYS = 49
_current: contextvars.ContextVar["DemoClock | None"] = contextvars.ContextVar(
    "suiji_demo_clock", default=None
)


def demo_today() -> dt.date:
    """The day the demo is loaded ("today" of its history), also while the clock is moved back."""
    clock = _current.get()
    return clock.today if clock is not None else timezone.localdate()


def moment(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """`day` at `hour`:`minute`, in the platform's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class DemoClock:
    """Moves the process clock through the demo's history, only ever forwards, so records and
    audit entries are in time order."""

    def __init__(self, traveller: time_machine.Traveller, present: dt.datetime) -> None:
        self._traveller = traveller
        self._present = present  # the time when the history began to be written
        self._started = time.monotonic()
        self.today = timezone.localdate(present)

    def _move(self, when: dt.datetime) -> dt.datetime:
        if when > timezone.now():
            self._traveller.move_to(when.astimezone(dt.UTC))
        return timezone.now()

    def at(self, day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
        """Move on to `day` at `hour`:`minute`; a step written out of order is a bug in the demo
        (its records would be dated wrongly), so moving back to an earlier day is refused; later
        on the same day, the clock stays where it is."""
        if day < timezone.localdate():
            raise RuntimeError(f"演示数据的时间顺序有误：{day.isoformat()} 早于当前步骤的日期")
        return self._move(moment(day, hour, minute))

    def present(self) -> dt.datetime:
        """Back to the present (the history ends when it is loaded)."""
        return self._move(self._present + dt.timedelta(seconds=time.monotonic() - self._started))


@contextlib.contextmanager
def demo_history(start: dt.datetime | None = None) -> Iterator[DemoClock]:
    """Run the block in the demo's history, the clock at `start` (default: the history's first
    day, 09:00). Nested blocks share the outer history and move its clock forward only; the
    clock returns to the present when the outermost block ends."""
    clock = _current.get()
    if clock is not None:
        if start is not None:
            clock._move(start)
        yield clock
        return
    present = timezone.now()
    start = start or moment(timezone.localdate(present) - dt.timedelta(days=HISTORY_DAYS))
    with time_machine.travel(start.astimezone(dt.UTC), tick=True) as traveller:
        clock = DemoClock(traveller, present)
        token = _current.set(clock)
        try:
            yield clock
        finally:
            _current.reset(token)


# Each registry adds its demo data through a `demo_load(*, departments)` function returning a
# one-line Chinese summary; they run in this order after the departments and accounts exist.
# The first three set up the county at the start of the history; the 第三批 moves the clock
# through its own weeks; the joint task and the monthly reports are made today.
SETUP_HOOKS = [
    "catalog.demo.demo_load",
    "registry.demo.demo_load",
    "inspectors.demo.demo_load",
]
TODAY_HOOKS = [
    "planning.demo.demo_load",
    "reports.demo.demo_load",
]
DEMO_HOOKS = [*SETUP_HOOKS, "inspections.demo.demo_load", *TODAY_HOOKS]


def credentials_file():
    return settings.VAR_DIR / "demo-credentials.txt"


def demo_load() -> list[tuple[DemoUser, str | None]]:
    """Create what is missing of the demo county, at the start of the demo's history. Returns
    each demo user with its new password (None when the account already existed)."""
    with demo_history():
        return _accounts_load()


@transaction.atomic
def _accounts_load() -> list[tuple[DemoUser, str | None]]:
    if not Region.objects.filter(code="130827").exists():
        raise RuntimeError("先运行 manage.py load_regions 载入行政区划")
    departments = {}
    for region_code, name, short_name, kind in DEPARTMENTS:
        department = Department.objects.filter(region_id=region_code, name=name).first()
        if department is None:
            department = department_create(
                actor=None,
                name=name,
                short_name=short_name,
                kind=kind,
                region=Region.objects.get(code=region_code),
            )
        departments[name] = department
    created: list[tuple[DemoUser, str | None]] = []
    for demo in USERS:
        if User.objects.filter(username=demo.username).exists():
            created.append((demo, None))
            continue
        password = generate_password()
        user_create(
            actor=None,
            username=demo.username,
            full_name=demo.full_name,
            department=departments[demo.department],
            roles=list(demo.roles),
            password=password,
            must_change_password=False,
        )
        created.append((demo, password))
    return created


def demo_hooks_run(stdout) -> None:
    """Load the registries' demo data (each hook is idempotent and runs in its transaction).
    Call it inside the same `demo_history()` block as `demo_load()` (as load_demo does)."""
    import importlib

    departments = {d.name: d for d in Department.objects.filter(region__code__startswith="1308")}
    for dotted in DEMO_HOOKS:
        module_name, func_name = dotted.rsplit(".", 1)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # that registry is not built yet
            raise
        with demo_history() as clock:
            if dotted in TODAY_HOOKS:  # (the 第三批 moves the clock itself)
                clock.present()
            summary = getattr(module, func_name)(departments=departments)
        stdout.write(f"{summary}\n")
