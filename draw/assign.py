"""Inspectors, groups and matching (docs/draw-spec.md §6)."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from draw.canonical import COI, INSPECTORS, iter_lines
from draw.records import (
    Assignment,
    DrawFailure,
    DrawParams,
    Group,
    StratumResult,
)
from draw.seed import inspector_ticket


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
