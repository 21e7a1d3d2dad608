"""The standalone verifier passes a genuine certificate and FAILs every kind of tampering,
naming the exact failing checks — for both spec versions (v1.0 per-line Merkle leaves,
v1.1 chunked leaves)."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from draw.canonical import canonical_json
from draw.engine import replace_inspector, replace_target
from draw.records import ALGORITHM_V1_0, ALGORITHM_V1_1, Certificate, ConflictPair
from draw.seed import rank_ticket
from draw.tests.support import entities, inspectors, params, run, verify_cert


def _base(algorithm: str) -> Certificate:
    _, result = run(
        entities(60),
        inspectors(6),
        [ConflictPair("D1X000", "E00003")],
        params(group_count=3),
        algorithm=algorithm,
    )
    cert = result.certificate
    first = result.assignments[0]
    cert = replace_target(
        cert,
        uscc=first.uscc,
        reason="deregistered",
        detail="注销",
        recorded_at="2026-11-27T00:00:00Z",
    )
    member = result.groups[0].members[1]
    return replace_inspector(
        cert, badge=member, reason="illness", detail="", recorded_at="2026-11-27T01:00:00Z"
    )


BASES = {a: _base(a) for a in (ALGORITHM_V1_0, ALGORITHM_V1_1)}
BASE = BASES[ALGORITHM_V1_1]


@pytest.fixture(autouse=True, params=sorted(BASES))
def _version(request: pytest.FixtureRequest) -> None:
    """Run every test against a v1.0 and a v1.1 certificate."""
    global BASE
    BASE = BASES[request.param]


def _doc() -> dict[str, Any]:
    return copy.deepcopy(json.loads(BASE.json_bytes))


def _files() -> dict[str, bytes | None]:
    return dict(BASE.files)


def test_versions_differ_only_in_algorithm_and_merkle_roots() -> None:
    a, b = (json.loads(BASES[v].json_bytes) for v in (ALGORITHM_V1_0, ALGORITHM_V1_1))
    assert (a["algorithm"], a["spec_version"]) == ("SUIJI-ISD1", "1.0")
    assert (b["algorithm"], b["spec_version"]) == ("SUIJI-ISD1.1", "1.1")
    fa, fb = a["manifest"]["files"], b["manifest"]["files"]
    assert fa["candidates.csv"]["merkle_root"] != fb["candidates.csv"]["merkle_root"]
    assert fa["candidates.csv"]["sha256"] == fb["candidates.csv"]["sha256"]
    assert a["reveal"] == b["reveal"]  # the seed differs: it covers the manifest digest


def test_v1_certificate_relabelled_as_v1_1_fails() -> None:
    doc = _doc()
    other = ALGORITHM_V1_1 if doc["algorithm"] == ALGORITHM_V1_0 else ALGORITHM_V1_0
    doc["algorithm"] = doc["manifest"]["algorithm"] = other
    doc["spec_version"] = doc["manifest"]["spec_version"] = {"SUIJI-ISD1": "1.0"}.get(other, "1.1")
    _rehash_manifest(doc)
    # The Merkle roots disagree (the leaves are defined differently) and the seed no
    # longer re-derives (it covers the manifest digest, which covers the algorithm).
    assert verify_cert(doc, _files()) == [
        "file:candidates.csv",
        "file:excluded.csv",
        "seed",
        "events",
    ]


def _rehash_manifest(doc: dict[str, Any]) -> None:
    doc["manifest_sha256"] = hashlib.sha256(canonical_json(doc["manifest"])).hexdigest()


def test_genuine_certificate_passes() -> None:
    assert verify_cert(_doc(), _files()) == []


def test_changed_byte_in_candidates_file() -> None:
    files = _files()
    data = files["candidates.csv"]
    assert data is not None
    assert data.startswith(b"E00000,A,A,-,0\n")
    files["candidates.csv"] = b"E00000,A,A,-,1" + data[14:]
    assert verify_cert(_doc(), files) == ["file:candidates.csv"]


def test_changed_grade_in_candidates_file_moves_stratum() -> None:
    files = _files()
    data = files["candidates.csv"]
    assert data is not None
    # An entity on A's published lists whose B ticket also enters B's lists, so both
    # strata's results change.
    doc = _doc()
    st = {s["stratum"]: s for s in doc["strata"]}
    b_last = (st["B"]["reserve"] or st["B"]["selected"])[-1]
    uscc = next(
        u.encode()
        for u, _ in st["A"]["selected"] + st["A"]["reserve"]
        if (rank_ticket(doc["seed"], "B", u), u) < (b_last[1], b_last[0])
    )
    assert b"\n" + uscc + b",A,A,-," in data
    files["candidates.csv"] = data.replace(b"\n" + uscc + b",A,A,", b"\n" + uscc + b",B,B,")
    assert verify_cert(_doc(), files) == [
        "file:candidates.csv",
        "strata_plan",
        "stratum:A",
        "stratum:B",
    ]


def test_missing_coi_file() -> None:
    files = _files()
    files["coi.csv"] = None
    assert verify_cert(_doc(), files) == ["file:coi.csv", "snapshot:inspectors.csv"]


def test_deleted_coi_line_with_forged_digest_breaks_manifest_digest() -> None:
    files = _files()
    files["coi.csv"] = b""
    doc = _doc()
    doc["manifest"]["files"]["coi.csv"] = {"sha256": hashlib.sha256(b"").hexdigest(), "lines": 0}
    assert verify_cert(doc, files) == ["manifest_digest", "events"]


def test_reordered_candidates_file() -> None:
    files = _files()
    data = files["candidates.csv"]
    assert data is not None
    lines = data.split(b"\n")[:-1]
    lines[0], lines[1] = lines[1], lines[0]
    files["candidates.csv"] = b"\n".join(lines) + b"\n"
    assert verify_cert(_doc(), files) == [
        "file:candidates.csv",
        "snapshot:candidates.csv",
        "strata_plan",
        "stratum:A",
        "stratum:B",
        "stratum:C",
    ]


def test_reordered_selected_list() -> None:
    doc = _doc()
    sel = doc["strata"][1]["selected"]
    sel[0], sel[1] = sel[1], sel[0]
    assert verify_cert(doc, _files()) == ["stratum:B", "events"]


def test_swapped_assignment_groups() -> None:
    doc = _doc()
    a = doc["assignments"][0]
    b = next(x for x in doc["assignments"] if x["group"] != a["group"])
    a["group"], b["group"] = b["group"], a["group"]
    assert verify_cert(doc, _files()) == ["assignments", "events"]


def test_swapped_group_member() -> None:
    doc = _doc()
    g0, g1 = doc["groups"][0]["members"], doc["groups"][1]["members"]
    g0[1], g1[1] = g1[1], g0[1]
    assert verify_cert(doc, _files()) == ["groups", "loads", "events"]


def test_wrong_seed() -> None:
    doc = _doc()
    doc["seed"] = "0" * 64
    assert verify_cert(doc, _files()) == [
        "seed",
        "stratum:A",
        "stratum:B",
        "stratum:C",
        "inspector_draw",
        "events",
    ]


def test_wrong_server_nonce() -> None:
    doc = _doc()
    doc["reveal"]["server_nonce"] = "6e" * 32
    assert verify_cert(doc, _files()) == ["entropy:server_nonce", "seed", "events"]


def test_changed_witness_digits() -> None:
    doc = _doc()
    doc["reveal"]["witness"][0]["digits"] = "9999"
    assert verify_cert(doc, _files()) == ["seed", "events"]


def test_wrong_beacon_randomness() -> None:
    doc = _doc()
    doc["reveal"]["beacon"]["randomness"] = "1" * 64
    assert verify_cert(doc, _files()) == ["entropy:beacon", "seed", "events"]


def test_later_beacon_round_breaks_round_formula() -> None:
    doc = _doc()
    doc["manifest"]["entropy"]["beacon"]["round"] += 1
    doc["reveal"]["beacon"]["round"] += 1
    _rehash_manifest(doc)
    assert verify_cert(doc, _files()) == ["entropy:beacon", "seed", "events"]


def test_changed_ratio_without_rehash() -> None:
    doc = _doc()
    doc["manifest"]["parameters"]["quotas"]["A"]["ratio_bp"] = 2000
    assert verify_cert(doc, _files()) == ["manifest_digest", "strata_plan", "events"]


def test_changed_k_in_result() -> None:
    doc = _doc()
    doc["strata"][0]["k"] += 1
    assert verify_cert(doc, _files()) == ["stratum:A", "events"]


def test_truncated_reserve_list() -> None:
    doc = _doc()
    doc["strata"][2]["reserve"].pop()
    assert verify_cert(doc, _files()) == ["stratum:C", "events"]


def test_forged_failure_status() -> None:
    doc = _doc()
    doc["status"] = "failed"
    doc["failure"] = {"code": "no_eligible_group", "message": "", "details": {"uscc": "E00001"}}
    assert verify_cert(doc, _files()) == ["assignments", "events"]


def test_changed_final_load() -> None:
    doc = _doc()
    badge = next(iter(doc["loads"]))
    doc["loads"][badge] += 1
    assert verify_cert(doc, _files()) == ["loads", "events"]


def test_replacement_not_from_reserve_order() -> None:
    doc = _doc()
    ev = doc["events"][0]
    stratum = next(s for s in doc["strata"] if s["stratum"] == ev["stratum"])
    ev["in"] = stratum["reserve"][1][0]
    assert verify_cert(doc, _files()) == ["events"]


def test_broken_event_chain() -> None:
    doc = _doc()
    doc["events"][0]["detail"] = "改过"
    assert verify_cert(doc, _files()) == ["events"]


def test_wrong_algorithm_id() -> None:
    doc = _doc()
    doc["algorithm"] = "SUIJI-ISD2"
    assert verify_cert(doc, _files()) == ["format", "events"]
