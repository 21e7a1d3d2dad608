from django.conf import settings as django_settings
from django.core.management import call_command

from accounts.models import Department, User
from audit.verification import chain_verify
from core.demo import DEPARTMENTS, USERS
from regions.services import regions_load


def test_demo_county_loads_idempotently(db, tmp_path, capsys, settings):
    settings.VAR_DIR = tmp_path
    regions_load(directory=django_settings.DIVISIONS_DIR, only_province="13")
    regions_load(directory=django_settings.DIVISIONS_DIR, only_province="46")
    call_command("load_demo")
    from inspectors.models import Inspector
    from planning.models import Draw, InspectionTask
    from registry.models import Entity

    assert Entity.objects.filter(region__code__startswith="130827").count() == 30000
    assert Inspector.objects.count() == 40
    # planning: the joint task (drawn) and a draft market task; inspections: the market 第三批 (drawn)
    assert InspectionTask.objects.count() == 3
    assert Draw.objects.filter(status="drawn").count() == 2
    drawn = Draw.objects.get(status="drawn", task__kind="joint")
    assert drawn.assignments.count() > 0
    assert drawn.groups.count() >= 1
    assert Department.objects.count() == len(DEPARTMENTS) == 10
    assert User.objects.count() == len(USERS) == 36
    credentials = (tmp_path / "demo-credentials.txt").read_text(encoding="utf-8").splitlines()
    assert len(credentials) == 36
    username, password = credentials[0].split("\t")[:2]
    assert User.objects.get(username=username).check_password(password)
    assert oct((tmp_path / "demo-credentials.txt").stat().st_mode)[-3:] == "600"
    call_command("load_demo")
    assert User.objects.count() == 36
    assert (tmp_path / "demo-credentials.txt").read_text(
        encoding="utf-8"
    ).splitlines() == credentials
    assert "新增账号 0 个" in capsys.readouterr().out
    assert chain_verify().ok
    kc = Department.objects.filter(region_id="130827")
    assert set(kc.values_list("short_name", flat=True)) >= {
        "县旅游和文化广电局",
        "县公安局",
        "县卫生健康局",
        "县市场监督管理局",
        "县消防救援大队",
        "县双随机办",
    }
