"""From a task to a certified draw: preview, commit, ceremony, draw, standalone verification,
void and re-draw. Denials assert that nothing changed."""

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from planning import services
from planning.models import Assignment, Draw, DrawStatus, GroupMember, TaskKind, TaskStatus
from planning.selectors import task_preview

D = dt.date
AS_OF = D(2026, 11, 26)
VERIFY = Path(__file__).resolve().parents[2] / "draw" / "verify.py"


@pytest.fixture
def task(people, depts, county, scheme):
    task = services.task_create(
        actor=people["kc_market_org"],
        lead_department=depts["kc_market"],
        name="2026年网吧专项抽查",
        kind=TaskKind.SINGLE,
        window_start=D(2026, 12, 1),
        window_end=D(2026, 12, 31),
        grading_scheme=scheme,
        inspectors_per_group=2,
    )
    services.task_strata_set(
        actor=people["kc_market_org"],
        task=task,
        rules=[
            ("A", False, 1000, None),
            ("B", False, 1000, None),
            ("C", False, 2000, None),
            ("D", False, 5000, None),
            ("E", False, None, 4),
        ],
    )
    return task


WITNESSES = [
    services.WitnessInput("王公证", "notary", "宽城县公证处"),
    services.WitnessInput("李监督", "supervisor", "县司法局"),
]


def run_ceremony(org, task):
    draw = services.draw_commit(actor=org, task=task, witnesses=WITNESSES, as_of=AS_OF)
    for witness, digits in zip(draw.witnesses.order_by("id"), ["315264", "642153"], strict=True):
        services.draw_witness_digits(actor=org, draw=draw, witness=witness, digits=digits)
    return services.draw_run(actor=org, draw=draw)


def test_preview_counts_strata_and_pools(task):
    preview = task_preview(task=task, as_of=AS_OF)
    assert preview.error == ""
    assert [(s.key, s.population, s.k) for s in preview.strata] == [
        ("A", 20, 2),
        ("B", 20, 2),
        ("C", 10, 2),
        ("D", 6, 3),
        ("E", 4, 4),
    ]
    assert preview.total_k == 13
    assert [(p.code, p.eligible, p.per_group) for p in preview.pools] == [("130827-market", 6, 2)]
    assert preview.group_count == 3


def test_preview_explains_missing_quotas_and_short_pools(people, task):
    services.task_strata_set(
        actor=people["kc_market_org"], task=task, rules=[("A", False, 500, None)]
    )
    preview = task_preview(task=task, as_of=AS_OF)
    assert preview.error == "以下分层有候选对象但没有设置抽查比例或数量：B 级、C 级、D 级、E 级。"


