"""Freeze (docs/draw-spec.md §2): canonical files, digests, per-stratum plan, groups."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from draw.canonical import (
    CANDIDATES,
    CAP_REASON,
    COI,
    EXCLUDED,
    FILE_NAMES,
    INSPECTOR_EXCLUSIONS,
    INSPECTORS,
    MERKLE_FILES,
    RE_BADGE,
    RE_CODE,
    RE_DATE,
    RE_FLAG,
    RE_GRADE,
    RE_HEX64,
    RE_ID,
    RE_REASON,
    check_algorithm,
    check_field,
    check_text,
    file_bytes,
    file_merkle_root,
    flags_field,
    iter_lines,
    sha256_hex,
    stratum_key,
    validate_entity_id,
)
from draw.records import (
    ALGORITHM_ID,
    Candidate,
    ConflictPair,
    DrawError,
    DrawParams,
    EntityExclusion,
    FileDigest,
    Inspector,
    InspectorExclusion,
    Snapshot,
    StratumPlan,
    TaskInfo,
)
from draw.seed import parse_utc, quota_k, reserve_size


def freeze(
    *,
    task: TaskInfo,
    params: DrawParams,
    candidates: Iterable[Candidate],
    exclusions: Iterable[EntityExclusion] = (),
    inspectors: Iterable[Inspector] = (),
    inspector_exclusions: Iterable[InspectorExclusion] = (),
    conflicts: Iterable[ConflictPair] = (),
    algorithm: str = ALGORITHM_ID,
) -> Snapshot:
    """Freeze the inputs into canonical files (before any randomness exists).

    Inputs: task identity; parameters; the filtered candidate set (entities at the yearly
        cap are moved to the exclusion list here, reason "yearly_cap"); caller exclusions
        with reasons; the full inspector pool and the unavailable inspectors with reasons
        (removed from the pool); conflict-of-interest pairs. Row order does not matter.
    Outputs: Snapshot with the five canonical files, their digests, per-stratum N/k/reserve
        and the number of groups. `algorithm` selects the spec version (default v1.1;
        "SUIJI-ISD1" = v1.0, per-line Merkle leaves). Raises DrawError when the inputs are malformed or the
        pool cannot staff the groups (pre-flight, so a bad draw is never committed).
    """
    check_algorithm(algorithm)
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
    digests = tuple(file_digest(name, files[name], algorithm) for name in FILE_NAMES)
    strata = plan_strata(population, params)
    eligible = eligible_pool(files[INSPECTORS], params)
    groups = plan_groups(sum(s.k for s in strata), eligible, params)
    return Snapshot(task, params, files, digests, strata, groups, eligible, algorithm)


def file_digest(name: str, data: bytes, algorithm: str = ALGORITHM_ID) -> FileDigest:
    """Outputs: SHA-256, line count and (for entity files) the Merkle root of the
    algorithm's leaves (v1.0 per line, v1.1 per chunk of lines)."""
    lines = data.count(b"\n")
    root = file_merkle_root(data, algorithm) if name in MERKLE_FILES else ""
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
