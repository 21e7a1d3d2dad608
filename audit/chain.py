"""The audit chain's hashing rules, kept free of the ORM so they can be read and re-implemented.

entry_hash = SHA-256 over the UTF-8 bytes of the canonical JSON (keys sorted, no whitespace,
non-ASCII kept) of the object built by `hash_payload`. Timestamps are UTC ISO-8601 with
microseconds. `before_digest`/`after_digest` are SHA-256 of the canonical JSON of the
before/after snapshots (the JSON `null` when there is none).
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hash_payload(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_username: str,
    actor_name: str,
    role: str,
    department_id: int | None,
    region_code: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    reason: str,
    ip_address: str,
    before_digest: str,
    after_digest: str,
    prev_hash: str,
) -> dict[str, Any]:
    return {
        "v": 1,
        "seq": seq,
        "created_at": timestamp(created_at),
        "actor_id": actor_id,
        "actor_username": actor_username,
        "actor_name": actor_name,
        "role": role,
        "department_id": department_id,
        "region_code": region_code,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "reason": reason,
        "ip_address": ip_address,
        "before_digest": before_digest,
        "after_digest": after_digest,
        "prev_hash": prev_hash,
    }


def entry_hash(payload: dict[str, Any]) -> str:
    return digest(payload)
