"""Entry → submission → review → publication, with every denial leaving nothing changed and
nothing logged; the published result is immutable through every service."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from inspections import services
from inspections.models import (
    ItemResult,
    RegionResultSetting,
    ResultCategorySet,
    SheetEvent,
    SheetResult,
    SheetState,
)
from inspections.selectors import sheets_visible, warnings_for

from .conftest import D, category, fill_sheet, upload


def audit_count():
    return AuditEntry.objects.count()


def test_both_code_sets_are_seeded_and_the_region_chooses(people, regions):
    samr = ResultCategorySet.objects.get(code="samr")
    legacy = ResultCategorySet.objects.get(code="legacy2014")
    assert samr.is_default and not legacy.is_default
    assert [c.code for c in samr.categories.all()][:4] == ["1", "A", "B", "C"]
    assert samr.categories.count() == 18
    assert [c.label for c in legacy.categories.filter(kind="unreachable")] == [
        "通过登记的住所（经营场所）无法联系"
    ]
    assert legacy.categories.count() == 9
    township = regions["130827100"]
    assert services.category_set_for(township) == samr
    # Only the county's administrator chooses for the county; the township inherits it.
    with pytest.raises(PermissionDenied):
        services.region_category_set_choose(
            actor=people["kc_market_admin"], region=regions["130827"], category_set=legacy
        )
    with pytest.raises(PermissionDenied):
        services.region_category_set_choose(
            actor=people["cd_market_admin"], region=regions["130827"], category_set=legacy
        )
    assert not RegionResultSetting.objects.exists()
    services.region_category_set_choose(
        actor=people["kc_admin"], region=regions["130827"], category_set=legacy
    )
    assert services.category_set_for(township) == legacy
    assert services.category_set_for(regions["130822"]) == samr


def test_a_sheet_keeps_the_set_of_its_region(people, regions, joint):
    legacy = ResultCategorySet.objects.get(code="legacy2014")
    services.region_category_set_choose(
        actor=people["kc_admin"], region=regions["130827"], category_set=legacy
    )
    j = joint
    part = j["parts"]["market"]
    item = part.items.first()
    with pytest.raises(ValidationError) as exc:
        services.item_result_save(
            actor=j["leader"],
            assignment=j["sheet"],
            part=part,
            item=item,
            categories=[category("1")],
            inspected_on=D(2026, 11, 20),
            methods=["on_site"],
        )
    assert exc.value.message_dict == {"categories": ["检查结果不属于本表使用的代码集"]}
    result = services.item_result_save(
        actor=j["leader"],
        assignment=j["sheet"],
        part=part,
        item=item,
        categories=[category("L1", "legacy2014")],
        inspected_on=D(2026, 11, 20),
        methods=["on_site"],
    )
    assert result.sheet.category_set == legacy


def test_the_full_path_to_publication(joint):
    j = joint
    fill_sheet(j, problem=True)
    sheet = services.sheet_submit(actor=j["leader"], assignment=j["sheet"])
    assert sheet.state == SheetState.SUBMITTED
    assert sheet.completed_on == D(2026, 11, 20)
    assert sheet.submitted_by == j["leader"]
    # Participating (not lead) department's reviewer does not review the joint sheet.
    with pytest.raises(PermissionDenied):
        services.sheet_review(actor=j["culture_rev"], sheet=sheet, approve=True)
    with pytest.raises(ValidationError) as exc:
        services.sheet_review(actor=j["market_rev"], sheet=sheet, approve=False, note="  ")
    assert exc.value.message_dict == {"note": ["退回须写明原因"]}
    sheet = services.sheet_review(
        actor=j["market_rev"], sheet=sheet, approve=False, note="食品经营许可事项未写核查方式依据"
    )
    assert sheet.state == SheetState.RETURNED
    # Returned: editable again, then resubmitted.
    part = j["parts"]["market"]
    services.item_result_save(
        actor=j["leader"],
        assignment=j["sheet"],
        part=part,
        item=part.items.get(position=2),
        categories=[category("1")],
        inspected_on=D(2026, 11, 21),
        methods=["on_site", "written"],
    )
    sheet = services.sheet_submit(actor=j["leader"], assignment=j["sheet"])
    assert sheet.completed_on == D(2026, 11, 21)
    with pytest.raises(ValidationError, match="审核通过后才能公示"):
        services.sheet_publish(actor=j["market_rev"], sheet=sheet)
    sheet = services.sheet_review(actor=j["market_rev"], sheet=sheet, approve=True)
    assert sheet.state == SheetState.APPROVED
    sheet = services.sheet_publish(actor=j["market_rev"], sheet=sheet)
    assert sheet.state == SheetState.PUBLISHED and sheet.published_by == j["market_rev"]
    kinds = list(SheetEvent.objects.filter(sheet=sheet).values_list("kind", flat=True))
    assert [k for k in kinds if k in {"submitted", "returned", "approved", "published"}] == [
        "submitted",
        "returned",
        "submitted",
        "approved",
        "published",
    ]
    actions = list(
        AuditEntry.objects.filter(object_type="inspections.sheetresult")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-5:] == [
        "result.submit",
        "result.return",
        "result.submit",
        "result.approve",
        "result.publish",
    ]
    entry = AuditEntry.objects.filter(action="result.return").get()
    assert entry.reason == "食品经营许可事项未写核查方式依据"
    assert entry.department_id == j["task"].lead_department_id


def test_submission_needs_every_department_notice_and_signature(joint):
    j = joint
    a, parts = j["sheet"], j["parts"]
    for item in parts["market"].items.all():
        services.item_result_save(
            actor=j["leader"],
            assignment=a,
            part=parts["market"],
            item=item,
            categories=[category("1")],
            inspected_on=D(2026, 11, 20),
            methods=["on_site"],
        )
    with pytest.raises(ValidationError) as exc:
        services.sheet_submit(actor=j["leader"], assignment=a)
    assert exc.value.messages == [
        "还不能提交，以下内容尚未录入：告知情况、宽城县旅游和文化广电局：网吧接纳未成年人、"
        "检查对象签字或拒签记录"
    ]
    assert SheetResult.objects.get(assignment=a).state == SheetState.DRAFT


def test_only_the_leader_submits(joint):
    j = joint
    fill_sheet(j)
    before = audit_count()
    with pytest.raises(PermissionDenied, match="组长"):
        services.sheet_submit(actor=j["culture"], assignment=j["sheet"])
    with pytest.raises(PermissionDenied):
        services.sheet_submit(actor=j["other_market"], assignment=j["sheet"])
    assert SheetResult.objects.get(assignment=j["sheet"]).state == SheetState.DRAFT
    assert audit_count() == before


def test_inspectors_enter_only_their_departments_items(joint, people):
    j = joint
    a, parts = j["sheet"], j["parts"]
    culture_item = parts["culture"].items.get()
    market_item = parts["market"].items.first()
    before = audit_count()
    kwargs = {
        "assignment": a,
        "categories": [category("1")],
        "inspected_on": D(2026, 11, 20),
        "methods": ["on_site"],
    }
    # The market leader cannot enter the culture department's item.
    with pytest.raises(PermissionDenied, match="只能录入本部门的检查事项"):
        services.item_result_save(
            actor=j["leader"], part=parts["culture"], item=culture_item, **kwargs
        )
    # The culture member cannot pass a market item off as their department's.
    with pytest.raises(PermissionDenied):
        services.item_result_save(
            actor=j["culture"], part=parts["culture"], item=market_item, **kwargs
        )
    # A market inspector of another group, and a reviewer, cannot enter anything here.
    for actor in (j["other_market"], j["market_rev"], people["kc_culture_insp"]):
        with pytest.raises(PermissionDenied):
            services.item_result_save(actor=actor, part=parts["market"], item=market_item, **kwargs)
    assert not ItemResult.objects.exists()
    assert not SheetResult.objects.exists()
    assert audit_count() == before
    # The market department's organiser may enter a market item for the group.
    result = services.item_result_save(
        actor=people["kc_market_org"], part=parts["market"], item=market_item, **kwargs
    )
    assert result.entered_by == people["kc_market_org"]
    entry = AuditEntry.objects.filter(action="result.item_save").get()
    assert entry.role == "organizer"
    assert entry.department_id == parts["market"].department_id
    assert entry.after["categories"] == ["1"]


def test_item_entry_validation(joint):
    j = joint
    part = j["parts"]["market"]
    item = part.items.first()
    with pytest.raises(ValidationError) as exc:
        services.item_result_save(
            actor=j["leader"],
            assignment=j["sheet"],
            part=part,
            item=item,
            categories=[category("1"), category("B")],
            inspected_on=D(2026, 12, 30),
            methods=[],
            measures=["other"],
        )
    assert exc.value.message_dict == {
        "categories": ["“未发现问题”不能与其他检查结果同时选择"],
        "methods": ["请选择核查方式"],
        "measures_note": ["选择“其他”措施的，请写明具体措施"],
        "inspected_on": ["检查日期不能晚于今天"],
    }
    with pytest.raises(ValidationError) as exc:
        services.item_result_save(
            actor=j["leader"],
            assignment=j["sheet"],
            part=part,
            item=item,
            categories=[category("B")],
            inspected_on=D(2026, 10, 30),
            methods=["on_site"],
        )
    assert exc.value.message_dict == {
        "problems": ["发现问题的，请写明发现问题情况"],
        "inspected_on": ["检查日期不能早于任务开始日期 2026-11-01"],
    }
    assert not ItemResult.objects.exists()


def test_nothing_about_a_sheet_is_dated_before_its_entity_was_drawn(clock, joint, people):
    """Drawn on 2026-11-10 (the task window opens 11-01): an inspection, an outcome, a notice
    or a signature dated before the draw is refused, and nothing is written."""
    from planning import services as planning

    j = joint
    a, part = j["sheet"], j["parts"]["market"]
    item = part.items.first()
    before_draw = timezone.make_aware(dt.datetime(2026, 11, 9, 15, 0))
    audit_count = AuditEntry.objects.count()
    attempts = [
        (
            "inspected_on",
            lambda: services.item_result_save(
                actor=j["leader"],
                assignment=a,
                part=part,
                item=item,
                categories=[category("1")],
                inspected_on=D(2026, 11, 9),
                methods=["on_site"],
            ),
            "检查日期不能早于抽中该检查对象的日期 2026-11-10",
        ),
        (
            "on",
            lambda: services.sheet_outcome_set(
                actor=j["leader"],
                assignment=a,
                outcome="unreachable",
                note="门面空置",
                on=D(2026, 11, 9),
            ),  # fmt: skip
            "认定日期不能早于抽中该检查对象的日期 2026-11-10",
        ),
        (
            "notified_at",
            lambda: services.sheet_notice_set(
                actor=j["leader"], assignment=a, method="phone", notified_at=before_draw
            ),
            "告知时间不能早于抽中该检查对象的日期 2026-11-10",
        ),
        (
            "signed_at",
            lambda: services.sheet_signature_set(
                actor=j["leader"],
                assignment=a,
                status="signed",
                signer_name="负责人",
                signed_at=before_draw,
            ),  # fmt: skip
            "签字时间不能早于抽中该检查对象的时间",
        ),
    ]
    for field, attempt, message in attempts:
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert exc.value.message_dict == {field: [message]}
    assert not ItemResult.objects.exists()
    sheet = SheetResult.objects.filter(assignment=a).first()
    assert sheet is None or (sheet.outcome_on, sheet.notified_at, sheet.signed_at) == (
        None,
        None,
        None,
    )
    assert AuditEntry.objects.count() == audit_count
    # The day of the draw itself is fine.
    services.item_result_save(
        actor=j["leader"],
        assignment=a,
        part=part,
        item=item,
        categories=[category("1")],
        inspected_on=D(2026, 11, 10),
        methods=["on_site"],
    )

    # An entity taken from the reserve on 2026-11-20 cannot have been inspected on 11-15.
    clock.move_to(D(2026, 11, 20))
    other = j["other_sheet"]
    substitute = planning.draw_replace_target(
        actor=people["kc_market_org"], draw=j["draw"], assignment=other, reason="data_error",
        detail="登记地址有误",
    )  # fmt: skip
    assert substitute.group_id == other.group_id  # the group of `other_market`
    with pytest.raises(ValidationError) as exc:
        services.item_result_save(
            actor=j["other_market"],
            assignment=substitute,
            part=part,
            item=item,
            categories=[category("1")],
            inspected_on=D(2026, 11, 15),
            methods=["on_site"],
        )
    assert exc.value.message_dict == {
        "inspected_on": ["检查日期不能早于抽中该检查对象的日期 2026-11-20"]
    }
    assert not ItemResult.objects.filter(sheet__assignment=substitute).exists()


def test_legal_basis_cites_an_article(joint):
    from catalog.models import Article, Regulation

    regulation = Regulation.objects.create(
        title="企业信息公示暂行条例", short_title="企业信息公示暂行条例"
    )
    article = Article.objects.create(regulation=regulation, number=10, text="企业应当……")
    j = joint
    part = j["parts"]["market"]
    result = services.item_result_save(
        actor=j["leader"],
        assignment=j["sheet"],
        part=part,
        item=part.items.first(),
        categories=[category("B")],
        problems="即时信息未公示",
        basis_article=article,
        basis_text="另见省局通知",
        inspected_on=D(2026, 11, 20),
        methods=["on_site"],
        measures=["record", "correct"],
    )
    assert result.basis_regulation == regulation
    assert result.measure_labels() == ["现场笔录", "责令改正"]
    assert article.ref == f"{regulation.pk}:10"


def test_notice_and_signature_records(joint):
    j = joint
    a = j["sheet"]
    with pytest.raises(ValidationError) as exc:
        services.sheet_notice_set(actor=j["leader"], assignment=a, method="none")
    assert exc.value.message_dict == {
        "not_reason": ["未告知的，须写明原因（如检查事项不宜事先告知）"]
    }
    sheet = services.sheet_notice_set(
        actor=j["culture"], assignment=a, method="none", not_reason="检查事项不宜事先告知"
    )
    assert sheet.notified_at is None and sheet.notice_not_reason == "检查事项不宜事先告知"
    with pytest.raises(ValidationError) as exc:
        services.sheet_signature_set(actor=j["leader"], assignment=a, status="refused")
    assert exc.value.message_dict == {
        "witness": ["拒签须有见证人（姓名、身份）"],
        "reason": ["请如实记录拒签理由或情形"],
    }
    sheet = services.sheet_signature_set(
        actor=j["leader"], assignment=a, status="refused", witness="社区网格员 李四", reason="拒绝"
    )
    assert sheet.refusal_recorded_by.user == j["leader"]
    signed_at = timezone.now() - dt.timedelta(hours=1)
    sheet = services.sheet_signature_set(
        actor=j["leader"], assignment=a, status="signed", signer_name="王老板", signed_at=signed_at
    )
    assert (sheet.signature_status, sheet.signer_name, sheet.refusal_recorded_by) == (
        "signed",
        "王老板",
        None,
    )
    with pytest.raises(PermissionDenied):
        services.sheet_signature_set(
            actor=j["other_market"],
            assignment=a,
            status="signed",
            signer_name="x",
            signed_at=signed_at,
        )


def test_unreachable_outcome_needs_evidence_and_no_items(joint):
    j = joint
    a = j["sheet"]
    services.sheet_notice_set(
        actor=j["leader"], assignment=a, method="phone", notified_at=timezone.now()
    )
    with pytest.raises(ValidationError) as exc:
        services.sheet_outcome_set(actor=j["leader"], assignment=a, outcome="unreachable")
    assert exc.value.message_dict == {
        "note": ["请写明无法检查的经过（时间、地点、联系方式、取得的证据）"],
        "on": ["请填写认定日期"],
    }
    services.sheet_outcome_set(
        actor=j["leader"],
        assignment=a,
        outcome="unreachable",
        note="登记住所为空置门面，电话停机，邻居称已搬离半年",
        on=D(2026, 11, 24),
    )
    with pytest.raises(ValidationError, match="无法检查情形的证据材料"):
        services.sheet_submit(actor=j["leader"], assignment=a)
    services.evidence_add(actor=j["leader"], assignment=a, **upload())
    sheet = services.sheet_submit(actor=j["leader"], assignment=a)
    assert sheet.completed_on == D(2026, 11, 24)
    from inspections.selectors import sheet_categories

    assert sheet_categories(sheet) == ["通过登记的住所（经营场所）无法联系"]


def test_published_results_are_immutable_through_every_service(joint, people):
    j = joint
    fill_sheet(j, problem=True)
    sheet = services.sheet_submit(actor=j["leader"], assignment=j["sheet"])
    services.sheet_review(actor=j["market_rev"], sheet=sheet, approve=True)
    sheet = services.sheet_publish(actor=j["market_rev"], sheet=sheet)
    a, parts = j["sheet"], j["parts"]
    item_result = sheet.items.get(part=parts["market"], item__position=1)
    before = audit_count()
    snapshot_before = services.item_snapshot(item_result)
    state_before = services._sheet_before(sheet)
    attempts = [
        lambda: services.item_result_save(
            actor=j["leader"],
            assignment=a,
            part=parts["market"],
            item=item_result.item,
            categories=[category("1")],
            inspected_on=D(2026, 11, 20),
            methods=["on_site"],
        ),
        lambda: services.sheet_notice_set(
            actor=j["leader"], assignment=a, method="none", not_reason="x"
        ),
        lambda: services.sheet_signature_set(
            actor=j["leader"], assignment=a, status="refused", witness="x", reason="x"
        ),
        lambda: services.sheet_outcome_set(
            actor=j["leader"], assignment=a, outcome="unreachable", note="x", on=D(2026, 11, 20)
        ),
        lambda: services.evidence_add(actor=j["leader"], assignment=a, **upload()),
        lambda: services.evidence_add(
            actor=j["leader"], assignment=a, item_result=item_result, **upload()
        ),
        lambda: services.sheet_submit(actor=j["leader"], assignment=a),
        lambda: services.sheet_review(actor=j["market_rev"], sheet=sheet, approve=False, note="x"),
        lambda: services.sheet_review(actor=j["market_rev"], sheet=sheet, approve=True),
        lambda: services.sheet_publish(actor=j["market_rev"], sheet=sheet),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="已公示"):
            attempt()
    item_result.refresh_from_db()
    assert services.item_snapshot(item_result) == snapshot_before
    assert services._sheet_before(SheetResult.objects.get(pk=sheet.pk)) == state_before
    assert sheet.evidence.count() == 0
    assert audit_count() == before


def test_visibility(joint, people, depts):
    j = joint
    a = j["sheet"]
    assert a in sheets_visible(user=j["leader"])
    assert a in sheets_visible(user=j["culture"])
    assert a not in sheets_visible(user=j["other_market"])
    assert a not in sheets_visible(user=people["kc_market_insp"])  # no inspector record
    assert a in sheets_visible(user=j["market_rev"])
    assert a in sheets_visible(user=j["culture_rev"])  # participant of the joint task
    assert a in sheets_visible(user=people["kc_supervisor"])
    assert a in sheets_visible(user=people["cd_market_admin"])  # level above, read-only
    assert a not in sheets_visible(user=people["xl_market_admin"])  # sibling county
    with pytest.raises(PermissionDenied):
        services.sheet_review(
            actor=people["cd_market_admin"], sheet=SheetResult(assignment=a), approve=True
        )


def test_overdue_warnings_are_yellow_then_red_and_stay_in_history(clock, joint):
    j = joint
    a = j["sheet"]
    # Entry is due at the end of the window, 2026-12-31.
    w = warnings_for(a, None, today=D(2026, 12, 31))
    assert [(x.kind, x.due, x.level) for x in w] == [("entry", D(2026, 12, 31), "warn")]
    w = warnings_for(a, None, today=D(2027, 1, 2))
    assert [(x.level, x.late_days) for x in w] == [("danger", 2)]
    assert w[0].episode == "结果录入逾期：期限 2026-12-31，已逾期 2 天"
    fill_sheet(j)
    with clock.move_to(D(2027, 1, 4)):
        sheet = services.sheet_submit(actor=j["leader"], assignment=a)
    assert sheet.first_submitted_on == D(2027, 1, 4)
    event = sheet.events.get(kind="submitted")
    assert event.note == "超过检查结束日期 2026-12-31 4 天后提交"
    # Publication: 5 working days after 2026-11-20 (a Friday) is Friday 2026-11-27.
    w = warnings_for(a, sheet, today=D(2027, 1, 5))
    assert [(x.kind, x.due, x.level) for x in w] == [
        ("entry", D(2026, 12, 31), ""),
        ("publication", D(2026, 11, 27), "danger"),
    ]
    # The entry episode is kept after it cleared.
    assert w[0].episode == "结果录入逾期：期限 2026-12-31，2027-01-04 完成，逾期 4 天"
    w = warnings_for(a, sheet, today=D(2026, 11, 27))
    assert w[1].level == "warn"
