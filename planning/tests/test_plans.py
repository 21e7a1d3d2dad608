import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from planning import services
from planning.models import PlanStatus, PlanVersion

D = dt.date


@pytest.fixture
def published(people, depts):
    org, admin = people["kc_market_org"], people["kc_market_admin"]
    version = services.plan_create(
        actor=org,
        department=depts["kc_market"],
        year=2026,
        title="2026年度双随机抽查工作计划",
        body="覆盖率不低于5%",
    )
    services.plan_batch_save(
        actor=org,
        version=version,
        name="食品经营专项",
        target_scope="辖区内食品经营者",
        window_start=D(2026, 3, 1),
        window_end=D(2026, 6, 30),
        ratio_bp=500,
    )
    services.plan_submit(actor=org, version=version)
    return services.plan_review(actor=admin, version=version, approve=True, note="同意")


def test_publish_needs_a_different_reviewer(people, depts):
    org = people["kc_market_org"]
    version = services.plan_create(
        actor=org, department=depts["kc_market"], year=2026, title="计划"
    )
    with pytest.raises(ValidationError, match="至少需要一个抽查批次"):
        services.plan_submit(actor=org, version=version)
    services.plan_batch_save(
        actor=org,
        version=version,
        name="批次",
        target_scope="全部",
        window_start=D(2026, 3, 1),
        window_end=D(2026, 4, 1),
        count=30,
    )
    services.plan_submit(actor=org, version=version)
    with pytest.raises(PermissionDenied):
        services.plan_review(actor=org, version=version, approve=True)
    with pytest.raises(PermissionDenied):
        services.plan_review(actor=people["cd_market_admin"], version=version, approve=True)
    version.refresh_from_db()
    assert version.status == PlanStatus.REVIEW


def test_published_plan_is_adjusted_by_a_new_version_with_a_reason(people, published):
    org, admin = people["kc_market_org"], people["kc_market_admin"]
    assert published.status == PlanStatus.PUBLISHED
    with pytest.raises(ValidationError, match="只有草稿"):
        services.plan_version_update(actor=org, version=published, title="偷偷改", body="")
    with pytest.raises(ValidationError, match="调整原因"):
        services.plan_adjust(actor=org, plan=published.plan, reason=" ")
    draft = services.plan_adjust(actor=org, plan=published.plan, reason="上级部署新增专项")
    assert (draft.number, draft.status, draft.batches.count()) == (2, PlanStatus.DRAFT, 1)
    services.plan_batch_save(
        actor=org,
        version=draft,
        name="网吧专项",
        target_scope="互联网上网服务营业场所",
        window_start=D(2026, 7, 1),
        window_end=D(2026, 9, 30),
        ratio_bp=1000,
    )
    services.plan_submit(actor=org, version=draft)
    services.plan_review(actor=admin, version=draft, approve=True)
    published.refresh_from_db()
    assert published.status == PlanStatus.SUPERSEDED
    assert published.title == "2026年度双随机抽查工作计划"
    assert [b.name for b in published.batches.all()] == ["食品经营专项"]
    assert [b.name for b in draft.batches.all()] == ["食品经营专项", "网吧专项"]
    assert PlanVersion.objects.filter(plan=published.plan, status=PlanStatus.PUBLISHED).count() == 1
    actions = list(
        AuditEntry.objects.filter(object_type="planning.planversion")
        .values_list("action", flat=True)
        .order_by("seq")
    )
    assert actions == [
        "plan.create",
        "plan.submit",
        "plan.publish",
        "plan.adjust",
        "plan.submit",
        "plan.publish",
    ]


def test_upper_level_sees_filed_plans_but_not_drafts_and_cannot_edit(client, people, published):
    org = people["kc_market_org"]
    draft = services.plan_adjust(actor=org, plan=published.plan, reason="调整")
    client.force_login(people["cd_market_admin"])
    assert client.get(reverse("planning:version_detail", args=[published.pk])).status_code == 200
    assert client.get(reverse("planning:version_detail", args=[draft.pk])).status_code == 404
    response = client.post(
        reverse("planning:version_edit", args=[draft.pk]), {"title": "x", "body": "", "reason": ""}
    )
    assert response.status_code == 404
    client.force_login(people["xl_market_admin"])
    assert client.get(reverse("planning:version_detail", args=[published.pk])).status_code == 404
    client.force_login(people["kc_culture_admin"])
    assert client.get(reverse("planning:plan_list")).context["plans"].count() == 0
    draft.refresh_from_db()
    assert draft.title == "2026年度双随机抽查工作计划"


def test_plan_pages_for_the_author(client, people, published):
    client.force_login(people["kc_market_org"])
    page = client.get(reverse("planning:version_detail", args=[published.pk])).content.decode()
    assert "食品经营专项" in page and "据此创建任务" in page and "调整计划" in page
