"""Shared builders for the draw tests (plain functions, no fixtures, no database)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from draw import verify
from draw.canonical import sha256_hex
from draw.engine import commit, draw, freeze
from draw.records import (
    ALGORITHM_ID,
    BeaconPlan,
    BeaconValue,
    Candidate,
    Certificate,
    Commitment,
    ConflictPair,
    DepartmentRequirement,
    DrawParams,
    DrawResult,
    EntityExclusion,
    EntropyPlan,
    EntropyReveal,
    Inspector,
    InspectorExclusion,
    Quota,
    TaskInfo,
    WitnessContribution,
)

NONCE = "5e" * 32
SIGNATURE = "a7" * 48
TASK = TaskInfo("T-2026-001", "T-2026-001-D1", "2026-11-26", "2026-11-26T01:00:00Z", "全部; test")
QUICKNET = BeaconPlan(
    "drand-quicknet",
    "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    1692803367,
    3,
    1800,
)
PLAN = EntropyPlan(("甲", "乙"), 4, QUICKNET)
COMMITTED_AT = "2026-11-26T01:30:00Z"
ROUND = 34285012


def params(**kw: Any) -> DrawParams:
    base: dict[str, Any] = dict(
        quotas={"A": Quota(ratio_bp=1000), "B": Quota(ratio_bp=3000), "C": Quota(count=3)},
        departments=(DepartmentRequirement("D1", 1), DepartmentRequirement("D2", 1)),
        id_check="syntax",
        max_load=6,
    )
    base.update(kw)
    return DrawParams(**base)


def reveal(nonce: str = NONCE, digits: Sequence[str] = ("1234", "5678")) -> EntropyReveal:
    return EntropyReveal(
        nonce,
        (WitnessContribution("甲", digits[0]), WitnessContribution("乙", digits[1])),
        BeaconValue(ROUND, sha256_hex(bytes.fromhex(SIGNATURE)), SIGNATURE),
    )


def run(
    candidates: Sequence[Candidate],
    inspectors: Sequence[Inspector],
    conflicts: Sequence[ConflictPair] = (),
    p: DrawParams | None = None,
    exclusions: Sequence[EntityExclusion] = (),
    inspector_exclusions: Sequence[InspectorExclusion] = (),
    task: TaskInfo = TASK,
    algorithm: str = ALGORITHM_ID,
) -> tuple[Commitment, DrawResult]:
    snap = freeze(
        task=task,
        params=p or params(),
        candidates=candidates,
        exclusions=exclusions,
        inspectors=inspectors,
        inspector_exclusions=inspector_exclusions,
        conflicts=conflicts,
        algorithm=algorithm,
    )
    com = commit(
        snap,
        committed_at=COMMITTED_AT,
        audit_chain_head="head:" + "0" * 64,
        server_nonce_sha256=sha256_hex(NONCE),
        entropy=PLAN,
    )
    return com, draw(com, reveal())


def entities(n: int, grades: str = "ABC") -> list[Candidate]:
    return [Candidate(f"E{i:05d}", grades[i % len(grades)], (), (i // 3) % 3) for i in range(n)]


def inspectors(per_dept: int, depts: Sequence[str] = ("D1", "D2")) -> list[Inspector]:
    return [Inspector(f"{d}X{j:03d}", d, j % 3) for d in depts for j in range(per_dept)]


def verify_cert(
    cert: Certificate | dict[str, Any], files: dict[str, bytes | None] | None = None
) -> list[str]:
    """Outputs: names of failed checks (empty = full pass)."""
    if isinstance(cert, Certificate):
        doc: dict[str, Any] = json.loads(cert.json_bytes)
        files = files if files is not None else dict(cert.files)
    else:
        doc = cert
    assert files is not None
    lines: list[str] = []
    return verify.verify_certificate(doc, files, out=lines.append).failed
