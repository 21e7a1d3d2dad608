"""The demo county: 宽城满族自治县 (130827), from seed 002's joint inspection of internet cafés,
entertainment venues and cinemas, plus its city (承德市) and a neighbouring county (兴隆县) so
that the scope rules (upper sees lower, siblings see nothing) can be tried by hand.

Loading is idempotent: existing departments and accounts are kept, and their passwords are not
changed. New accounts get random passwords that are printed once and kept in
var/demo-credentials.txt (readable by the owner only).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

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


# Each registry adds its demo data through a `demo_load(*, departments)` function returning a
# one-line Chinese summary; they run in this order after the departments and accounts exist.
DEMO_HOOKS = [
    "catalog.demo.demo_load",
    "registry.demo.demo_load",
    "inspectors.demo.demo_load",
    "planning.demo.demo_load",
    "inspections.demo.demo_load",
    "reports.demo.demo_load",
]


def credentials_file():
    return settings.VAR_DIR / "demo-credentials.txt"


@transaction.atomic
def demo_load() -> list[tuple[DemoUser, str | None]]:
    """Create what is missing of the demo county. Returns each demo user with its new password
    (None when the account already existed)."""
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
    """Load the registries' demo data (each hook is idempotent and runs in its transaction)."""
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
        summary = getattr(module, func_name)(departments=departments)
        stdout.write(f"{summary}\n")
