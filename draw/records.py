"""Plain data types of the draw engine (spec: docs/draw-spec.md).

Every input and output is a frozen dataclass keyed by real-world identifiers:
entities by 统一社会信用代码 (USCC, 18 characters) or 15-digit 注册号, inspectors by
执法证号 (badge number). Database ids never appear here, so a certificate can be
re-checked by anyone who does not have the platform's database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ALGORITHM_V1_0 = "SUIJI-ISD1"
"""Spec 1.0: one RFC 6962 Merkle leaf per line. Still verified and still producible."""
ALGORITHM_V1_1 = "SUIJI-ISD1.1"
"""Spec 1.1: one RFC 6962 Merkle leaf per chunk of MERKLE_CHUNK_LINES lines."""
SPEC_VERSIONS = {ALGORITHM_V1_0: "1.0", ALGORITHM_V1_1: "1.1"}
ALGORITHM_ID = ALGORITHM_V1_1
"""The algorithm new draws use by default."""
SPEC_VERSION = SPEC_VERSIONS[ALGORITHM_ID]
MERKLE_CHUNK_LINES = 16
"""v1.1: lines per Merkle leaf (fixed by the spec; a proof shows this many lines)."""
CERTIFICATE_FORMAT = "suiji-draw-certificate/1"


@dataclass(frozen=True)
class Candidate:
    """One entity in the candidate set passed in after the caller's filters.

    Inputs:
        uscc: USCC (18 chars) or 15-digit registration number, upper case, no spaces.
        grade: credit-risk grade as of the draw date (e.g. "A".."E"; scheme is the caller's).
        flags: attribute flags such as "abnormal", "dishonest", "complaints" (lower case).
        inspections_this_year: number of random inspections of this entity in the
            calendar year of the draw, counted as of the freeze.
    """

    uscc: str
    grade: str
    flags: tuple[str, ...] = ()
    inspections_this_year: int = 0


@dataclass(frozen=True)
class EntityExclusion:
    """An entity removed from the candidate set before the freeze, with its reason.

    Inputs:
        uscc, grade, flags, inspections_this_year: as for Candidate.
        reason: reason code, ``[a-z0-9_]+`` (e.g. "deregistered", "under_investigation").
        detail: free text (UTF-8, no control characters, no "," or "|").
    """

    uscc: str
    grade: str
    reason: str
    detail: str = ""
    flags: tuple[str, ...] = ()
    inspections_this_year: int = 0


@dataclass(frozen=True)
class Inspector:
    """An enforcement officer in the pool.

    Inputs:
        badge: 执法证号, ``[0-9A-Za-z_-]+``.
        department: department code, ``[0-9A-Za-z_-]+``.
        load: open inspection assignments held at the freeze (counts toward max_load).
    """

    badge: str
    department: str
    load: int = 0


@dataclass(frozen=True)
class InspectorExclusion:
    """An inspector recorded as unavailable before the commit (leave, training, ...)."""

    badge: str
    department: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class ConflictPair:
    """A declared conflict of interest: the inspector may not inspect this entity."""

    badge: str
    uscc: str
    reason: str = "declared"


@dataclass(frozen=True)
class Quota:
    """Per-stratum rule. Exactly one of ratio_bp (basis points, 1/10000) or count is set.

    k = min(N, ceil(N * ratio_bp / 10000)) or k = min(N, count).
    """

    ratio_bp: int | None = None
    count: int | None = None


@dataclass(frozen=True)
class DepartmentRequirement:
    """How many inspectors of one department each group needs (e.g. 2 for joint tasks)."""

    department: str
    per_group: int


@dataclass(frozen=True)
class DrawParams:
    """All parameters of a draw. They are committed before any randomness exists.

    Inputs:
        quotas: stratum key -> Quota. Every stratum that has candidates needs a quota.
        stratify_flags: flags that split strata; key = grade + ":" + flag for each flag
            present, in this order (e.g. ("flagged",) gives "E" and "E:flagged").
        max_inspections_per_year: yearly cap; entities at or above it are excluded.
        departments: inspectors per group per department; the first is the lead
            department and supplies the group leader.
        group_count: number of groups; 0 = automatic (as many as the pool allows, at most
            the number of targets).
        max_load: cap on an inspector's load (open assignments at freeze + new targets).
        reserve_min, reserve_ratio_bp: reserve list length per stratum,
            r = min(N - k, max(reserve_min, ceil(k * reserve_ratio_bp / 10000))).
        id_check: "gb32100" (USCC / 注册号 check characters validated) or "syntax".
    """

    quotas: Mapping[str, Quota]
    departments: tuple[DepartmentRequirement, ...]
    stratify_flags: tuple[str, ...] = ()
    max_inspections_per_year: int = 2
    group_count: int = 0
    max_load: int = 20
    reserve_min: int = 5
    reserve_ratio_bp: int = 2000
    id_check: str = "gb32100"


@dataclass(frozen=True)
class TaskInfo:
    """Identity of the draw: which task, as of which date, with which filter.

    Inputs:
        task_id, draw_id: the platform's public task and draw numbers (``[0-9A-Za-z_:-]+``).
        as_of_date: YYYY-MM-DD; grades and yearly counts are as of this date.
        frozen_at: UTC timestamp "YYYY-MM-DDTHH:MM:SSZ".
        filter_description: human-readable description of the filters applied before
            the freeze (e.g. "行业 in (C13,C14) AND 区县 in (130821)").
        title: human-readable task title (may be Chinese).
        supersedes: draw_sha256 of the voided draw this one replaces, or "".
        supersede_reason: reason code for the re-draw, or "".
    """

    task_id: str
    draw_id: str
    as_of_date: str
    frozen_at: str
    filter_description: str = ""
    title: str = ""
    supersedes: str = ""
    supersede_reason: str = ""


@dataclass(frozen=True)
class FileDigest:
    """Digest record of one canonical file."""

    name: str
    sha256: str
    lines: int
    merkle_root: str = ""


@dataclass(frozen=True)
class StratumPlan:
    """Per-stratum numbers fixed at freeze (before randomness)."""

    stratum: str
    population: int
    k: int
    reserve: int


@dataclass(frozen=True)
class Snapshot:
    """The frozen inputs: canonical files plus everything derived from them.

    Outputs of freeze(); input of commit().
    """

    task: TaskInfo
    params: DrawParams
    files: Mapping[str, bytes]
    digests: tuple[FileDigest, ...]
    strata: tuple[StratumPlan, ...]
    group_count: int
    pool: Mapping[str, int]
    algorithm: str = ALGORITHM_ID


@dataclass(frozen=True)
class BeaconPlan:
    """Which public beacon round will be used; the round follows from the commit time.

    round = ceil((committed_at + delay_seconds - genesis_time) / period) + 1, i.e. the
    first round whose time genesis_time + (round - 1) * period is at or after
    committed_at + delay_seconds.
    """

    network: str
    chain_hash: str
    genesis_time: int
    period: int
    delay_seconds: int = 1800


@dataclass(frozen=True)
class EntropyPlan:
    """Which entropy sources the draw will use. At least one of witness/beacon."""

    witness_parties: tuple[str, ...] = ()
    min_digits_per_party: int = 6
    beacon: BeaconPlan | None = None


@dataclass(frozen=True)
class Commitment:
    """The committed manifest. manifest_json is the exact hashed byte string."""

    snapshot: Snapshot
    manifest: Mapping[str, Any]
    manifest_json: bytes
    manifest_sha256: str


@dataclass(frozen=True)
class WitnessContribution:
    """Digits contributed at the witnessed ceremony by one party (e.g. dice rolls)."""

    party: str
    digits: str


@dataclass(frozen=True)
class BeaconValue:
    """A public beacon output. randomness must equal SHA-256(signature) for drand."""

    round: int
    randomness: str
    signature: str = ""


@dataclass(frozen=True)
class EntropyReveal:
    """Everything revealed after the commit: server nonce, witness digits, beacon."""

    server_nonce: str
    witness: tuple[WitnessContribution, ...] = ()
    beacon: BeaconValue | None = None


@dataclass(frozen=True)
class Ticket:
    """A ranked entity: its ticket (64 lowercase hex) and its rank in its stratum (1-based)."""

    uscc: str
    ticket: str
    rank: int


@dataclass(frozen=True)
class StratumResult:
    """Selection of one stratum: selected tickets, cutoff (k-th ticket) and reserves."""

    stratum: str
    population: int
    k: int
    cutoff_ticket: str
    selected: tuple[Ticket, ...]
    reserve: tuple[Ticket, ...]


@dataclass(frozen=True)
class Group:
    """An inspection group. members[0] is the leader (from the lead department)."""

    group_id: str
    members: tuple[str, ...]
    departments: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    """Target entity -> group."""

    uscc: str
    stratum: str
    group_id: str


@dataclass(frozen=True)
class DrawFailure:
    """Structured reason why a draw could not satisfy its constraints."""

    code: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Certificate:
    """The draw certificate: the JSON document plus the canonical files it names.

    document: the parsed certificate; json_bytes: its canonical serialization;
    files: file name -> bytes (the files the certificate names by digest).
    """

    document: Mapping[str, Any]
    json_bytes: bytes
    files: Mapping[str, bytes]


@dataclass(frozen=True)
class DrawResult:
    """Outcome of draw(): status "drawn" or "failed", with the certificate either way."""

    status: str
    seed: str
    strata: tuple[StratumResult, ...]
    groups: tuple[Group, ...]
    assignments: tuple[Assignment, ...]
    failure: DrawFailure | None
    certificate: Certificate


class DrawError(Exception):
    """A structured, visible error. Nothing is patched by hand: fix the inputs and
    re-freeze (before commit) or void and re-draw (after commit)."""

    def __init__(self, code: str, message: str, details: Mapping[str, Any] | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details: Mapping[str, Any] = dict(details or {})

    def as_dict(self) -> dict[str, Any]:
        """Outputs: {"code", "message", "details"} for logging or an API response."""
        return {"code": self.code, "message": self.message, "details": dict(self.details)}
