"""Services and the draw selectors: natural key, dated histories, eligibility boundaries,
conflicts, account links, and refusals that change nothing."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from audit.models import AuditEntry
from audit.verification import chain_verify
from inspectors import services
from inspectors.models import (
    ConflictOfInterest,
    Inspector,
    InspectorCertificate,
    InspectorStatus,
    InspectorStatusPeriod,
)
from inspectors.selectors import (
    conflicts_in_force_on,
    inspector_status_on,
    inspectors_eligible_on,
)

from .conftest import id_number

D = dt.date
S = InspectorStatus
USCC = "91130827MA0A1B2C39"  # valid check character (stdnum.cn.uscc)
REG_NO = "140000100028286"  # valid 15-digit 注册号 (ISO 7064 MOD 11,10)


def eligible(department, date):
    return sorted(
        inspectors_eligible_on(department=department, date=date).values_list("name", flat=True)
    )


# --- natural key ------------------------------------------------------------------------------


def test_certificate_number_is_normalised_and_unique(people, depts, make_inspector):
    actor = people["kc_market_org"]
    first = make_inspector(" 1308 2720190012.0 ", actor=actor, name="王海燕")
    assert first.certificate_no == "13082720190012"
    assert first.certificates.get().certificate_no == "13082720190012"
    count = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        make_inspector("13082720190012", actor=actor, name="另一人")
    assert exc.value.message_dict == {
        "certificate_no": ["执法证号 13082720190012 已被其他人员登记"]
    }
    assert Inspector.objects.count() == 1
    assert AuditEntry.objects.count() == count
    with pytest.raises(ValidationError) as exc:
        make_inspector("12", actor=actor)
    assert "不是有效的执法证号" in exc.value.message_dict["certificate_no"][0]
    provincial = make_inspector("冀执法字 第0827001号", actor=actor, name="赵文")
    assert provincial.certificate_no == "冀执法字第0827001号"


def test_create_is_audited_with_personal_data_masked(people, make_inspector, tags):
    actor = people["kc_market_org"]
    inspector = make_inspector(
        "13082720190012",
        actor=actor,
        name="王海燕",
        phone="13903141234",
        id_number=id_number(),
        specialties=[tags["food"], tags["equipment"]],
    )
    entry = AuditEntry.objects.get(action="inspector.create")
    assert entry.role == Role.ORGANIZER
    assert entry.object_id == str(inspector.pk)
    assert entry.after["phone"] == "139****1234"
    assert entry.after["id_number"] == id_number()[:4] + "*" * 10 + id_number()[-4:]
    assert entry.after["specialties"] == ["SP-EQUIP", "SP-FOOD"]
    assert entry.after["status"] == "on_duty"
    assert inspector.id_number == id_number()
    assert chain_verify().ok


def test_invalid_personal_data_and_non_specialty_tags_are_refused(people, make_inspector, tags):
    actor = people["kc_market_org"]
    with pytest.raises(ValidationError) as exc:
        make_inspector("13082720190012", actor=actor, id_number="130821198503120011")
    assert exc.value.message_dict["id_number"] == [
        "“130821198503120011”不是有效的居民身份证号码（18 位，校验码、出生日期或地区码不正确）"
    ]
    with pytest.raises(ValidationError) as exc:
        make_inspector("13082720190012", actor=actor, phone="12345")
    assert "不是有效的电话号码" in exc.value.message_dict["phone"][0]
    with pytest.raises(ValidationError) as exc:
        make_inspector("13082720190012", actor=actor, specialties=[tags["cafe"]])
    assert exc.value.message_dict["specialties"] == [
        "标签“网吧”不属于人员专业领域分类，不能作为专业特长"
    ]
    assert Inspector.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="inspector.").exists()


# --- status history and eligibility ----------------------------------------------------------


def test_leave_period_with_return_and_eligibility_boundaries(people, depts, make_inspector):
    actor = people["kc_market_org"]
    market = depts["kc_market"]
    wang = make_inspector("13082720190012", actor=actor, name="王海燕", valid_to=D(2027, 6, 30))
    make_inspector("13082720190013", actor=actor, name="李春生", valid_to=D(2026, 12, 15))
    services.inspector_status_change(
        actor=actor,
        inspector=wang,
        status=S.LEAVE,
        effective_from=D(2026, 12, 1),
        until=D(2026, 12, 10),
        reason="年休假",
    )
    periods = list(
        wang.status_periods.order_by("valid_from").values_list("status", "valid_from", "valid_to")
    )
    assert periods == [
        ("on_duty", D(2026, 1, 1), D(2026, 11, 30)),
        ("leave", D(2026, 12, 1), D(2026, 12, 10)),
        ("on_duty", D(2026, 12, 11), None),
    ]
    assert inspector_status_on(wang, D(2025, 12, 31)) is None
    assert inspector_status_on(wang, D(2026, 11, 30)) == S.ON_DUTY
    assert inspector_status_on(wang, D(2026, 12, 1)) == S.LEAVE
    assert inspector_status_on(wang, D(2026, 12, 10)) == S.LEAVE
    assert inspector_status_on(wang, D(2026, 12, 11)) == S.ON_DUTY
    assert eligible(market, D(2026, 11, 30)) == ["李春生", "王海燕"]
    assert eligible(market, D(2026, 12, 1)) == ["李春生"]
    assert eligible(market, D(2026, 12, 10)) == ["李春生"]
    assert eligible(market, D(2026, 12, 11)) == ["李春生", "王海燕"]
    # 李春生's certificate expires on 2026-12-15: still eligible that day, not the day after.
    assert eligible(market, D(2026, 12, 15)) == ["李春生", "王海燕"]
    assert eligible(market, D(2026, 12, 16)) == ["王海燕"]
    # Before registration nobody is in the pool.
    assert eligible(market, D(2025, 12, 31)) == []
    entry = AuditEntry.objects.get(action="inspector.status_change")
    assert entry.reason == "年休假"
    assert entry.before == {
        "periods": [{"status": "on_duty", "from": "2026-01-01", "to": None, "reason": "登记"}]
    }
    assert len(entry.after["periods"]) == 3


def test_status_change_on_the_start_day_supersedes_and_open_change_closes(people, make_inspector):
    actor = people["kc_market_org"]
    inspector = make_inspector("13082720190012", actor=actor, status_from=D(2026, 11, 26))
    services.inspector_status_change(
        actor=actor,
        inspector=inspector,
        status=S.SECONDED,
        effective_from=D(2026, 11, 26),
        reason="借调县委",
    )
    assert inspector_status_on(inspector, D(2026, 11, 26)) == S.SECONDED
    superseded = inspector.status_periods.get(status=S.ON_DUTY)
    assert superseded.superseded
    assert (superseded.valid_from, superseded.valid_to) == (D(2026, 11, 26), D(2026, 11, 25))
    services.inspector_status_change(
        actor=actor,
        inspector=inspector,
        status=S.ON_DUTY,
        effective_from=D(2027, 2, 1),
        reason="借调结束",
    )
    assert inspector_status_on(inspector, D(2027, 1, 31)) == S.SECONDED
    assert inspector_status_on(inspector, D(2027, 2, 1)) == S.ON_DUTY
    # A period inside a planned window is superseded by a longer change; contiguity holds.
    services.inspector_status_change(
        actor=actor,
        inspector=inspector,
        status=S.RETIRED,
        effective_from=D(2027, 1, 15),
        reason="退休",
    )
    live = [
        (p.status, p.valid_from, p.valid_to)
        for p in InspectorStatusPeriod.objects.filter(inspector=inspector).order_by(
            "valid_from", "id"
        )
        if not p.superseded
    ]
    assert live == [
        ("seconded", D(2026, 11, 26), D(2027, 1, 14)),
        ("retired", D(2027, 1, 15), None),
    ]


def test_status_change_refusals_change_nothing(people, make_inspector):
    actor = people["kc_market_org"]
    inspector = make_inspector("13082720190012", actor=actor)
    before = list(
        InspectorStatusPeriod.objects.values_list("id", "status", "valid_from", "valid_to")
    )
    count = AuditEntry.objects.count()
    cases: list[tuple[dict[str, Any], str, str]] = [
        (
            {"status": S.LEAVE, "effective_from": D(2026, 12, 1), "reason": " "},
            "reason",
            "请填写状态变更原因",
        ),
        (
            {"status": S.LEAVE, "effective_from": D(2025, 12, 1), "reason": "x"},
            "effective_from",
            "生效日期不能早于该人员的首次登记日期 2026-01-01",
        ),
        (
            {"status": S.ON_DUTY, "effective_from": D(2026, 12, 1), "reason": "x"},
            "status",
            "该人员自 2026-12-01 起已是“在岗”状态",
        ),
        (
            {
                "status": S.LEAVE,
                "effective_from": D(2026, 12, 5),
                "until": D(2026, 12, 1),
                "reason": "x",
            },
            "until",
            "截止日期不能早于生效日期",
        ),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(ValidationError) as exc:
            services.inspector_status_change(actor=actor, inspector=inspector, **kwargs)
        assert exc.value.message_dict == {field: [message]}
    with pytest.raises(PermissionDenied):
        services.inspector_status_change(
            actor=people["kc_market_insp"],
            inspector=inspector,
            status=S.LEAVE,
            effective_from=D(2026, 12, 1),
            reason="x",
        )
    assert (
        list(InspectorStatusPeriod.objects.values_list("id", "status", "valid_from", "valid_to"))
        == before
    )
    assert AuditEntry.objects.count() == count


def test_renewed_certificate_keeps_history_and_covers_the_gap_correctly(
    people, depts, make_inspector
):
    actor = people["kc_market_org"]
    inspector = make_inspector(
        "13082720190012", actor=actor, valid_from=D(2020, 1, 1), valid_to=D(2026, 12, 31)
    )
    services.inspector_certificate_renew(
        actor=actor,
        inspector=inspector,
        certificate_no="13082720260001",
        valid_from=D(2027, 1, 5),
        valid_to=D(2032, 1, 4),
        reason="到期换证",
    )
    inspector.refresh_from_db()
    assert inspector.certificate_no == "13082720260001"
    rows = list(
        InspectorCertificate.objects.order_by("valid_from").values_list(
            "certificate_no", "is_current"
        )
    )
    assert rows == [("13082720190012", False), ("13082720260001", True)]
    market = depts["kc_market"]
    assert eligible(market, D(2026, 12, 31)) == ["人员012"]
    assert eligible(market, D(2027, 1, 1)) == []  # old expired, new not yet valid
    assert eligible(market, D(2027, 1, 5)) == ["人员012"]
    # The old number stays reserved to this inspector.
    with pytest.raises(ValidationError):
        make_inspector("13082720190012", actor=actor)


def test_inactive_record_is_not_eligible(people, depts, make_inspector):
    actor = people["kc_market_org"]
    inspector = make_inspector("13082720190012", actor=actor)
    _, changed = services.inspector_update(actor=actor, inspector=inspector, is_active=False)
    assert changed
    assert eligible(depts["kc_market"], D(2026, 12, 1)) == []


def test_update_detects_no_change_and_masked_lookalike_phone_changes(people, make_inspector):
    actor = people["kc_market_org"]
    inspector = make_inspector("13082720190012", actor=actor, phone="13903141234")
    count = AuditEntry.objects.count()
    _, changed = services.inspector_update(actor=actor, inspector=inspector, phone="139 0314 1234")
    assert not changed
    assert AuditEntry.objects.count() == count
    # Same masked form (139****1234), different number: still a change.
    _, changed = services.inspector_update(actor=actor, inspector=inspector, phone="13900001234")
    assert changed
    inspector.refresh_from_db()
    assert inspector.phone == "13900001234"
    assert AuditEntry.objects.count() == count + 1


def test_other_department_cannot_write(people, make_inspector, depts):
    inspector = make_inspector("13082720190012", actor=people["kc_market_org"])
    count = AuditEntry.objects.count()
    for username in (
        "kc_culture_admin",
        "cd_market_admin",
        "xl_market_admin",
        "kc_market_insp",
        "kc_admin",
    ):
        with pytest.raises(PermissionDenied):
            services.inspector_update(actor=people[username], inspector=inspector, name="改名")
        with pytest.raises(PermissionDenied):
            services.inspector_create(
                actor=people[username],
                department=depts["kc_market"],
                name="新人",
                certificate_no="13082720190099",
            )
    inspector.refresh_from_db()
    assert inspector.name == "人员012"
    assert Inspector.objects.count() == 1
    assert AuditEntry.objects.count() == count


# --- conflicts -------------------------------------------------------------------------------


def test_conflict_declare_withdraw_and_in_force_on_a_date(people, make_inspector):
    actor = people["kc_market_org"]
    wang = make_inspector("13082720190012", actor=actor)
    li = make_inspector("13082720190013", actor=actor)
    conflict = services.conflict_declare(
        actor=actor,
        inspector=wang,
        entity_key="91130827ma0a1b2c39",
        entity_name="宽城某某网吧",
        relation="kinship",
        detail="配偶为该网吧法定代表人",
        valid_from=D(2026, 1, 1),
        valid_to=D(2026, 12, 31),
    )
    services.conflict_declare(
        actor=actor,
        inspector=li,
        entity_key=REG_NO,
        relation="former_employment",
        valid_from=D(2026, 6, 1),
    )
    assert conflict.entity_key == USCC
    ids = [wang.pk, li.pk]
    assert conflicts_in_force_on(inspector_ids=ids, date=D(2026, 5, 31)) == {wang.pk: {USCC}}
    assert conflicts_in_force_on(inspector_ids=ids, date=D(2026, 12, 31)) == {
        wang.pk: {USCC},
        li.pk: {REG_NO},
    }
    assert conflicts_in_force_on(inspector_ids=ids, date=D(2027, 1, 1)) == {li.pk: {REG_NO}}
    with pytest.raises(ValidationError) as exc:
        services.conflict_declare(
            actor=actor, inspector=wang, entity_key=USCC, relation="other", valid_from=D(2026, 3, 1)
        )
    assert exc.value.message_dict == {"entity_key": [f"该人员与 {USCC} 已有有效期重叠的回避登记"]}
    with pytest.raises(ValidationError) as exc:
        services.conflict_declare(
            actor=actor,
            inspector=wang,
            entity_key="91130827MA0A1B2C38",
            relation="other",
            valid_from=D(2026, 3, 1),
        )
    assert "不是有效的统一社会信用代码" in exc.value.message_dict["entity_key"][0]
    with pytest.raises(ValidationError):
        services.conflict_withdraw(actor=actor, conflict=conflict, reason="")
    services.conflict_withdraw(actor=actor, conflict=conflict, reason="已离婚")
    assert conflicts_in_force_on(inspector_ids=ids, date=D(2026, 12, 31)) == {li.pk: {REG_NO}}
    actions = list(
        AuditEntry.objects.filter(object_id=str(wang.pk), action__startswith="inspector.conflict")
        .order_by("seq")
        .values_list("action", "reason")
    )
    assert actions == [
        ("inspector.conflict_declare", ""),
        ("inspector.conflict_withdraw", "已离婚"),
    ]
    assert ConflictOfInterest.objects.get(pk=conflict.pk).withdraw_reason == "已离婚"


def test_inspector_may_declare_own_conflict_but_not_others(people, make_inspector):
    org = people["kc_market_org"]
    own = make_inspector("13082720190012", actor=org)
    other = make_inspector("13082720190013", actor=org)
    services.inspector_link_account(actor=org, inspector=own, user=people["kc_market_insp"])
    me = people["kc_market_insp"]
    services.conflict_declare(
        actor=me, inspector=own, entity_key=USCC, relation="kinship", valid_from=D(2026, 1, 1)
    )
    assert AuditEntry.objects.filter(action="inspector.conflict_declare", role="self").count() == 1
    with pytest.raises(PermissionDenied):
        services.conflict_declare(
            actor=me, inspector=other, entity_key=USCC, relation="kinship", valid_from=D(2026, 1, 1)
        )
    conflict = own.conflicts.get()
    with pytest.raises(PermissionDenied):
        services.conflict_withdraw(actor=me, conflict=conflict, reason="不想回避")
    assert ConflictOfInterest.objects.filter(withdrawn_at__isnull=True).count() == 1


# --- account link ----------------------------------------------------------------------------


def test_link_account_rules(people, make_inspector):
    org = people["kc_market_org"]
    first = make_inspector("13082720190012", actor=org)
    second = make_inspector("13082720190013", actor=org)
    with pytest.raises(ValidationError) as exc:
        services.inspector_link_account(actor=org, inspector=first, user=people["kc_market_admin"])
    assert exc.value.message_dict == {"user": ["账号 kc_market_admin 没有“执法检查人员”角色"]}
    with pytest.raises(ValidationError) as exc:
        services.inspector_link_account(actor=org, inspector=first, user=people["kc_culture_insp"])
    assert exc.value.message_dict == {"user": ["账号 kc_culture_insp 不属于 宽城县市场监督管理局"]}
    services.inspector_link_account(actor=org, inspector=first, user=people["kc_market_insp"])
    with pytest.raises(ValidationError) as exc:
        services.inspector_link_account(actor=org, inspector=second, user=people["kc_market_insp"])
    assert exc.value.message_dict == {"user": ["账号 kc_market_insp 已关联人员 人员012"]}
    assert people["kc_market_insp"].inspector_profile == first
    services.inspector_link_account(actor=org, inspector=first, user=None)
    first.refresh_from_db()
    assert first.user is None
    assert list(
        AuditEntry.objects.filter(action__contains="link_account")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["inspector.link_account", "inspector.unlink_account"]


# --- experts ---------------------------------------------------------------------------------


def test_expert_create_update_and_denial(people, depts, tags):
    org = people["kc_market_org"]
    expert = services.expert_create(
        actor=org,
        department=depts["kc_market"],
        name="李建民",
        organisation="承德市特种设备检验所",
        qualification="特种设备检验师",
        specialties=[tags["equipment"]],
        phone="13803141234",
    )
    _, changed = services.expert_update(actor=org, expert=expert, title="高级工程师")
    assert changed
    _, changed = services.expert_update(actor=org, expert=expert, title="高级工程师")
    assert not changed
    entry = AuditEntry.objects.get(action="expert.update")
    assert entry.before["title"] == "" and entry.after["title"] == "高级工程师"
    assert entry.after["phone"] == "138****1234"
    count = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        services.expert_update(actor=people["cd_market_admin"], expert=expert, title="改")
    expert.refresh_from_db()
    assert expert.title == "高级工程师"
    assert AuditEntry.objects.count() == count
