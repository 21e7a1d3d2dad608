"""The draw engine: freeze -> commit -> draw -> certificate, then replace / void.

Algorithm SUIJI-ISD1 v1.0, specified in docs/draw-spec.md. Standard library only.
The standalone verifier (draw/verify.py) re-implements the same spec independently.
"""

from __future__ import annotations

import calendar
import heapq
import secrets
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from draw.canonical import (
    RE_BADGE,
    RE_CODE,
    RE_DATE,
    RE_FLAG,
    RE_GRADE,
    RE_HEX64,
    RE_ID,
    RE_REASON,
    RE_TIME,
    MerkleAccumulator,
    canonical_json,
    check_field,
    check_text,
    file_bytes,
    flags_field,
    iter_lines,
    leaf_hash,
    merkle_path,
    sha256_hex,
    stratum_key,
    validate_entity_id,
)
from draw.records import (
    ALGORITHM_ID,
    CERTIFICATE_FORMAT,
    SPEC_VERSION,
    Assignment,
    BeaconPlan,
    Candidate,
    Certificate,
    Commitment,
    ConflictPair,
    DrawError,
    DrawFailure,
    DrawParams,
    DrawResult,
    EntityExclusion,
    EntropyPlan,
    EntropyReveal,
    FileDigest,
    Group,
    Inspector,
    InspectorExclusion,
    Quota,
    Snapshot,
    StratumPlan,
    StratumResult,
    TaskInfo,
    Ticket,
)

CANDIDATES = "candidates.csv"
EXCLUDED = "excluded.csv"
INSPECTORS = "inspectors.csv"
INSPECTOR_EXCLUSIONS = "inspector_exclusions.csv"
COI = "coi.csv"
FILE_NAMES = (CANDIDATES, EXCLUDED, INSPECTORS, INSPECTOR_EXCLUSIONS, COI)
MERKLE_FILES = (CANDIDATES, EXCLUDED)
CAP_REASON = "yearly_cap"
LABEL = "随机抽查抽取证书 / Random inspection draw certificate"


# ----------------------------------------------------------------------------- primitives


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


# ----------------------------------------------------------------------------- freeze


