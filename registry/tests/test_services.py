"""Grades and flags over time, the blacklist rule, complaints, tags, history, audit."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from registry import selectors, services
from registry.models import Entity, EntityChange, EntityFlag, EntityGrade, FlagKind, GradeLevel

D = dt.date


@pytest.fixture
def entity(entity_factory):
    return entity_factory(1)


@pytest.fixture
def admin(people):
    return people["kc_market_admin"]


def test_grade_on_date_with_boundaries(admin, entity, hebei, levels):
    services.grade_assign(actor=admin, entity=entity, level=levels["B"], valid_from=D(2024, 1, 1))
    services.grade_assign(actor=admin, entity=entity, level=levels["D"], valid_from=D(2025, 7, 1))
    on = selectors.entity_grade_on
    assert on(entity, hebei, D(2023, 12, 31)) is None
    assert on(entity, hebei, D(2024, 1, 1)).code == "B"  # first day included
    assert on(entity, hebei, D(2025, 6, 30)).code == "B"  # last day of B
    assert on(entity, hebei, D(2025, 7, 1)).code == "D"  # valid_to is exclusive
    assert on(entity, hebei, D(2030, 1, 1)).code == "D"
    history = list(
        EntityGrade.objects.filter(entity=entity).values_list(
            "level__code", "valid_from", "valid_to"
        )
    )
    assert history == [("B", D(2024, 1, 1), D(2025, 7, 1)), ("D", D(2025, 7, 1), None)]


def test_grade_replaced_on_its_own_start_day_covers_no_day(admin, entity, hebei, levels):
    services.grade_assign(actor=admin, entity=entity, level=levels["B"], valid_from=D(2024, 1, 1))
    services.grade_assign(actor=admin, entity=entity, level=levels["C"], valid_from=D(2024, 1, 1))
    assert selectors.entity_grade_on(entity, hebei, D(2024, 1, 1)).code == "C"
    with pytest.raises(ValidationError) as exc:
        services.grade_assign(
            actor=admin, entity=entity, level=levels["A"], valid_from=D(2023, 12, 31)
        )
    assert exc.value.messages == ["生效日期不能早于当前等级 C 的生效日期 2024-01-01。"]
    with pytest.raises(ValidationError):
        services.grade_assign(
            actor=admin, entity=entity, level=levels["C"], valid_from=D(2024, 2, 1)
        )


def test_bulk_grades_on_a_date_is_one_query(
    admin, entity_factory, hebei, levels, django_assert_num_queries
):
    a, b, c = (entity_factory(n) for n in (11, 12, 13))
    services.grade_assign(actor=admin, entity=a, level=levels["A"], valid_from=D(2024, 1, 1))
    services.grade_assign(actor=admin, entity=a, level=levels["E"], valid_from=D(2024, 6, 1))
    services.grade_assign(actor=admin, entity=b, level=levels["C"], valid_from=D(2024, 6, 2))
    entities = Entity.objects.filter(pk__in=[a.pk, b.pk, c.pk])
    with django_assert_num_queries(1):
        on_june_1 = list(selectors.grades_on(entities, hebei, D(2024, 6, 1)))
    assert [(e, code) for e, _l, code, _r in on_june_1] == [(a.pk, "E")]
    with django_assert_num_queries(1):
        annotated = {
            e.pk: e.grade_code for e in selectors.with_grade_on(entities, hebei, D(2024, 5, 31))
        }
    assert annotated == {a.pk: "A", b.pk: None, c.pk: None}
    samr = GradeLevel.objects.get(scheme__code="samr-a-d", code="B")
    services.grade_assign(actor=admin, entity=b, level=samr, valid_from=D(2024, 1, 1))
    assert selectors.entity_grade_on(b, samr.scheme, D(2024, 3, 1)).code == "B"
    assert selectors.entity_grade_on(b, hebei, D(2024, 3, 1)) is None


def test_flags_have_history(admin, entity):
    services.flag_set(
        actor=admin,
        entity=entity,
        kind=FlagKind.ABNORMAL,
        valid_from=D(2024, 3, 1),
        reason="未按规定期限公示年度报告",
        recording_unit="宽城满族自治县市场监督管理局",
        document="宽市监异列〔2024〕12号",
    )
    with pytest.raises(ValidationError) as exc:
        services.flag_set(
            actor=admin,
            entity=entity,
            kind=FlagKind.ABNORMAL,
            valid_from=D(2024, 4, 1),
            reason="重复",
            recording_unit="县市场监管局",
        )
    assert exc.value.messages == ["该检查对象已在“经营异常名录”中。"]
    services.flag_clear(
        actor=admin,
        entity=entity,
        kind=FlagKind.ABNORMAL,
        valid_to=D(2024, 9, 1),
        reason="已补报年度报告",
    )
    assert [f.kind for f in selectors.flags_on(entity, D(2024, 8, 31))] == ["abnormal"]
    assert selectors.flags_on(entity, D(2024, 9, 1)) == []
    assert selectors.flags_on(entity, D(2024, 2, 29)) == []
    visible = Entity.objects.filter(pk=entity.pk)
    assert list(selectors.flagged_on(visible, FlagKind.ABNORMAL, D(2024, 3, 1))) == [entity]
    flag = EntityFlag.objects.get()
    assert (flag.clear_reason, flag.cleared_by, flag.recorded_by) == (
        "已补报年度报告",
        admin,
        admin,
    )
    with pytest.raises(ValidationError):
        services.flag_clear(
            actor=admin, entity=entity, kind=FlagKind.ABNORMAL, valid_to=D(2024, 10, 1), reason="x"
        )


def test_blacklist_removal_requires_a_new_grade(admin, entity, hebei, levels):
    services.grade_assign(actor=admin, entity=entity, level=levels["D"], valid_from=D(2024, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.blacklist_add(
            actor=admin,
            entity=entity,
            valid_from=D(2025, 5, 10),
            reason="无证经营",
            penalty="",
            recording_unit="县旅游和文化广电局",
        )
    assert exc.value.messages == ["拉黑须写明处罚或惩戒措施。"]
    services.blacklist_add(
        actor=admin,
        entity=entity,
        valid_from=D(2025, 5, 10),
        reason="无证经营且拒不整改",
        penalty="两年内每次抽查必查",
        recording_unit="县旅游和文化广电局",
        document="宽文旅罚〔2025〕7号",
    )
    with pytest.raises(ValidationError):  # plain flag_clear refuses the blacklist
        services.flag_clear(
            actor=admin, entity=entity, kind=FlagKind.BLACKLIST, valid_to=D(2025, 9, 1), reason="x"
        )
    with pytest.raises(ValidationError):  # grades change only on leaving the blacklist
        services.grade_assign(
            actor=admin, entity=entity, level=levels["E"], valid_from=D(2025, 6, 1)
        )
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.blacklist_remove(
            actor=admin, entity=entity, valid_to=D(2025, 9, 1), reason="整改完毕", new_grade=None
        )
    assert exc.value.messages == ["移出黑名单须同时评定新的信用风险等级。"]
    assert AuditEntry.objects.count() == audits
    assert EntityFlag.objects.get(kind=FlagKind.BLACKLIST).valid_to is None

    grade = services.blacklist_remove(
        actor=admin,
        entity=entity,
        valid_to=D(2025, 9, 1),
        reason="整改完毕",
        new_grade=levels["C"],
    )
    assert (grade.level.code, grade.valid_from) == ("C", D(2025, 9, 1))
    assert EntityFlag.objects.get(kind=FlagKind.BLACKLIST).valid_to == D(2025, 9, 1)
    assert selectors.entity_grade_on(entity, hebei, D(2025, 8, 31)).code == "D"
    assert selectors.entity_grade_on(entity, hebei, D(2025, 9, 1)).code == "C"
    entry = AuditEntry.objects.get(action="entity.blacklist_remove")
    assert entry.after["grade"] == {
        "scheme": hebei.pk,
        "level": "C",
        "valid_from": "2025-09-01",
        "valid_to": None,
    }
    assert entry.region_code == "130827101"


def test_complaint_counts_per_period(admin, entity, entity_factory):
    other = entity_factory(2)
    for day in (D(2025, 1, 5), D(2025, 3, 1), D(2025, 12, 31), D(2026, 1, 1)):
        services.complaint_record(actor=admin, entity=entity, received_on=day, source="12315")
    services.complaint_record(actor=admin, entity=other, received_on=D(2025, 6, 1))
    visible = Entity.objects.all()
    assert selectors.complaint_counts(visible, D(2025, 1, 1), D(2025, 12, 31)) == {
        entity.pk: 3,
        other.pk: 1,
    }
    assert selectors.complaint_counts(visible, D(2026, 1, 1), D(2026, 12, 31)) == {entity.pk: 1}


def test_every_service_leaves_history_with_who_and_when(admin, entity, levels, tags):
    services.entity_update(actor=admin, entity=entity, phone="13800001234", reason="核实电话")
    services.entity_tags_set(actor=admin, entity=entity, tags=[tags["netbar"]])
    services.grade_assign(actor=admin, entity=entity, level=levels["A"], valid_from=D(2024, 1, 1))
    rows = selectors.entity_history(entity)
    assert [(r.action, r.who, r.fields) for r in rows] == [
        ("评定信用风险等级", "kc_market_admin", ["grade"]),
        ("调整标签", "kc_market_admin", ["tags"]),
        ("修改信息", "kc_market_admin", ["phone"]),
        ("建档", "kc_market_admin", rows[-1].fields),
    ]
    assert rows[2].reason == "核实电话"
    # the audit log never holds the full phone number
    update = AuditEntry.objects.get(action="entity.update")
    assert (update.before, update.after) == ({"phone": ""}, {"phone": "138****1234"})
    assert EntityChange.objects.filter(entity=entity).count() == 4


def test_entity_key_rules(admin, entity_factory, townships):
    with pytest.raises(ValidationError) as exc:
        entity_factory(5, uscc="", reg_no="")
    assert exc.value.message_dict["uscc"] == ["统一社会信用代码和注册号至少填写一项"]
    first = entity_factory(6)
    with pytest.raises(ValidationError):
        entity_factory(7, uscc=first.uscc)
    with pytest.raises(ValidationError) as exc:
        entity_factory(8, uscc=first.uscc[:17] + ("0" if first.uscc[17] != "0" else "1"))
    assert "校验位错误" in exc.value.message_dict["uscc"][0]
