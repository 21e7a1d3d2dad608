"""Re-checking the audit chain (used by `manage.py audit_verify` and the supervisor page)."""

from dataclasses import dataclass

from . import chain
from .models import GENESIS_HASH, AuditEntry, AuditHead


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    head_seq: int
    broken_seq: int | None = None
    problem: str = ""


def chain_verify() -> ChainReport:
    """Walk the chain in `seq` order and report the first broken link, if any.

    Detects: a changed column (hash mismatch), a changed before/after snapshot (digest mismatch),
    a deleted row (gap in seq / prev_hash mismatch), reordered rows (prev_hash mismatch) and
    deleted newest rows (the head no longer matches the last row).
    """
    expected_seq = 1
    expected_prev = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return ChainReport(
                False,
                checked,
                entry.seq,
                entry.seq,
                f"序号不连续：应为 #{expected_seq}，实为 #{entry.seq}（有记录被删除）",
            )
        if entry.prev_hash != expected_prev:
            return ChainReport(
                False,
                checked,
                entry.seq,
                entry.seq,
                f"#{entry.seq} 的前一条哈希与 #{entry.seq - 1} 不符（记录被改动、删除或调换顺序）",
            )
        if chain.digest(entry.before) != entry.before_digest:
            return ChainReport(
                False, checked, entry.seq, entry.seq, f"#{entry.seq} 的变更前内容被改动"
            )
        if chain.digest(entry.after) != entry.after_digest:
            return ChainReport(
                False, checked, entry.seq, entry.seq, f"#{entry.seq} 的变更后内容被改动"
            )
        payload = chain.hash_payload(
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
        if chain.entry_hash(payload) != entry.entry_hash:
            return ChainReport(
                False,
                checked,
                entry.seq,
                entry.seq,
                f"#{entry.seq} 的内容与其哈希不符（记录被改动）",
            )
        expected_prev = entry.entry_hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(id=1).first()
    head_seq = head.last_seq if head else 0
    head_hash = head.last_hash if head else GENESIS_HASH
    if head_seq != checked or head_hash != expected_prev:
        return ChainReport(
            False,
            checked,
            head_seq,
            checked + 1,
            f"链头记录为 #{head_seq}，但日志只到 #{checked}（最新的记录被删除或链头被改动）",
        )
    return ChainReport(True, checked, head_seq)
