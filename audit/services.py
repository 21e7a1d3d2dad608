"""Appending to the audit log. Every service that writes calls `entry_append` in its transaction."""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import uuid
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from . import chain
from .models import AuditEntry, AuditHead

if TYPE_CHECKING:
    from accounts.models import Department, User

# Set per request by core.middleware.RequestContextMiddleware; read here so services need not
# thread the client address through every call.
current_ip: contextvars.ContextVar[str] = contextvars.ContextVar("suiji_current_ip", default="")


class AuditOutsideTransaction(RuntimeError):
    """entry_append was called outside a transaction: the entry could outlive a rolled-back write."""


def json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return chain.timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_value(v) for v in value]
        return (
            sorted(items, key=chain.canonical_json) if isinstance(value, set | frozenset) else items
        )
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The listed fields of `instance` as JSON-ready values (foreign keys by their id)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            data[name] = getattr(instance, field.attname)
        else:
            data[name] = json_value(getattr(instance, name))
    return data


def entry_append(
    *,
    actor: User | None,
    action: str,
    instance: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    role: str = "",
    department: Department | None = None,
    region_code: str | None = None,
    actor_username: str | None = None,
) -> AuditEntry:
    """Append one entry to the hash chain. Must run inside the caller's transaction.

    `department`/`region_code` say whose data was touched (they decide who may read the entry);
    they default to the actor's department.
    """
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction(action)
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or str(instance.pk)
        object_repr = object_repr or str(instance)
    if department is None and actor is not None:
        department = actor.department
    if region_code is None:
        region_code = department.region_id if department is not None else ""
    before_json = json_value(before) if before is not None else None
    after_json = json_value(after) if after is not None else None

    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    seq = head.last_seq + 1
    created_at = timezone.now()
    fields: dict[str, Any] = {
        "seq": seq,
        "created_at": created_at,
        "actor_id": actor.pk if actor is not None else None,
        "actor_username": actor.username if actor is not None else (actor_username or ""),
        "actor_name": actor.display_name if actor is not None else "",
        "role": role,
        "department_id": department.pk if department is not None else None,
        "region_code": region_code or "",
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr[:255],
        "reason": reason,
        "ip_address": current_ip.get(),
        "before_digest": chain.digest(before_json),
        "after_digest": chain.digest(after_json),
        "prev_hash": head.last_hash,
    }
    entry_hash = chain.entry_hash(chain.hash_payload(**fields))
    entry = AuditEntry.objects.create(
        **fields, before=before_json, after=after_json, entry_hash=entry_hash
    )
    head.last_seq = seq
    head.last_hash = entry_hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry
