"""信用反馈: published results propose listings or grade changes; only entity managers of the
entity's region adopt them, through the registry's services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from inspections import services
from inspections.models import CreditProposal, CreditProposalState
from registry.models import EntityFlag
from registry.selectors import entity_grade_on

from .conftest import D, fill_sheet, upload


def publish(j, sheet):
    services.sheet_review(actor=j["market_rev"], sheet=sheet, approve=True)
    return services.sheet_publish(actor=j["market_rev"], sheet=sheet)


def unreachable(j):
    a = j["sheet"]
    services.sheet_notice_set(actor=j["leader"], assignment=a, method="none", not_reason="电话停机")
    services.sheet_outcome_set(
        actor=j["leader"], assignment=a, outcome="unreachable", note="门面空置", on=D(2026, 11, 24)
    )
    services.evidence_add(actor=j["leader"], assignment=a, **upload())
    return publish(j, services.sheet_submit(actor=j["leader"], assignment=a))


def test_unreachable_proposes_the_abnormal_list_and_an_entity_manager_adopts_it(joint, people):
    j = joint
    unreachable(j)
    proposal = CreditProposal.objects.get()
    assert (proposal.kind, proposal.flag_kind, proposal.label) == (
        "flag",
        "abnormal",
        "列入经营异常名录",
    )
    entity = j["sheet"].entity
    assert not EntityFlag.objects.filter(entity=entity).exists()
    before = AuditEntry.objects.count()
    for actor in (
        j["market_rev"],
        j["leader"],
        people["cd_market_admin"],
        people["xl_market_admin"],
    ):
        with pytest.raises(PermissionDenied):
            services.credit_proposal_decide(actor=actor, proposal=proposal, apply=True)
    assert AuditEntry.objects.count() == before
    proposal.refresh_from_db()
    assert proposal.state == CreditProposalState.PROPOSED
    services.credit_proposal_decide(actor=people["kc_market_admin"], proposal=proposal, apply=True)
    flag = EntityFlag.objects.get(entity=entity)
    assert (flag.kind, flag.valid_from, flag.document) == (
        "abnormal",
        timezone.localdate(),
        j["sheet"].sheet_number,
    )
    assert list(
        AuditEntry.objects.filter(seq__gt=before).order_by("seq").values_list("action", flat=True)
    ) == ["entity.flag_set", "result.credit_apply"]
    with pytest.raises(ValidationError, match="已审核"):
        services.credit_proposal_decide(
            actor=people["kc_market_admin"], proposal=proposal, apply=True
        )


def test_a_failed_inspection_proposes_a_worse_grade(joint, people, scheme):
    j = joint
    fill_sheet(j, problem=True)
    publish(j, services.sheet_submit(actor=j["leader"], assignment=j["sheet"]))
    entity = j["sheet"].entity
    current = entity_grade_on(entity, scheme, timezone.localdate())
    proposal = CreditProposal.objects.get()
    if current.rank == 5:
        pytest.fail("fixture entity already at the worst grade")
    assert proposal.from_level == current and proposal.level.rank == current.rank + 1
    assert "营业执照公示情况：未按规定公示年度报告" in proposal.reason
    with pytest.raises(ValidationError) as exc:
        services.credit_proposal_decide(
            actor=people["kc_market_admin"], proposal=proposal, apply=False
        )
    assert exc.value.message_dict == {"note": ["不予采纳须写明理由"]}
    services.credit_proposal_decide(actor=people["kc_market_admin"], proposal=proposal, apply=True)
    assert entity_grade_on(entity, scheme, timezone.localdate()) == proposal.level


def test_a_clean_result_proposes_nothing(joint):
    j = joint
    fill_sheet(j)
    publish(j, services.sheet_submit(actor=j["leader"], assignment=j["sheet"]))
    assert not CreditProposal.objects.exists()


def test_the_credit_page_is_for_entity_managers(client, joint, people):
    j = joint
    unreachable(j)
    proposal = CreditProposal.objects.get()
    client.force_login(j["market_rev"])
    assert client.get(reverse("inspections:credit_list")).status_code == 403
    client.force_login(people["xl_market_admin"])
    assert (
        j["sheet"].entity.name
        not in client.get(reverse("inspections:credit_list")).content.decode()
    )
    response = client.post(
        reverse("inspections:credit_decide", args=[proposal.pk]), {"decision": "apply"}
    )
    assert response.status_code == 404
    client.force_login(people["kc_market_admin"])
    page = client.get(reverse("inspections:credit_list")).content.decode()
    assert j["sheet"].entity.name in page and "列入经营异常名录" in page
    client.post(
        reverse("inspections:credit_decide", args=[proposal.pk]),
        {"decision": "reject", "note": "企业已办理住所变更登记"},
    )
    proposal.refresh_from_db()
    assert proposal.state == CreditProposalState.REJECTED
    assert not EntityFlag.objects.exists()


def test_accountability_record_per_inspector(clock, client, joint, people):

    from inspections.selectors import accountability

    j = joint
    fill_sheet(j)
    with clock.move_to(D(2027, 1, 5)):
        services.sheet_submit(actor=j["leader"], assignment=j["sheet"])
    rows = {r.inspector.user_id: r for r in accountability(task=j["task"])}
    leader = rows[j["leader"].pk]
    assert (leader.sheets, leader.submitted, leader.on_time, leader.items_entered) == (2, 1, 0, 2)
    assert leader.is_leader and leader.conclusion == "尚有检查表未完成"
    culture = rows[j["culture"].pk]
    assert (culture.sheets, culture.items_entered, culture.is_leader) == (2, 1, False)
    client.force_login(j["leader"])
    url = reverse("inspections:accountability", args=[j["task"].pk])
    assert client.get(url).status_code == 403
    client.force_login(people["xl_market_admin"])
    assert client.get(url).status_code == 404
    client.force_login(people["kc_supervisor"])
    page = client.get(url).content.decode()
    assert "尚有检查表未完成" in page and "已按计划履行检查职责" not in page


def _correct(j, make_user, sheet, code, problems=""):
    from .conftest import category

    result = sheet.items.get(part=j["parts"]["market"], item__position=1)
    correction = services.correction_create(
        actor=j["leader"],
        item_result=result,
        reason="复核现场笔录后更正",
        categories=[category(code)],
        problems=problems,
    )
    reviewer2 = make_user("market_rev2", "kc_market", "reviewer")
    return services.correction_review(actor=reviewer2, correction=correction, approve=True)


def test_a_correction_that_removes_the_problem_withdraws_the_pending_proposal(
    joint, make_user, people
):
    j = joint
    fill_sheet(j, problem=True)
    sheet = publish(j, services.sheet_submit(actor=j["leader"], assignment=j["sheet"]))
    proposal = CreditProposal.objects.get()
    assert proposal.state == CreditProposalState.PROPOSED
    before = AuditEntry.objects.count()
    _correct(j, make_user, sheet, "1")
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decision_note) == (
        "withdrawn",
        "检查结果已更正，不再发现问题，建议撤回",
    )
    assert proposal.decided_by.username == "market_rev2"
    assert CreditProposal.objects.count() == 1
    assert list(
        AuditEntry.objects.filter(seq__gt=before)
        .exclude(action="user.create")  # the second reviewer's account
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["result.correction_create", "result.correction_publish", "result.credit_withdraw"]
    with pytest.raises(ValidationError, match="已审核"):
        services.credit_proposal_decide(
            actor=people["kc_market_admin"], proposal=proposal, apply=True
        )


def test_a_correction_after_an_adopted_grade_proposes_restoring_it(
    joint, make_user, people, scheme
):
    j = joint
    fill_sheet(j, problem=True)
    sheet = publish(j, services.sheet_submit(actor=j["leader"], assignment=j["sheet"]))
    entity = sheet.assignment.entity
    original = entity_grade_on(entity, scheme, timezone.localdate())
    adopted = CreditProposal.objects.get()
    services.credit_proposal_decide(actor=people["kc_market_admin"], proposal=adopted, apply=True)
    assert entity_grade_on(entity, scheme, timezone.localdate()) == adopted.level
    _correct(j, make_user, sheet, "1")
    adopted.refresh_from_db()
    assert adopted.state == CreditProposalState.APPLIED  # what was done stays on record
    restore = CreditProposal.objects.exclude(pk=adopted.pk).get()
    assert (restore.state, restore.from_level, restore.level) == (
        "proposed",
        adopted.level,
        original,
    )
    assert restore.reason == (
        f"抽查（{sheet.assignment.sheet_number}）结果已更正，不再发现问题；"
        f"据原结果调整的信用风险等级建议恢复为 {original.code}"
    )
    # The grade does not move until an entity manager adopts the restoration.
    assert entity_grade_on(entity, scheme, timezone.localdate()) == adopted.level
    services.credit_proposal_decide(actor=people["kc_market_admin"], proposal=restore, apply=True)
    assert entity_grade_on(entity, scheme, timezone.localdate()) == original


def test_a_correction_that_finds_a_problem_proposes_a_worse_grade(joint, make_user, scheme):
    j = joint
    fill_sheet(j)
    sheet = publish(j, services.sheet_submit(actor=j["leader"], assignment=j["sheet"]))
    assert not CreditProposal.objects.exists()
    _correct(j, make_user, sheet, "B", problems="未按规定公示即时信息")
    proposal = CreditProposal.objects.get()
    current = entity_grade_on(sheet.assignment.entity, scheme, timezone.localdate())
    assert (proposal.state, proposal.from_level, proposal.level.rank) == (
        "proposed",
        current,
        current.rank + 1,
    )
    result = sheet.items.get(part=j["parts"]["market"], item__position=1)
    assert proposal.reason == (
        f"抽查（{sheet.assignment.sheet_number}）结果更正后发现问题："
        f"{result.item_label}：未按规定公示即时信息"
    )
    assert AuditEntry.objects.filter(action="result.credit_propose").count() == 1
