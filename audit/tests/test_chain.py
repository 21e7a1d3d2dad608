"""The audit chain: appends in the writer's transaction, and audit_verify catches any edit,
deletion or reordering, naming the first broken link."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse

from accounts.models import DepartmentKind, Role
from accounts.services import department_create, user_create
from audit.models import GENESIS_HASH, AuditEntry, AuditHead
from audit.services import AuditOutsideTransaction, entry_append
from audit.verification import chain_verify


@pytest.fixture
def chain(people):
    """The fixtures above wrote 8 departments and 12 users: 20 chained entries."""
    assert AuditEntry.objects.count() == 20
    return list(AuditEntry.objects.order_by("seq"))


def test_chain_links_every_entry_to_the_previous_one(chain):
    assert [e.seq for e in chain] == list(range(1, 21))
    assert chain[0].prev_hash == GENESIS_HASH
    for previous, entry in zip(chain, chain[1:], strict=False):
        assert entry.prev_hash == previous.entry_hash
    head = AuditHead.objects.get()
    assert (head.last_seq, head.last_hash) == (20, chain[-1].entry_hash)
    report = chain_verify()
    assert (report.ok, report.checked, report.head_seq) == (True, 20, 20)


def test_audit_verify_command_passes_on_an_intact_chain(chain, capsys):
    call_command("audit_verify")
    assert "通过 PASS：已校验 20 条，链头 #20" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action", "user.delete"),
        ("actor_username", "someone_else"),
        ("reason", "补录"),
        ("object_repr", "张三"),
        ("role", "region_admin"),
        ("region_code", "999999"),
    ],
)
def test_an_edited_column_breaks_the_chain_at_that_entry(chain, field, value):
    AuditEntry.objects.filter(seq=7).update(**{field: value})
    report = chain_verify()
    assert (report.ok, report.broken_seq, report.checked) == (False, 7, 6)
    assert "哈希不符" in report.problem
    with pytest.raises(CommandError, match="第一处断链在 #7"):
        call_command("audit_verify")


def test_an_edited_snapshot_is_detected(chain):
    entry = AuditEntry.objects.get(seq=12)
    entry.after = {**(entry.after or {}), "roles": ["region_admin"]}
    entry.save()
    report = chain_verify()
    assert (report.ok, report.broken_seq) == (False, 12)
    assert report.problem == "#12 的变更后内容被改动"


def test_an_edited_snapshot_with_recomputed_digest_is_still_detected(chain):
    from audit.chain import digest

    entry = AuditEntry.objects.get(seq=12)
    entry.after = {**(entry.after or {}), "roles": ["region_admin"]}
    entry.after_digest = digest(entry.after)
    entry.save()
    report = chain_verify()
    assert (report.ok, report.broken_seq) == (False, 12)
    assert "哈希不符" in report.problem


def test_a_deleted_entry_is_detected(chain):
    AuditEntry.objects.filter(seq=5).delete()
    report = chain_verify()
    assert (report.ok, report.broken_seq, report.checked) == (False, 6, 4)
    assert "序号不连续" in report.problem


def test_a_deleted_newest_entry_is_detected_through_the_head(chain):
    AuditEntry.objects.filter(seq=20).delete()
    report = chain_verify()
    assert (report.ok, report.checked, report.broken_seq) == (False, 19, 20)
    assert "链头" in report.problem


def test_reordered_entries_are_detected(chain):
    # Swap the contents of #8 and #9 by swapping their sequence numbers.
    AuditEntry.objects.filter(seq=8).update(seq=100000)
    AuditEntry.objects.filter(seq=9).update(seq=8)
    AuditEntry.objects.filter(seq=100000).update(seq=9)
    report = chain_verify()
    assert (report.ok, report.broken_seq) == (False, 8)
    assert "前一条哈希" in report.problem


def test_a_rehashed_forgery_is_caught_at_the_next_link(chain):
    from audit import chain as rules

    entry = AuditEntry.objects.get(seq=10)
    entry.action = "user.delete"
    payload = rules.hash_payload(
        seq=entry.seq,
        created_at=entry.created_at,
        actor_id=entry.actor_id,
        actor_username=entry.actor_username,
        actor_name=entry.actor_name,
        role=entry.role,
        department_id=entry.department_id,
        region_code=entry.region_code,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        object_repr=entry.object_repr,
        reason=entry.reason,
        ip_address=entry.ip_address,
        before_digest=entry.before_digest,
        after_digest=entry.after_digest,
        prev_hash=entry.prev_hash,
    )
    entry.entry_hash = rules.entry_hash(payload)
    entry.save()
    report = chain_verify()
    assert (report.ok, report.broken_seq) == (False, 11)


def test_append_outside_a_transaction_is_refused(transactional_db):
    with pytest.raises(AuditOutsideTransaction):
        entry_append(actor=None, action="test.write")
    assert AuditEntry.objects.count() == 0


def test_a_failed_write_leaves_no_entry(depts):
    count = AuditEntry.objects.count()
    with pytest.raises(Exception, match="password|密码"):
        user_create(
            actor=None,
            username="weak",
            full_name="弱密码",
            department=depts["kc_market"],
            roles=[Role.INSPECTOR],
            password="12345678",
        )
    assert AuditEntry.objects.count() == count


def test_a_rolled_back_transaction_takes_its_entry_with_it(regions):
    with pytest.raises(RuntimeError), transaction.atomic():
        department_create(
            actor=None, name="临时部门", kind=DepartmentKind.OTHER, region=regions["130827"]
        )
        raise RuntimeError("abort")
    assert AuditEntry.objects.count() == 0
    assert chain_verify().ok


AUDIT_VISIBLE = {
    # departments whose entries each viewer sees (entries carry the department touched)
    "kc_market_admin": {"宽城县市场监督管理局", "宽城镇市场监管所"},
    "kc_supervisor": {
        "宽城县双随机办",
        "宽城县市场监督管理局",
        "宽城县旅游和文化广电局",
        "宽城县司法局",
        "宽城镇市场监管所",
    },
    "cd_market_admin": {
        "承德市市场监督管理局",
        "宽城县市场监督管理局",
        "宽城镇市场监管所",
        "兴隆县市场监督管理局",
    },
}


@pytest.mark.parametrize("viewer", sorted(AUDIT_VISIBLE))
def test_audit_log_page_api_and_export_follow_scope(client, people, viewer):
    client.force_login(people[viewer])
    response = client.get(reverse("audit:entry_list"))
    assert response.status_code == 200
    all_rows = response.context["page"].paginator.object_list
    assert {e.department.name for e in all_rows} == AUDIT_VISIBLE[viewer]
    api = client.get(reverse("audit:api_entry_list")).json()
    assert {r["department"] for r in api["results"]} == AUDIT_VISIBLE[viewer]
    assert api["count"] == all_rows.count()
    assert client.get(reverse("audit:entry_export")).status_code == 200


@pytest.mark.parametrize("viewer", ["kc_market_insp", "kc_market_org", "kc_joint"])
def test_audit_log_is_refused_to_other_roles(client, people, viewer):
    client.force_login(people[viewer])
    for name in [
        "audit:entry_list",
        "audit:entry_export",
        "audit:api_entry_list",
        "audit:chain_status",
    ]:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("audit:entry_detail", args=[1])).status_code == 403


def test_entry_detail_outside_scope_is_404(client, people):
    other = AuditEntry.objects.filter(department__name="承德市市场监督管理局").first()
    client.force_login(people["kc_supervisor"])
    assert client.get(reverse("audit:entry_detail", args=[other.seq])).status_code == 404


def test_supervisor_sees_chain_status(client, people):
    client.force_login(people["kc_supervisor"])
    response = client.get(reverse("audit:chain_status"))
    assert response.status_code == 200
    assert "哈希链完整" in response.content.decode()
    AuditEntry.objects.filter(seq=3).update(reason="x")
    assert "第一处断链在 #3" in client.get(reverse("audit:chain_status")).content.decode()
