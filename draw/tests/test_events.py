"""Failures are visible and certified; replacements come from the published reserve
order; void is terminal and a re-draw links to the voided draw."""

from __future__ import annotations

import pytest

from draw.engine import (
    current_assignments,
    current_groups,
    draw_sha256,
    replace_inspector,
    replace_target,
    void_draw,
)
from draw.records import ConflictPair, DrawError, Quota, TaskInfo
from draw.tests.support import TASK, entities, inspectors, params, run, verify_cert

AT = "2026-11-27T00:00:00Z"


def test_replace_target_takes_next_reserve_in_same_stratum() -> None:
    _, res = run(entities(60), inspectors(6), p=params(group_count=3))
    cert = res.certificate
    b = next(s for s in res.strata if s.stratum == "B")
    out = b.selected[0].uscc
    group = next(a.group_id for a in res.assignments if a.uscc == out)
    cert = replace_target(cert, uscc=out, reason="deregistered", detail="", recorded_at=AT)
    cert = replace_target(
        cert, uscc=b.selected[1].uscc, reason="moved_out", detail="", recorded_at=AT
    )
    now = current_assignments(cert)
    assert now[b.reserve[0].uscc] == ("B", group)
    assert b.reserve[1].uscc in now and out not in now
    assert [e["in"] for e in cert.document["events"]] == [b.reserve[0].uscc, b.reserve[1].uscc]
    assert verify_cert(cert) == []


COI = [ConflictPair(f"D1X00{(i // 3) % 3}", f"E{i:05d}") for i in range(60)]


def _task(i: int) -> TaskInfo:
    return TaskInfo(TASK.task_id, f"{TASK.draw_id}-{i}", TASK.as_of_date, TASK.frozen_at)


def test_conflicted_reserve_goes_to_another_group() -> None:
    pairs = {(c.badge, c.uscc) for c in COI}
    for i in range(60):
        _, res = run(entities(60), inspectors(6), COI, params(group_count=3), task=_task(i))
        members = {g.group_id: g.members for g in res.groups}
        b = next(s for s in res.strata if s.stratum == "B")
        out = b.selected[0].uscc
        group = next(a.group_id for a in res.assignments if a.uscc == out)
        if any((m, b.reserve[0].uscc) in pairs for m in members[group]):
            break
    else:
        raise AssertionError("no draw with a conflicted first reserve in 60 seeds")
    cert = replace_target(
        res.certificate, uscc=out, reason="deregistered", detail="", recorded_at=AT
    )
    stratum, new_group = current_assignments(cert)[b.reserve[0].uscc]
    assert stratum == "B" and new_group != group
    assert not any((m, b.reserve[0].uscc) in pairs for m in members[new_group])
    assert verify_cert(cert) == []


def test_replace_inspector_skips_conflicted_reserve_and_keeps_slot() -> None:
    pairs = {(c.badge, c.uscc) for c in COI}
    for i in range(60):
        _, res = run(entities(60), inspectors(6), COI, params(group_count=3), task=_task(i))
        reserve = [b for b, _ in res.certificate.document["inspector_draw"][0]["reserve"]]
        targets = [a.uscc for a in res.assignments if a.group_id == "G001"]
        if any((reserve[0], u) in pairs for u in targets) and not any(
            (reserve[1], u) in pairs for u in targets
        ):
            break
    else:
        raise AssertionError("no suitable draw in 60 seeds")
    leader = res.groups[0].members[0]
    cert = replace_inspector(
        res.certificate, badge=leader, reason="illness", detail="病假", recorded_at=AT
    )
    assert current_groups(cert)["G001"][0] == reserve[1]
    assert cert.document["events"][0]["skipped"] == [[reserve[0], "conflict"]]
    assert verify_cert(cert) == []


def test_void_is_terminal_and_redraw_links_back() -> None:
    _, res = run(entities(60), inspectors(6), p=params(group_count=3))
    cert = void_draw(res.certificate, reason="wrong_filter", detail="", recorded_at=AT)
    with pytest.raises(DrawError, match="^voided: "):
        replace_target(
            cert, uscc=res.assignments[0].uscc, reason="deregistered", detail="", recorded_at=AT
        )
    redo = TaskInfo(
        TASK.task_id,
        TASK.draw_id + "-R1",
        TASK.as_of_date,
        TASK.frozen_at,
        TASK.filter_description,
        supersedes=draw_sha256(cert.document),
        supersede_reason="wrong_filter",
    )
    com, res2 = run(entities(60), inspectors(6), p=params(group_count=3), task=redo)
    assert com.manifest["supersedes"] == {
        "draw_sha256": draw_sha256(res.certificate.document),
        "reason": "wrong_filter",
    }
    assert res2.seed != res.seed
    assert verify_cert(cert) == [] and verify_cert(res2.certificate) == []


def test_unsatisfiable_constraints_fail_visibly_and_verify() -> None:
    # One group only, and its D1 member conflicts with every candidate.
    ents = entities(12)
    insp = inspectors(1)
    coi = [ConflictPair("D1X000", e.uscc) for e in ents]
    _, res = run(
        ents,
        insp,
        coi,
        params(quotas={"A": Quota(count=1), "B": Quota(count=1), "C": Quota(count=1)}),
    )
    assert res.status == "failed" and res.assignments == ()
    assert res.failure is not None and res.failure.code == "no_eligible_group"
    assert res.failure.details["conflicted_groups"] == ["G001"]
    assert verify_cert(res.certificate) == []
    with pytest.raises(DrawError, match="^not_drawn: "):
        replace_target(res.certificate, uscc=ents[0].uscc, reason="x", detail="", recorded_at=AT)


def test_missing_quota_and_thin_pool_stop_the_freeze() -> None:
    with pytest.raises(DrawError, match="^missing_quota: ") as exc:
        run(entities(10), inspectors(3), p=params(quotas={"A": Quota(count=1)}))
    assert exc.value.details == {"strata": ["B", "C"]}
    with pytest.raises(DrawError, match="^insufficient_inspectors: "):
        run(entities(30), inspectors(2), p=params(group_count=3))
