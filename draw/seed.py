"""Seed and ticket primitives (docs/draw-spec.md §3-§5): ticket formulas, quota arithmetic,
beacon round, server nonce, and the seed derived from the revealed entropy."""

from __future__ import annotations

import calendar
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from draw.canonical import RE_HEX64, RE_TIME, check_field, sha256_hex
from draw.records import (
    BeaconPlan,
    Commitment,
    DrawError,
    DrawParams,
    EntropyReveal,
    Quota,
)


def rank_ticket(seed: str, stratum: str, uscc: str) -> str:
    """Outputs: H("ISD1:rank|" + seed + "|" + stratum + "|" + uscc), 64 lowercase hex.

    Identical to the ISD-1 ticket in draw-research.md, so SQL engines compute it exactly.
    """
    return sha256_hex("ISD1:rank|" + seed + "|" + stratum + "|" + uscc)


def inspector_ticket(seed: str, department: str, badge: str) -> str:
    """Outputs: H("ISD1:insp|" + seed + "|" + department + "|" + badge)."""
    return sha256_hex("ISD1:insp|" + seed + "|" + department + "|" + badge)


def quota_k(population: int, quota: Quota) -> int:
    """Outputs: k for a stratum of the given population (integer arithmetic, ceil)."""
    if quota.count is not None:
        return min(population, quota.count)
    assert quota.ratio_bp is not None
    return min(population, (population * quota.ratio_bp + 9999) // 10000)


def reserve_size(population: int, k: int, params: DrawParams) -> int:
    """Outputs: r = min(N - k, max(reserve_min, ceil(k * reserve_ratio_bp / 10000)))."""
    wanted = max(params.reserve_min, (k * params.reserve_ratio_bp + 9999) // 10000)
    return min(population - k, wanted)


def beacon_round(plan: BeaconPlan, committed_at: str) -> int:
    """Outputs: the first beacon round whose time is >= committed_at + delay_seconds."""
    target = parse_utc(committed_at) + plan.delay_seconds - plan.genesis_time
    return max(1, -(-target // plan.period) + 1)


def parse_utc(stamp: str) -> int:
    """Outputs: Unix seconds of "YYYY-MM-DDTHH:MM:SSZ"."""
    check_field(stamp, RE_TIME, "timestamp")
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


def new_server_nonce() -> str:
    """Outputs: a fresh 32-byte server nonce as 64 lowercase hex (commit its SHA-256 first)."""
    return secrets.token_hex(32)


def witness_string(parties: Sequence[str], reveal: EntropyReveal) -> str:
    """Outputs: "party=digits;party=digits" in committed party order ("" if no witness)."""
    return ";".join(f"{w.party}={w.digits}" for w in reveal.witness) if parties else ""


def seed_string(manifest: Mapping[str, Any], manifest_sha256: str, reveal: EntropyReveal) -> str:
    """Outputs: the exact string hashed into the seed (docs/draw-spec.md §4)."""
    entropy = manifest["entropy"]
    beacon = entropy["beacon"]
    if beacon is None:
        net = chain = rnd = rand = "-"
    else:
        assert reveal.beacon is not None
        net, chain = beacon["network"], beacon["chain_hash"]
        rnd, rand = str(beacon["round"]), reveal.beacon.randomness
    parties = entropy["witness"]["parties"] if entropy["witness"] else []
    wit = sha256_hex(witness_string(parties, reveal))
    fields = [manifest_sha256, net, chain, rnd, rand, wit, reveal.server_nonce]
    return "SUIJI1:seed|" + "|".join(fields)


def derive_seed(commitment: Commitment, reveal: EntropyReveal) -> str:
    """Check the revealed entropy against the commitment and derive the seed.

    Inputs: commitment; reveal (server nonce, witness digits, beacon value).
    Outputs: seed, 64 lowercase hex. Raises DrawError when the reveal does not match.
    """
    entropy = commitment.manifest["entropy"]
    if not RE_HEX64.fullmatch(reveal.server_nonce):
        raise DrawError("bad_nonce", "server nonce must be 64 lowercase hex characters")
    if sha256_hex(reveal.server_nonce) != entropy["server_nonce_sha256"]:
        raise DrawError("nonce_mismatch", "revealed server nonce does not match its commitment")
    witness = entropy["witness"]
    if witness:
        got = [w.party for w in reveal.witness]
        if got != witness["parties"]:
            raise DrawError(
                "witness_parties",
                "witness parties differ from the committed list",
                {"expected": witness["parties"], "got": got},
            )
        for w in reveal.witness:
            if not w.digits.isdigit() or not w.digits.isascii():
                raise DrawError("witness_digits", f"{w.party}: digits must be 0-9 only")
            if len(w.digits) < witness["min_digits_per_party"]:
                raise DrawError("witness_digits", f"{w.party}: too few digits")
    elif reveal.witness:
        raise DrawError("witness_unexpected", "witness digits given but none were committed")
    beacon = entropy["beacon"]
    if beacon:
        if reveal.beacon is None:
            raise DrawError("beacon_missing", "the committed beacon round has not been supplied")
        if reveal.beacon.round != beacon["round"]:
            raise DrawError(
                "beacon_round",
                "beacon value is for the wrong round",
                {"expected": beacon["round"], "got": reveal.beacon.round},
            )
        if not RE_HEX64.fullmatch(reveal.beacon.randomness):
            raise DrawError("beacon_randomness", "beacon randomness must be 64 lowercase hex")
        signature = reveal.beacon.signature
        if signature and sha256_hex(bytes.fromhex(signature)) != reveal.beacon.randomness:
            raise DrawError("beacon_randomness", "randomness != SHA-256(signature)")
    elif reveal.beacon is not None:
        raise DrawError("beacon_unexpected", "beacon value given but none was committed")
    return sha256_hex(seed_string(commitment.manifest, commitment.manifest_sha256, reveal))
