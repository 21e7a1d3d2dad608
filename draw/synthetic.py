"""Synthetic, fictional test data for the demo, the tests and the benchmarks.

Not used by the draw itself. Data come from random.Random(seed), so they are repeatable.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from draw.canonical import uscc_check_char
from draw.records import Candidate, ConflictPair, EntityExclusion, Inspector, InspectorExclusion

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def make_uscc(region: str, seq: int, kind: str = "91") -> str:
    """Outputs: a well-formed 18-character USCC (valid GB 11714 and GB 32100 check
    characters) for a 6-digit region code and a sequence number."""
    body8 = f"{seq:08d}"[-8:]
    c = 11 - sum(int(d) * w for d, w in zip(body8, _ORG_WEIGHTS, strict=True)) % 11
    org = body8 + ("X" if c == 10 else "0" if c == 11 else str(c))
    first17 = kind + region + org
    return first17 + uscc_check_char(first17)


@dataclass(frozen=True)
class County:
    """A fictional county's draw inputs."""

    candidates: tuple[Candidate, ...]
    exclusions: tuple[EntityExclusion, ...]
    inspectors: tuple[Inspector, ...]
    inspector_exclusions: tuple[InspectorExclusion, ...]
    conflicts: tuple[ConflictPair, ...]


GRADES = ("A", "B", "C", "D", "E")
GRADE_WEIGHTS = (30, 40, 18, 8, 4)


def county(
    n_entities: int = 300,
    departments: tuple[str, ...] = ("SCJG", "WGLY", "XFJY"),
    inspectors_per_department: int = 8,
    data_seed: int = 7,
    region: str = "139901",
) -> County:
    """Inputs: size, department codes, inspectors per department, data seed, region.
    Outputs: a County with skewed grades, some flagged entities, some at the yearly cap,
    one deregistered exclusion, one inspector on leave and a few COI pairs."""
    rng = random.Random(data_seed)
    cands = []
    excl = []
    for i in range(n_entities):
        uscc = make_uscc(region, 10_000 + i)
        grade = rng.choices(GRADES, GRADE_WEIGHTS)[0]
        flags: tuple[str, ...] = ()
        if rng.random() < 0.08:
            flags = (rng.choice(("abnormal", "dishonest", "complaints")), "flagged")
        count = rng.choices((0, 1, 2), (70, 22, 8))[0]
        if i % 97 == 13:
            excl.append(EntityExclusion(uscc, grade, "deregistered", "已注销", flags, count))
        else:
            cands.append(Candidate(uscc, grade, flags, count))
    insp = []
    for d in departments:
        for j in range(inspectors_per_department):
            insp.append(Inspector(f"{d}{j + 1:04d}", d, rng.choice((0, 0, 1, 2, 3))))
    ie = (InspectorExclusion(insp[1].badge, insp[1].department, "leave", "休假"),)
    coi = tuple(
        ConflictPair(
            insp[rng.randrange(len(insp))].badge, cands[rng.randrange(len(cands))].uscc, "declared"
        )
        for _ in range(6)
    )
    return County(tuple(cands), tuple(excl), tuple(insp), ie, coi)