def freeze(
    *,
    task: TaskInfo,
    params: DrawParams,
    candidates: Iterable[Candidate],
    exclusions: Iterable[EntityExclusion] = (),
    inspectors: Iterable[Inspector] = (),
    inspector_exclusions: Iterable[InspectorExclusion] = (),
    conflicts: Iterable[ConflictPair] = (),
) -> Snapshot:
    """Freeze the inputs into canonical files (before any randomness exists).

    Inputs: task identity; parameters; the filtered candidate set (entities at the yearly
        cap are moved to the exclusion list here, reason "yearly_cap"); caller exclusions
        with reasons; the full inspector pool and the unavailable inspectors with reasons
        (removed from the pool); conflict-of-interest pairs. Row order does not matter.
    Outputs: Snapshot with the five canonical files, their digests, per-stratum N/k/reserve
        and the number of groups. Raises DrawError when the inputs are malformed or the
        pool cannot staff the groups (pre-flight, so a bad draw is never committed).
    """
    _check_task(task)
    _check_params(params)
    cap = params.max_inspections_per_year
    cand_lines: list[str] = []
    excl_lines: list[str] = []
    seen: set[str] = set()
    population: Counter[str] = Counter()

    def entity_fields(uscc: str, grade: str, flags: tuple[str, ...], count: int) -> list[str]:
        validate_entity_id(uscc, params.id_check)
        if uscc in seen:
            raise DrawError("duplicate_entity", f"entity {uscc} appears twice")
        seen.add(uscc)
        check_field(grade, RE_GRADE, "grade")
        if not isinstance(count, int) or count < 0:
            raise DrawError("bad_field", f"{uscc}: inspections_this_year must be >= 0")
        fl = flags_field(flags)
        return [uscc, stratum_key(grade, fl, params.stratify_flags), grade, fl, str(count)]

    for c in candidates:
        f = entity_fields(c.uscc, c.grade, c.flags, c.inspections_this_year)
        if c.inspections_this_year >= cap:
            excl_lines.append(",".join([*f, CAP_REASON, f"at_or_above_{cap}"]))
        else:
            cand_lines.append(",".join(f))
            population[f[1]] += 1
    for e in exclusions:
        f = entity_fields(e.uscc, e.grade, e.flags, e.inspections_this_year)
        check_field(e.reason, RE_REASON, "exclusion reason")
        excl_lines.append(",".join([*f, e.reason, check_text(e.detail, "detail")]))

    excluded_badges: dict[str, InspectorExclusion] = {}
    ie_lines = []
    for x in inspector_exclusions:
        check_field(x.badge, RE_BADGE, "badge")
        check_field(x.department, RE_CODE, "department")
        check_field(x.reason, RE_REASON, "inspector exclusion reason")
        if x.badge in excluded_badges:
            raise DrawError("duplicate_inspector", f"inspector {x.badge} excluded twice")
        excluded_badges[x.badge] = x
        ie_lines.append(f"{x.department},{x.badge},{x.reason},{check_text(x.detail, 'detail')}")
    insp_lines = []
    badges: set[str] = set()
    for i in inspectors:
        check_field(i.badge, RE_BADGE, "badge")
        check_field(i.department, RE_CODE, "department")
        if i.badge in badges:
            raise DrawError("duplicate_inspector", f"inspector {i.badge} appears twice")
        badges.add(i.badge)
        if not isinstance(i.load, int) or i.load < 0:
            raise DrawError("bad_field", f"{i.badge}: load must be >= 0")
        if i.badge in excluded_badges:
            continue
        insp_lines.append(f"{i.department},{i.badge},{i.load}")
    coi_lines = []
    for p in conflicts:
        check_field(p.badge, RE_BADGE, "badge")
        validate_entity_id(p.uscc, "syntax")
        check_field(p.reason, RE_REASON, "conflict reason")
        coi_lines.append(f"{p.badge},{p.uscc},{p.reason}")
    dedup_coi = sorted(set(coi_lines))

    files = {
        CANDIDATES: file_bytes(cand_lines),
        EXCLUDED: file_bytes(excl_lines),
        INSPECTORS: file_bytes(insp_lines),
        INSPECTOR_EXCLUSIONS: file_bytes(ie_lines),
        COI: file_bytes(dedup_coi),
    }
    digests = tuple(file_digest(name, files[name]) for name in FILE_NAMES)
    strata = plan_strata(population, params)
    eligible = eligible_pool(files[INSPECTORS], params)
    groups = plan_groups(sum(s.k for s in strata), eligible, params)
    return Snapshot(task, params, files, digests, strata, groups, eligible)


def file_digest(name: str, data: bytes) -> FileDigest:
    """Outputs: SHA-256, line count and (for entity files) the RFC 6962 Merkle root."""
    lines = data.count(b"\n")
    root = ""
    if name in MERKLE_FILES:
        acc = MerkleAccumulator()
        for line in iter_lines(data):
            acc.add(line.encode("utf-8"))
        root = acc.root()
    return FileDigest(name, sha256_hex(data), lines, root)


def plan_strata(population: Mapping[str, int], params: DrawParams) -> tuple[StratumPlan, ...]:
    """Outputs: N, k and reserve size per stratum, sorted by stratum key.

    Every stratum with candidates needs a quota; quotas for empty strata are kept (N=0).
    """
    missing = sorted(set(population) - set(params.quotas))
    if missing:
        raise DrawError("missing_quota", "strata without a quota", {"strata": missing})
    plans = []
    for key in sorted(params.quotas):
        n = population.get(key, 0)
        k = quota_k(n, params.quotas[key])
        plans.append(StratumPlan(key, n, k, reserve_size(n, k, params)))
    return tuple(plans)


def eligible_pool(inspectors_file: bytes, params: DrawParams) -> dict[str, int]:
    """Outputs: department -> number of inspectors with load < max_load."""
    pool: Counter[str] = Counter()
    for line in iter_lines(inspectors_file):
        dept, _badge, load = line.split(",")
        if int(load) < params.max_load:
            pool[dept] += 1
    return {d.department: pool.get(d.department, 0) for d in params.departments}


