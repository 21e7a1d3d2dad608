"""The draw engine's flow in one import: freeze -> commit -> draw -> certificate, then
replace / void. Algorithm SUIJI-ISD1 (v1.0) and SUIJI-ISD1.1 (v1.1), docs/draw-spec.md.

The code lives in purposeful modules; this module re-exports them so existing callers
keep working:

- draw.seed         ticket formulas, quotas, beacon round, nonce, seed derivation
- draw.freeze       canonical files, digests, strata plan, groups plan
- draw.commit       the manifest
- draw.rank         ranking strata (pure-Python path; draw.columnar for databases)
- draw.assign       inspector draw, groups, matching
- draw.certificate  draw(), certificate, entity proofs, save/load
- draw.events       replace_target / replace_inspector / void and replay
- draw.parallel     process-pool passes over big files
"""

from __future__ import annotations

from draw.assign import draw_inspectors, match_targets
from draw.canonical import (
    CANDIDATES,
    CAP_REASON,
    COI,
    EXCLUDED,
    FILE_NAMES,
    INSPECTOR_EXCLUSIONS,
    INSPECTORS,
    MERKLE_FILES,
)
from draw.certificate import (
    LABEL,
    draw,
    draw_sha256,
    entity_proof,
    finish_draw,
    load_certificate,
    reveal_json,
    save_certificate,
)
from draw.commit import commit, params_json
from draw.events import (
    current_assignments,
    current_groups,
    replace_inspector,
    replace_target,
    replay,
    void_draw,
)
from draw.freeze import eligible_pool, file_digest, freeze, plan_groups, plan_strata
from draw.rank import TopM, rank_file, rank_file_simple, rank_stratum, to_stratum_result
from draw.seed import (
    beacon_round,
    derive_seed,
    inspector_ticket,
    new_server_nonce,
    parse_utc,
    quota_k,
    rank_ticket,
    reserve_size,
    seed_string,
    witness_string,
)

__all__ = [
    "CANDIDATES",
    "CAP_REASON",
    "COI",
    "EXCLUDED",
    "FILE_NAMES",
    "INSPECTORS",
    "INSPECTOR_EXCLUSIONS",
    "LABEL",
    "MERKLE_FILES",
    "TopM",
    "beacon_round",
    "commit",
    "current_assignments",
    "current_groups",
    "derive_seed",
    "draw",
    "draw_inspectors",
    "draw_sha256",
    "eligible_pool",
    "entity_proof",
    "file_digest",
    "finish_draw",
    "freeze",
    "inspector_ticket",
    "load_certificate",
    "match_targets",
    "new_server_nonce",
    "params_json",
    "parse_utc",
    "plan_groups",
    "plan_strata",
    "quota_k",
    "rank_file",
    "rank_file_simple",
    "rank_stratum",
    "rank_ticket",
    "replace_inspector",
    "replace_target",
    "replay",
    "reserve_size",
    "reveal_json",
    "save_certificate",
    "seed_string",
    "to_stratum_result",
    "void_draw",
    "witness_string",
]
