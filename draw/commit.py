"""Commitment (docs/draw-spec.md §3): the manifest published before any randomness."""

from __future__ import annotations

from typing import Any

from draw.canonical import (
    RE_CODE,
    RE_HEX64,
    canonical_json,
    check_field,
    check_text,
    sha256_hex,
)
from draw.records import (
    SPEC_VERSIONS,
    Commitment,
    DrawError,
    DrawParams,
    EntropyPlan,
    Snapshot,
)
from draw.seed import beacon_round, parse_utc


def params_json(params: DrawParams) -> dict[str, Any]:
    """Outputs: the parameters as committed in the manifest."""
    quotas: dict[str, Any] = {}
    for key, q in sorted(params.quotas.items()):
        quotas[key] = {"ratio_bp": q.ratio_bp} if q.ratio_bp is not None else {"count": q.count}
    return {
        "quotas": quotas,
        "rounding": "ceil",
        "stratify_flags": list(params.stratify_flags),
        "max_inspections_per_year": params.max_inspections_per_year,
        "departments": [
            {"department": d.department, "per_group": d.per_group} for d in params.departments
        ],
        "group_count": params.group_count,
        "max_load": params.max_load,
        "reserve_min": params.reserve_min,
        "reserve_ratio_bp": params.reserve_ratio_bp,
        "id_check": params.id_check,
    }


def commit(
    snapshot: Snapshot,
    *,
    committed_at: str,
    audit_chain_head: str,
    server_nonce_sha256: str,
    entropy: EntropyPlan,
) -> Commitment:
    """Build the manifest that is published before any randomness exists.

    Inputs: snapshot from freeze(); committed_at (UTC "YYYY-MM-DDTHH:MM:SSZ", not before
        frozen_at); audit_chain_head: head hash of the platform's audit chain, as a string;
        server_nonce_sha256: SHA-256 of the server nonce (the nonce stays secret until the
        draw); entropy plan: witness parties and/or beacon.
    Outputs: Commitment with the manifest, its canonical bytes and manifest_sha256.
    """
    task = snapshot.task
    if parse_utc(committed_at) < parse_utc(task.frozen_at):
        raise DrawError("bad_time", "committed_at is before frozen_at")
    check_field(server_nonce_sha256, RE_HEX64, "server_nonce_sha256")
    check_text(audit_chain_head, "audit_chain_head")
    if not entropy.witness_parties and entropy.beacon is None:
        raise DrawError("no_entropy", "a witness ceremony or a beacon round is required")
    witness: dict[str, Any] | None = None
    if entropy.witness_parties:
        for party in entropy.witness_parties:
            if not party:
                raise DrawError("bad_field", "empty witness party name")
            check_text(party, "witness party")
        if len(set(entropy.witness_parties)) != len(entropy.witness_parties):
            raise DrawError("bad_field", "witness party listed twice")
        if entropy.min_digits_per_party < 1:
            raise DrawError("bad_parameter", "min_digits_per_party must be >= 1")
        witness = {
            "parties": list(entropy.witness_parties),
            "min_digits_per_party": entropy.min_digits_per_party,
        }
    beacon: dict[str, Any] | None = None
    if entropy.beacon is not None:
        b = entropy.beacon
        check_field(b.network, RE_CODE, "beacon network")
        check_field(b.chain_hash, RE_HEX64, "beacon chain_hash")
        if b.period < 1 or b.delay_seconds < 0:
            raise DrawError("bad_parameter", "beacon period must be >= 1, delay >= 0")
        beacon = {
            "network": b.network,
            "chain_hash": b.chain_hash,
            "genesis_time": b.genesis_time,
            "period": b.period,
            "delay_seconds": b.delay_seconds,
            "round": beacon_round(b, committed_at),
        }
    manifest: dict[str, Any] = {
        "algorithm": snapshot.algorithm,
        "spec_version": SPEC_VERSIONS[snapshot.algorithm],
        "task_id": task.task_id,
        "draw_id": task.draw_id,
        "title": task.title,
        "as_of_date": task.as_of_date,
        "year": int(task.as_of_date[:4]),
        "frozen_at": task.frozen_at,
        "committed_at": committed_at,
        "filter": task.filter_description,
        "supersedes": (
            {"draw_sha256": task.supersedes, "reason": task.supersede_reason}
            if task.supersedes
            else None
        ),
        "parameters": params_json(snapshot.params),
        "files": {
            d.name: (
                {"sha256": d.sha256, "lines": d.lines, "merkle_root": d.merkle_root}
                if d.merkle_root
                else {"sha256": d.sha256, "lines": d.lines}
            )
            for d in snapshot.digests
        },
        "strata": {
            s.stratum: {"population": s.population, "k": s.k, "reserve": s.reserve}
            for s in snapshot.strata
        },
        "groups": {"count": snapshot.group_count, "eligible": dict(snapshot.pool)},
        "audit_chain_head": audit_chain_head,
        "entropy": {
            "server_nonce_sha256": server_nonce_sha256,
            "witness": witness,
            "beacon": beacon,
        },
    }
    data = canonical_json(manifest)
    return Commitment(snapshot, manifest, data, sha256_hex(data))