def test_the_whole_ceremony_produces_a_certificate_anyone_can_verify(people, task, tmp_path):
    org = people["kc_market_org"]
    draw = run_ceremony(org, task)
    assert draw.status == DrawStatus.DRAWN
    task.refresh_from_db()
    assert task.status == TaskStatus.DRAWN
    assignments = Assignment.objects.filter(draw=draw)
    assert assignments.count() == 13
    by_stratum: dict[str, int] = {}
    for a in assignments:
        by_stratum[a.stratum] = by_stratum.get(a.stratum, 0) + 1
    assert by_stratum == {"A": 2, "B": 2, "C": 2, "D": 3, "E": 4}
    for group in draw.groups.all():
        members = list(group.members.all())
        assert len(members) == 2
        assert members[0].is_leader and members[0].inspector == group.leader
    # The certificate verifies with the standalone verifier, copied out of the project.
    doc = json.loads(draw.certificate_json)
    assert doc["seed"] == draw.seed
    out = tmp_path / "public"
    shutil.copytree(
        Path(
            draw.files_dir
            if Path(draw.files_dir).is_absolute()
            else Path(__import__("django.conf").conf.settings.MEDIA_ROOT) / draw.files_dir
        ),
        out,
    )
    shutil.copy(VERIFY, tmp_path / "verify.py")
    result = subprocess.run(
        [sys.executable, str(tmp_path / "verify.py"), str(out / "certificate.json"), str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    actions = list(
        AuditEntry.objects.filter(object_type="planning.draw")
        .values_list("action", flat=True)
        .order_by("seq")
    )
    assert actions == ["draw.commit", "draw.witness_digits", "draw.witness_digits", "draw.run"]


def test_commitment_records_the_audit_head_and_hides_the_nonce(people, task):
    org = people["kc_market_org"]
    before = AuditEntry.objects.order_by("-seq").first()
    draw = services.draw_commit(actor=org, task=task, witnesses=WITNESSES, as_of=AS_OF)
    manifest = json.loads(draw.manifest_json)
    assert manifest["audit_chain_head"] == f"{before.seq}:{before.entry_hash}"
    assert draw.server_nonce not in draw.manifest_json
    assert manifest["entropy"]["witness"]["parties"] == ["王公证", "李监督"]
    assert manifest["strata"]["E"] == {"population": 4, "k": 4, "reserve": 0}


def test_a_committed_task_cannot_be_changed(people, task):
    org = people["kc_market_org"]
    services.draw_commit(actor=org, task=task, witnesses=WITNESSES, as_of=AS_OF)
    task.refresh_from_db()
    with pytest.raises(ValidationError, match="任务已冻结承诺"):
        services.task_strata_set(actor=org, task=task, rules=[("A", False, 10000, None)])
    assert [r.ratio_bp for r in task.strata.order_by("grade")] == [1000, 1000, 2000, 5000, None]
    with pytest.raises(ValidationError, match="不能再次冻结"):
        services.draw_commit(actor=org, task=task, witnesses=WITNESSES, as_of=AS_OF)
    assert Draw.objects.count() == 1


def test_draw_waits_for_every_witness_and_digits_are_entered_once(people, task):
    org = people["kc_market_org"]
    draw = services.draw_commit(actor=org, task=task, witnesses=WITNESSES, as_of=AS_OF)
    first, second = draw.witnesses.order_by("id")
    services.draw_witness_digits(actor=org, draw=draw, witness=first, digits="1 2 3 4 5 6")
    with pytest.raises(ValidationError, match="李监督"):
        services.draw_run(actor=org, draw=draw)
    with pytest.raises(ValidationError, match="已录入，不能修改"):
        services.draw_witness_digits(actor=org, draw=draw, witness=first, digits="666666")
    first.refresh_from_db()
    assert first.digits == "123456"
    with pytest.raises(ValidationError, match="至少录入 6 位"):
        services.draw_witness_digits(actor=org, draw=draw, witness=second, digits="12")
    with pytest.raises(ValidationError, match="只能录入数字"):
        services.draw_witness_digits(actor=org, draw=draw, witness=second, digits="12345x")


def test_one_witness_is_not_enough(people, task):
    with pytest.raises(ValidationError, match="至少有 2 名见证人"):
        services.draw_commit(
            actor=people["kc_market_org"], task=task, witnesses=WITNESSES[:1], as_of=AS_OF
        )
    assert Draw.objects.count() == 0


def test_void_needs_another_authorised_person_and_the_redraw_links_back(people, task):
    org, admin = people["kc_market_org"], people["kc_market_admin"]
    draw = run_ceremony(org, task)
    with pytest.raises(PermissionDenied):
        services.draw_void(actor=org, draw=draw, reason="data_error", detail="想换一批")
    with pytest.raises(PermissionDenied):
        services.draw_void(
            actor=people["cd_market_admin"],
            draw=draw,
            reason="data_error",
            detail="上级不能作废下级",
        )
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    voided = services.draw_void(
        actor=admin, draw=draw, reason="data_error", detail="名录库中 3 户已注销未同步"
    )
    assert voided.status == DrawStatus.VOIDED
    assert set(voided.assignments.values_list("status", flat=True)) == {"voided"}
    assert json.loads(voided.certificate_json)["events"][-1]["type"] == "void"
    task.refresh_from_db()
    assert task.status == TaskStatus.DRAFT
    again = run_ceremony(org, task)
    assert again.supersedes == voided
    assert again.sequence == 2 and again.draw_id.endswith("-D2")
    manifest = json.loads(again.manifest_json)
    assert manifest["supersedes"]["reason"] == "data_error"
    import draw as engine

    assert manifest["supersedes"]["draw_sha256"] == engine.draw_sha256(
        json.loads(voided.certificate_json)
    )


def test_yearly_cap_excludes_entities_already_inspected_twice(people, task, county, scheme, depts):
    org = people["kc_market_org"]
    first = run_ceremony(org, task)
    selected = set(first.assignments.values_list("entity_id", flat=True))
    second_task = services.task_create(
        actor=org,
        lead_department=depts["kc_market"],
        name="第二次",
        kind=TaskKind.SINGLE,
        window_start=D(2026, 12, 1),
        window_end=D(2026, 12, 31),
        grading_scheme=scheme,
    )
    services.task_strata_set(
        actor=org, task=second_task, rules=[(g, False, 10000, None) for g in "ABCDE"]
    )
    second_task.yearly_cap = 1
    second_task.save()
    preview = task_preview(task=second_task, as_of=AS_OF)
    assert preview.capped == 13
    assert sum(s.population for s in preview.strata) == 60 - 13
    from planning.draw_bridge import build_inputs

    inputs = build_inputs(second_task, as_of=AS_OF, draw_id="x", frozen_at="2026-11-26T00:00:00Z")
    capped = {inputs.entity_ids[c.uscc] for c in inputs.candidates if c.inspections_this_year}
    assert capped == selected
    assert GroupMember.objects.count() == 3 * 2


def test_other_departments_cannot_run_or_see_the_draw(client, people, task):
    from django.urls import reverse  # noqa: F401

    with pytest.raises(PermissionDenied):
        services.draw_commit(
            actor=people["kc_culture_admin"], task=task, witnesses=WITNESSES, as_of=AS_OF
        )
    with pytest.raises(PermissionDenied):
        services.draw_commit(
            actor=people["cd_market_admin"], task=task, witnesses=WITNESSES, as_of=AS_OF
        )
    assert Draw.objects.count() == 0
    from planning.selectors import task_list_visible

    assert list(task_list_visible(user=people["kc_culture_admin"])) == []
    assert list(task_list_visible(user=people["xl_market_admin"])) == []
    assert list(task_list_visible(user=people["cd_market_admin"])) == [task]
    assert list(task_list_visible(user=people["kc_supervisor"])) == [task]


def test_replacements_come_from_the_published_reserve_and_keep_the_certificate_valid(
    people, task, tmp_path
):
    from django.conf import settings

    from planning.models import GroupMember

    org = people["kc_market_org"]
    services.task_update(actor=org, task=task, group_count=2)  # 4 of 6 inspectors drawn, 2 reserve
    draw = run_ceremony(org, task)
    group = draw.groups.first()
    leader = group.leader
    with pytest.raises(ValidationError, match="写明具体情况"):
        services.draw_replace_inspector(
            actor=org, draw=draw, inspector=leader, reason="illness", detail=" "
        )
    new_member = services.draw_replace_inspector(
        actor=org, draw=draw, inspector=leader, reason="illness", detail="住院治疗"
    )
    group.refresh_from_db()
    assert group.leader == new_member.inspector != leader
    assert new_member.is_leader
    assert not GroupMember.objects.get(group=group, inspector=leader).active
    doc = json.loads(type(draw).objects.get(pk=draw.pk).certificate_json)
    assert doc["events"][-1]["in"] == new_member.inspector.certificate_no
    assert doc["events"][-1]["out"] == leader.certificate_no
    market = next(d for d in doc["inspector_draw"] if d["department"] == "130827-market")
    assert new_member.inspector.certificate_no == market["reserve"][0][0]
    first = Assignment.objects.filter(draw=draw, status="assigned").order_by("sheet_number")[0]
    substitute = services.draw_replace_target(
        actor=org, draw=draw, assignment=first, reason="deregistered", detail="已于11月注销"
    )
    first.refresh_from_db()
    assert first.status == "replaced"
    assert substitute.from_reserve and substitute.stratum == first.stratum
    stratum = next(s for s in doc["strata"] if s["stratum"] == first.stratum)
    assert substitute.entity_key == stratum["reserve"][0][0]
    # The certificate with its events still verifies standalone.
    draw.refresh_from_db()
    out = tmp_path / "cert"
    shutil.copytree(Path(settings.MEDIA_ROOT) / draw.files_dir, out)
    result = subprocess.run(
        [sys.executable, str(VERIFY), str(out / "certificate.json"), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-1500:]
    with pytest.raises(PermissionDenied):
        services.draw_replace_inspector(
            actor=people["kc_culture_admin"],
            draw=draw,
            inspector=new_member.inspector,
            reason="illness",
            detail="x",
        )
