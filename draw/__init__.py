"""Suiji verifiable draw engine (algorithm SUIJI-ISD1, docs/draw-spec.md).

Standard library only; no Django. Flow: freeze() -> commit() -> draw() -> certificate,
then replace_target() / replace_inspector() / void_draw(). The standalone verifier is
draw/verify.py; the SQL path for big registries is draw.columnar.
"""

from draw.engine import (
    beacon_round,
    commit,
    current_assignments,
    current_groups,
    derive_seed,
    draw,
    draw_sha256,
    entity_proof,
    freeze,
    inspector_ticket,
    new_server_nonce,
    quota_k,
    rank_ticket,
    replace_inspector,
    replace_target,
    void_draw,
)
from draw.records import (
    ALGORITHM_ID,
    CERTIFICATE_FORMAT,
    SPEC_VERSION,
    Assignment,
    BeaconPlan,
    BeaconValue,
    Candidate,
    Certificate,
    Commitment,
    ConflictPair,
    DepartmentRequirement,
    DrawError,
    DrawFailure,
    DrawParams,
    DrawResult,
    EntityExclusion,
    EntropyPlan,
    EntropyReveal,
    Group,
    Inspector,
    InspectorExclusion,
    Quota,
    Snapshot,
    StratumResult,
    TaskInfo,
    Ticket,
    WitnessContribution,
)

__all__ = [
    "ALGORITHM_ID", "CERTIFICATE_FORMAT", "SPEC_VERSION", "Assignment", "BeaconPlan",
    "BeaconValue", "Candidate", "Certificate", "Commitment", "ConflictPair",
    "DepartmentRequirement", "DrawError", "DrawFailure", "DrawParams", "DrawResult",
    "EntityExclusion", "EntropyPlan", "EntropyReveal", "Group", "Inspector",
    "InspectorExclusion", "Quota", "Snapshot", "StratumResult", "TaskInfo", "Ticket",
    "WitnessContribution", "beacon_round", "commit", "current_assignments", "current_groups",
    "derive_seed", "draw", "draw_sha256", "entity_proof", "freeze", "inspector_ticket",
    "new_server_nonce", "quota_k", "rank_ticket", "replace_inspector", "replace_target",
    "void_draw",
]