def plan_groups(total_k: int, eligible: Mapping[str, int], params: DrawParams) -> int:
    """Outputs: number of groups G; raises DrawError("insufficient_inspectors")."""
    if total_k == 0:
        return 0
    possible = min(eligible[d.department] // d.per_group for d in params.departments)
    groups = params.group_count or min(total_k, possible)
    if groups == 0 or groups > possible:
        raise DrawError(
            "insufficient_inspectors",
            "the available inspectors cannot staff the groups",
            {
                "groups": groups,
                "needed": {d.department: max(groups, 1) * d.per_group for d in params.departments},
                "eligible": dict(eligible),
            },
        )
    return groups


def _check_task(task: TaskInfo) -> None:
    check_field(task.task_id, RE_ID, "task_id")
    check_field(task.draw_id, RE_ID, "draw_id")
    check_field(task.as_of_date, RE_DATE, "as_of_date")
    parse_utc(task.frozen_at)
    if task.supersedes:
        check_field(task.supersedes, RE_HEX64, "supersedes")
        check_field(task.supersede_reason, RE_REASON, "supersede_reason")


def _check_params(params: DrawParams) -> None:
    for key, quota in params.quotas.items():
        parts = key.split(":")
        check_field(parts[0], RE_GRADE, "stratum grade")
        for flag in parts[1:]:
            check_field(flag, RE_FLAG, "stratum flag")
        if (quota.ratio_bp is None) == (quota.count is None):
            raise DrawError("bad_parameter", f"stratum {key}: set exactly one of ratio_bp/count")
        if quota.ratio_bp is not None and not 0 <= quota.ratio_bp <= 10000:
            raise DrawError("bad_parameter", f"stratum {key}: ratio_bp must be 0..10000")
        if quota.count is not None and quota.count < 0:
            raise DrawError("bad_parameter", f"stratum {key}: count must be >= 0")
    for flag in params.stratify_flags:
        check_field(flag, RE_FLAG, "stratify flag")
    if params.max_inspections_per_year < 1:
        raise DrawError("bad_parameter", "max_inspections_per_year must be >= 1")
    if not params.departments:
        raise DrawError("bad_parameter", "at least one department is required")
    depts = [d.department for d in params.departments]
    if len(set(depts)) != len(depts):
        raise DrawError("bad_parameter", "a department is listed twice")
    for d in params.departments:
        check_field(d.department, RE_CODE, "department")
        if d.per_group < 1:
            raise DrawError("bad_parameter", f"{d.department}: per_group must be >= 1")
    if sum(d.per_group for d in params.departments) < 2:
        raise DrawError("bad_parameter", "a group needs at least 2 inspectors")
    if params.group_count < 0 or params.max_load < 1:
        raise DrawError("bad_parameter", "group_count must be >= 0 and max_load >= 1")
    if params.reserve_min < 0 or not 0 <= params.reserve_ratio_bp <= 100000:
        raise DrawError("bad_parameter", "bad reserve parameters")
    if params.id_check not in ("gb32100", "syntax"):
        raise DrawError("bad_parameter", f"unknown id_check {params.id_check!r}")


# ----------------------------------------------------------------------------- commit


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
        "algorithm": ALGORITHM_ID,
        "spec_version": SPEC_VERSION,
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


# ----------------------------------------------------------------------------- draw


def rank_stratum(
    seed: str, stratum: str, usccs: Iterable[str], k: int, reserve: int
) -> StratumResult:
    """Rank one stratum by ticket and cut it.

    Inputs: seed; stratum key; its entity ids (any order); k; reserve size.
    Outputs: StratumResult with the k smallest (ticket, uscc) as selected, the next
        `reserve` as the reserve list, and cutoff_ticket = the k-th ticket ("" if k = 0).
    """
    ranked = sorted((rank_ticket(seed, stratum, u), u) for u in usccs)
    head = [Ticket(u, t, i + 1) for i, (t, u) in enumerate(ranked[: k + reserve])]
    return StratumResult(
        stratum,
        len(ranked),
        k,
        head[k - 1].ticket if k else "",
        tuple(head[:k]),
        tuple(head[k:]),
    )


@dataclass(frozen=True)
class _Pool:
    """Parsed inspector-side files."""

    departments: dict[str, str]  # badge -> department
    loads: dict[str, int]  # badge -> load at freeze
    coi: frozenset[tuple[str, str]]  # (badge, uscc)


def _parse_pool(files: Mapping[str, bytes]) -> _Pool:
    departments, loads = {}, {}
    for line in iter_lines(files[INSPECTORS]):
        dept, badge, load = line.split(",")
        departments[badge], loads[badge] = dept, int(load)
    coi = frozenset((line.split(",")[0], line.split(",")[1]) for line in iter_lines(files[COI]))
    return _Pool(departments, loads, coi)


def draw_inspectors(
    seed: str, pool: _Pool, params: DrawParams, groups: int
) -> tuple[list[dict[str, Any]], tuple[Group, ...]]:
    """Draw inspectors per department and deal them into groups.

    Inputs: seed; parsed pool; params; G.
    Outputs: per-department {"department", "drawn", "reserve"} ([badge, ticket] lists, in
        ticket order) and the G groups (members: lead department first, leader = first).
    """
    per_dept: list[dict[str, Any]] = []
    drawn: dict[str, list[str]] = {}
    for req in params.departments:
        ranked = sorted(
            (inspector_ticket(seed, req.department, b), b)
            for b, d in pool.departments.items()
            if d == req.department and pool.loads[b] < params.max_load
        )
        need = groups * req.per_group
        per_dept.append(
            {
                "department": req.department,
                "drawn": [[b, t] for t, b in ranked[:need]],
                "reserve": [[b, t] for t, b in ranked[need:]],
            }
        )
        drawn[req.department] = [b for _, b in ranked[:need]]
    width = max(3, len(str(groups)))
    out = []
    for g in range(groups):
        members: list[str] = []
        for req in params.departments:
            members += drawn[req.department][g * req.per_group : (g + 1) * req.per_group]
        out.append(
            Group(
                f"G{g + 1:0{width}d}", tuple(members), tuple(pool.departments[m] for m in members)
            )
        )
    return per_dept, tuple(out)


def match_targets(
    strata: Sequence[StratumResult], groups: Sequence[Group], pool: _Pool, max_load: int
) -> tuple[tuple[Assignment, ...], DrawFailure | None]:
    """Match every selected target to a group, conflicts excluded, loads capped.

    Order: targets by (number of non-conflicted groups, ticket, uscc) ascending; each
    takes the eligible group (no member conflicted, capacity left) with the fewest
    targets so far, ties by group order. Capacity of a group = min over its members of
    (max_load - load at freeze).
    Outputs: assignments sorted by uscc, or a DrawFailure("no_eligible_group").
    """
    member_group = {m: gi for gi, g in enumerate(groups) for m in g.members}
    conflicted: dict[str, set[int]] = {}
    for badge, uscc in pool.coi:
        if badge in member_group:
            conflicted.setdefault(uscc, set()).add(member_group[badge])
    capacity = [min(max_load - pool.loads[m] for m in g.members) for g in groups]
    targets = sorted(
        (len(groups) - len(conflicted.get(t.uscc, ())), t.ticket, t.uscc, s.stratum)
        for s in strata
        for t in s.selected
    )
    heap = [(0, gi) for gi in range(len(groups))]
    assigned = [0] * len(groups)
    result: list[Assignment] = []
    for _n_ok, _ticket, uscc, stratum in targets:
        bad = conflicted.get(uscc, set())
        stash = []
        chosen = -1
        while heap:
            count, gi = heapq.heappop(heap)
            if gi in bad:
                stash.append((count, gi))
                continue
            chosen = gi
            break
        for item in stash:
            heapq.heappush(heap, item)
        if chosen < 0:
            return tuple(sorted(result, key=lambda a: a.uscc)), DrawFailure(
                "no_eligible_group",
                "no group without a conflict of interest has capacity left for this target",
                {
                    "uscc": uscc,
                    "conflicted_groups": sorted(groups[g].group_id for g in bad),
                    "full_groups": sorted(
                        groups[g].group_id for g in range(len(groups)) if assigned[g] >= capacity[g]
                    ),
                },
            )
        assigned[chosen] += 1
        if assigned[chosen] < capacity[chosen]:
            heapq.heappush(heap, (assigned[chosen], chosen))
        result.append(Assignment(uscc, stratum, groups[chosen].group_id))
    return tuple(sorted(result, key=lambda a: a.uscc)), None


class TopM:
    """Exact m smallest (ticket, uscc) pairs of a stream, in O(m) memory."""

    def __init__(self, m: int) -> None:
        self.m = m
        self.items: list[tuple[str, str]] = []
        self.limit: tuple[str, str] = ("g", "")

    def add(self, ticket: str, uscc: str) -> None:
        """Inputs: one (ticket, uscc); kept only if it can still be among the m smallest."""
        if (ticket, uscc) < self.limit:
            self.items.append((ticket, uscc))
            if len(self.items) > 2 * self.m + 4096:
                self.items.sort()
                del self.items[self.m :]
                self.limit = self.items[-1] if self.m else ("", "")

    def result(self) -> list[tuple[str, str]]:
        """Outputs: the m smallest pairs, ascending."""
        self.items.sort()
        return self.items[: self.m]


def to_stratum_result(plan: StratumPlan, top: Sequence[tuple[str, str]]) -> StratumResult:
    """Outputs: StratumResult from the k + reserve smallest (ticket, uscc) pairs."""
    head = [Ticket(u, t, i + 1) for i, (t, u) in enumerate(top[: plan.k + plan.reserve])]
    k = plan.k
    return StratumResult(
        plan.stratum,
        plan.population,
        k,
        head[k - 1].ticket if k else "",
        tuple(head[:k]),
        tuple(head[k:]),
    )


def rank_file(
    seed: str, candidates: bytes, plans: Sequence[StratumPlan]
) -> tuple[StratumResult, ...]:
    """Rank the canonical candidates file in one streaming pass (pure-Python path).

    Inputs: seed; candidates.csv bytes; the committed per-stratum plans.
    Outputs: one StratumResult per plan.
    """
    tops = {p.stratum: TopM(p.k + p.reserve) for p in plans}
    for line in iter_lines(candidates):
        uscc, stratum, _rest = line.split(",", 2)
        tops[stratum].add(rank_ticket(seed, stratum, uscc), uscc)
    return tuple(to_stratum_result(p, tops[p.stratum].result()) for p in plans)


def draw(commitment: Commitment, reveal: EntropyReveal) -> DrawResult:
    """Run the draw from the committed snapshot and the revealed entropy.

    Inputs: commitment (published before the entropy existed); reveal.
    Outputs: DrawResult, status "drawn", or "failed" with a structured DrawFailure when
        the constraints cannot be met (the failure is certified too; nothing is patched).
    """
    seed = derive_seed(commitment, reveal)
    snap = commitment.snapshot
    return finish_draw(
        commitment, reveal, seed, rank_file(seed, snap.files[CANDIDATES], snap.strata)
    )


def finish_draw(
    commitment: Commitment, reveal: EntropyReveal, seed: str, strata: tuple[StratumResult, ...]
) -> DrawResult:
    """Inspector draw, grouping, matching and certificate, given the ranked strata.

    Inputs: commitment; reveal; seed (from derive_seed); strata (from rank_file or the
        columnar path). Outputs: DrawResult.
    """
    snap = commitment.snapshot
    pool = _parse_pool(snap.files)
    per_dept, groups = draw_inspectors(seed, pool, snap.params, snap.group_count)
    assignments, failure = match_targets(strata, groups, pool, snap.params.max_load)
    status = "failed" if failure else "drawn"
    if failure:
        assignments = ()
    doc = _certificate_doc(
        commitment, reveal, seed, strata, per_dept, groups, assignments, pool, failure
    )
    cert = Certificate(doc, canonical_json(doc), dict(snap.files))
    return DrawResult(status, seed, strata, groups, assignments, failure, cert)


def _certificate_doc(
    commitment: Commitment,
    reveal: EntropyReveal,
    seed: str,
    strata: Sequence[StratumResult],
    per_dept: list[dict[str, Any]],
    groups: Sequence[Group],
    assignments: Sequence[Assignment],
    pool: _Pool,
    failure: DrawFailure | None,
) -> dict[str, Any]:
    loads = {m: pool.loads[m] for g in groups for m in g.members}
    by_id = {g.group_id: g for g in groups}
    for a in assignments:
        for m in by_id[a.group_id].members:
            loads[m] += 1
    return {
        "format": CERTIFICATE_FORMAT,
        "algorithm": ALGORITHM_ID,
        "spec_version": SPEC_VERSION,
        "label": LABEL,
        "manifest": commitment.manifest,
        "manifest_sha256": commitment.manifest_sha256,
        "reveal": reveal_json(reveal),
        "seed": seed,
        "status": "failed" if failure else "drawn",
        "strata": [
            {
                "stratum": s.stratum,
                "population": s.population,
                "k": s.k,
                "cutoff_ticket": s.cutoff_ticket,
                "selected": [[t.uscc, t.ticket] for t in s.selected],
                "reserve": [[t.uscc, t.ticket] for t in s.reserve],
            }
            for s in strata
        ],
        "inspector_draw": per_dept,
        "groups": [
            {"group": g.group_id, "leader": g.members[0], "members": list(g.members)}
            for g in groups
        ],
        "assignments": [
            {"uscc": a.uscc, "stratum": a.stratum, "group": a.group_id} for a in assignments
        ],
        "loads": dict(sorted(loads.items())),
        "failure": (
            {"code": failure.code, "message": failure.message, "details": dict(failure.details)}
            if failure
            else None
        ),
        "events": [],
    }


def reveal_json(reveal: EntropyReveal) -> dict[str, Any]:
    """Outputs: the revealed entropy as stored in the certificate."""
    return {
        "server_nonce": reveal.server_nonce,
        "witness": [{"party": w.party, "digits": w.digits} for w in reveal.witness],
        "beacon": (
            {
                "round": reveal.beacon.round,
                "randomness": reveal.beacon.randomness,
                "signature": reveal.beacon.signature,
            }
            if reveal.beacon
            else None
        ),
    }


# ----------------------------------------------------------------------------- after the draw


def draw_sha256(document: Mapping[str, Any]) -> str:
    """Outputs: SHA-256 of the canonical certificate without its "events" (the draw id
    that a re-draw's `supersedes` and every event chain refer to)."""
    return sha256_hex(canonical_json({k: v for k, v in document.items() if k != "events"}))


class _State:
    """Current assignment state: the drawn result with all events replayed."""

    def __init__(self, doc: Mapping[str, Any], files: Mapping[str, bytes]) -> None:
        self.doc = doc
        self.pool = _parse_pool(files)
        self.max_load: int = doc["manifest"]["parameters"]["max_load"]
        self.groups = {g["group"]: list(g["members"]) for g in doc["groups"]}
        self.group_order = [g["group"] for g in doc["groups"]]
        self.assigned = {a["uscc"]: (a["stratum"], a["group"]) for a in doc["assignments"]}
        self.reserve = {s["stratum"]: [u for u, _ in s["reserve"]] for s in doc["strata"]}
        self.insp_reserve = {
            d["department"]: [b for b, _ in d["reserve"]] for d in doc["inspector_draw"]
        }
        self.used_entities = set(self.assigned)
        self.used_badges = {m for ms in self.groups.values() for m in ms}
        self.voided = False

    def group_targets(self, gid: str) -> list[str]:
        return sorted(u for u, (_, g) in self.assigned.items() if g == gid)

    def capacity_left(self, gid: str) -> int:
        cap = min(self.max_load - self.pool.loads[m] for m in self.groups[gid])
        return cap - len(self.group_targets(gid))

    def conflicted(self, gid: str, uscc: str) -> bool:
        return any((m, uscc) in self.pool.coi for m in self.groups[gid])

    def next_target(self, out: str) -> tuple[str, str, list[list[str]]]:
        stratum, old_group = self.assigned[out]
        skipped: list[list[str]] = []
        for cand in self.reserve.get(stratum, []):
            if cand in self.used_entities:
                continue
            if not self.conflicted(old_group, cand):
                return cand, old_group, skipped
            options = sorted(
                (len(self.group_targets(g)), i, g)
                for i, g in enumerate(self.group_order)
                if g != old_group and not self.conflicted(g, cand) and self.capacity_left(g) > 0
            )
            if options:
                return cand, options[0][2], skipped
            skipped.append([cand, "no_eligible_group"])
        raise DrawError(
            "reserve_exhausted",
            f"no usable reserve left in stratum {stratum}",
            {"stratum": stratum, "skipped": skipped},
        )

    def next_inspector(self, out: str) -> tuple[str, str, list[list[str]]]:
        gid = next((g for g, ms in self.groups.items() if out in ms), None)
        if gid is None:
            raise DrawError("not_a_member", f"inspector {out} is not in any group")
        dept = self.pool.departments[out]
        targets = self.group_targets(gid)
        skipped: list[list[str]] = []
        for cand in self.insp_reserve.get(dept, []):
            if cand in self.used_badges:
                continue
            if any((cand, u) in self.pool.coi for u in targets):
                skipped.append([cand, "conflict"])
            elif self.pool.loads[cand] + len(targets) > self.max_load:
                skipped.append([cand, "load"])
            else:
                return cand, gid, skipped
        raise DrawError(
            "reserve_exhausted",
            f"no usable reserve inspector in {dept}",
            {"department": dept, "skipped": skipped},
        )


def _check_open(cert: Certificate) -> None:
    events = cert.document["events"]
    if events and events[-1]["type"] == "void":
        raise DrawError("voided", "the draw has been voided; no further events")
    if cert.document["status"] != "drawn":
        raise DrawError("not_drawn", "a failed draw has no assignments to replace")


def _append_event(cert: Certificate, event: dict[str, Any]) -> Certificate:
    doc = dict(cert.document)
    events = list(doc["events"])
    if events and events[-1]["type"] == "void":
        raise DrawError("voided", "the draw has been voided; no further events")
    if doc["status"] != "drawn" and event["type"] != "void":
        raise DrawError("not_drawn", "a failed draw has no assignments to replace")
    check_field(event["reason"], RE_REASON, "reason")
    check_text(event["detail"], "detail")
    parse_utc(event["recorded_at"])
    prev = sha256_hex(canonical_json(events[-1])) if events else draw_sha256(doc)
    event = {"seq": len(events) + 1, **event, "prev": prev}
    doc["events"] = [*events, event]
    return Certificate(doc, canonical_json(doc), cert.files)


def replay(cert: Certificate) -> _State:
    """Outputs: the state after the draw and all recorded events (used by replace_*)."""
    state = _State(cert.document, cert.files)
    for ev in cert.document["events"]:
        _apply(state, ev)
    return state


def _apply(state: _State, ev: Mapping[str, Any]) -> None:
    if ev["type"] == "replace_target":
        stratum, _ = state.assigned.pop(ev["out"])
        state.assigned[ev["in"]] = (stratum, ev["group"])
        state.used_entities.add(ev["in"])
    elif ev["type"] == "replace_inspector":
        members = state.groups[ev["group"]]
        members[members.index(ev["out"])] = ev["in"]
        state.used_badges.add(ev["in"])
    elif ev["type"] == "void":
        state.voided = True


def replace_target(
    cert: Certificate, *, uscc: str, reason: str, detail: str, recorded_at: str
) -> Certificate:
    """Replace a target by the next usable entity in its stratum's published reserve.

    Inputs: certificate; the target to replace; reason code (e.g. "deregistered",
        "moved_out", "data_error"); detail text; recorded_at UTC.
    Outputs: a new Certificate with a hash-chained "replace_target" event. The substitute
        takes the same group unless it conflicts with a member; then the eligible group
        with the fewest targets. Never a fresh random pick. Raises DrawError.
    """
    _check_open(cert)
    state = replay(cert)
    if uscc not in state.assigned:
        raise DrawError("not_a_target", f"{uscc} is not a current target")
    new, group, skipped = state.next_target(uscc)
    return _append_event(
        cert,
        {
            "type": "replace_target",
            "out": uscc,
            "in": new,
            "group": group,
            "stratum": state.assigned[uscc][0],
            "skipped": skipped,
            "reason": reason,
            "detail": detail,
            "recorded_at": recorded_at,
        },
    )


def replace_inspector(
    cert: Certificate, *, badge: str, reason: str, detail: str, recorded_at: str
) -> Certificate:
    """Replace a group member by the next usable inspector in the department's reserve.

    Inputs: certificate; the badge to replace; reason code (e.g. "illness", "coi_found");
        detail; recorded_at.
    Outputs: new Certificate with a "replace_inspector" event (substitute takes the same
        slot, so replacing a leader makes the substitute leader). Reserves that conflict
        with a group target or would exceed max_load are skipped and listed.
    """
    _check_open(cert)
    state = replay(cert)
    new, group, skipped = state.next_inspector(badge)
    return _append_event(
        cert,
        {
            "type": "replace_inspector",
            "out": badge,
            "in": new,
            "group": group,
            "department": state.pool.departments[badge],
            "skipped": skipped,
            "reason": reason,
            "detail": detail,
            "recorded_at": recorded_at,
        },
    )


def void_draw(cert: Certificate, *, reason: str, detail: str, recorded_at: str) -> Certificate:
    """Void a draw. The certificate stays public; a re-draw is a new freeze + commit whose
    TaskInfo.supersedes = draw_sha256(this certificate's document).

    Outputs: the certificate with a terminal "void" event.
    """
    return _append_event(
        cert,
        {
            "type": "void",
            "reason": reason,
            "detail": detail,
            "recorded_at": recorded_at,
        },
    )


def current_assignments(cert: Certificate) -> dict[str, tuple[str, str]]:
    """Outputs: uscc -> (stratum, group) after all events."""
    return dict(replay(cert).assigned)


def current_groups(cert: Certificate) -> dict[str, list[str]]:
    """Outputs: group id -> members (leader first) after all events."""
    return {g: list(m) for g, m in replay(cert).groups.items()}


def entity_proof(cert: Certificate, uscc: str) -> dict[str, Any]:
    """Per-entity proof: lets one business check its own (non-)selection.

    Inputs: certificate; the entity id.
    Outputs: JSON-ready dict with its snapshot line, a Merkle audit path to the committed
        root, the manifest and reveal (to recompute the seed), its ticket and the
        stratum cutoff. Check it with `python3 verify.py --proof proof.json`.
    """
    doc = cert.document
    for name in MERKLE_FILES:
        lines = list(iter_lines(cert.files[name]))
        index = next((i for i, ln in enumerate(lines) if ln.split(",", 1)[0] == uscc), -1)
        if index >= 0:
            break
    else:
        raise DrawError("unknown_entity", f"{uscc} is not in the snapshot")
    leaves = [leaf_hash(ln.encode("utf-8")) for ln in lines]
    line = lines[index]
    stratum = line.split(",")[1]
    proof: dict[str, Any] = {
        "format": "suiji-entity-proof/1",
        "uscc": uscc,
        "file": name,
        "line": line,
        "index": index,
        "tree_size": len(lines),
        "audit_path": merkle_path(leaves, index),
        "manifest": doc["manifest"],
        "manifest_sha256": doc["manifest_sha256"],
        "reveal": doc["reveal"],
        "seed": doc["seed"],
        "events": [e for e in doc["events"] if uscc in (e.get("in"), e.get("out"))],
    }
    if name == CANDIDATES:
        s = next(s for s in doc["strata"] if s["stratum"] == stratum)
        cutoff = s["selected"][-1] if s["selected"] else ["", ""]
        ticket = rank_ticket(doc["seed"], stratum, uscc)
        proof.update(
            {
                "ticket": ticket,
                "stratum": {
                    "stratum": stratum,
                    "population": s["population"],
                    "k": s["k"],
                    "cutoff_ticket": cutoff[1],
                    "cutoff_uscc": cutoff[0],
                },
                "status": "selected"
                if s["k"] and (ticket, uscc) <= (cutoff[1], cutoff[0])
                else "not_selected",
            }
        )
    else:
        proof["status"] = "excluded"
    return proof


def save_certificate(cert: Certificate, directory: str) -> str:
    """Write certificate.json and the canonical files it names into directory.

    Outputs: path of certificate.json. The JSON is the canonical serialization, so its
    SHA-256 is stable.
    """
    import os

    os.makedirs(directory, exist_ok=True)
    for name, data in cert.files.items():
        with open(os.path.join(directory, name), "wb") as fh:
            fh.write(data)
    path = os.path.join(directory, "certificate.json")
    with open(path, "wb") as fh:
        fh.write(cert.json_bytes)
    return path


def load_certificate(path: str, files_dir: str | None = None) -> Certificate:
    """Outputs: a Certificate read back from certificate.json and its files."""
    import json
    import os

    folder = files_dir or os.path.dirname(os.path.abspath(path))
    with open(path, "rb") as fh:
        data = fh.read()
    files = {}
    for name in FILE_NAMES:
        with open(os.path.join(folder, name), "rb") as fh:
            files[name] = fh.read()
    return Certificate(json.loads(data), data, files)
