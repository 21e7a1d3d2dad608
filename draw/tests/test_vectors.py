"""Golden vectors: the ISD-1 vector from draw-research.md, our own SUIJI-ISD1 vector,
identifier check characters and RFC 6962 Merkle values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from draw import verify
from draw.canonical import (
    canonical_json,
    leaf_hash,
    merkle_path,
    merkle_root,
    regno_valid,
    sha256_hex,
    validate_entity_id,
)
from draw.engine import rank_stratum
from draw.records import (
    ALGORITHM_V1_0,
    ALGORITHM_V1_1,
    BeaconPlan,
    BeaconValue,
    Candidate,
    ConflictPair,
    DepartmentRequirement,
    DrawError,
    DrawParams,
    EntropyPlan,
    EntropyReveal,
    Inspector,
    Quota,
    TaskInfo,
    WitnessContribution,
)

VECTORS = Path(__file__).parent / "vectors"


def test_isd1_research_vector() -> None:
    v = json.loads((VECTORS / "isd1-research.json").read_text("utf-8"))
    ids = {
        s: [f"SYN0000000000000{s}{i}" for i in range(1, n + 1)]
        for s, n in v["strata_sizes"].items()
    }
    cand = "".join(f"{ln}\n" for ln in sorted(f"{s},{u}" for s, us in ids.items() for u in us))
    assert sha256_hex(cand) == v["candidate_list_sha256"]
    assert sha256_hex(v["manifest_json"]) == v["manifest_sha256"]
    m = json.loads(v["manifest_json"])
    assert canonical_json(m).decode() == v["manifest_json"]
    b = m["beacon"]
    seed = sha256_hex(
        "|".join(
            [
                "ISD1:seed",
                v["manifest_sha256"],
                b["chain_hash"],
                str(b["round"]),
                v["randomness"],
                sha256_hex(""),
            ]
        )
    )
    assert seed == v["seed"]
    for s, expect in v["selection"].items():
        n = len(ids[s])
        k = -(-n * m["strata"][s]["ratio_permille"] // 1000)
        res = rank_stratum(seed, s, reversed(ids[s]), k, n - k)
        assert [t.uscc[-2:] for t in res.selected] == expect["selected"]
        assert [t.ticket[:8] for t in res.selected] == expect["ticket_prefixes"]
        assert [t.uscc[-2:] for t in res.reserve][: len(expect["reserve"])] == expect["reserve"]


def _golden_inputs(v: dict[str, Any]) -> tuple[Any, ...]:
    i = v["inputs"]
    task = TaskInfo(**i["task"])
    p = DrawParams(
        quotas={k: Quota(**q) for k, q in i["quotas"].items()},
        departments=tuple(DepartmentRequirement(**d) for d in i["departments"]),
        stratify_flags=tuple(i["stratify_flags"]),
        max_load=i["max_load"],
        id_check=i["id_check"],
    )
    cands = [Candidate(c[0], c[1], tuple(c[2]), c[3]) for c in i["candidates"]]
    insp = [Inspector(*x) for x in i["inspectors"]]
    coi = [ConflictPair(*x) for x in i["coi"]]
    beacon = BeaconPlan(**i["beacon"])
    reveal = EntropyReveal(
        i["server_nonce"],
        tuple(WitnessContribution(*w) for w in i["witness"]),
        BeaconValue(**i["beacon_value"]),
    )
    return task, p, cands, insp, coi, beacon, reveal


@pytest.mark.parametrize(
    ("algorithm", "vector"),
    [(ALGORITHM_V1_0, "suiji-isd1-v1.json"), (ALGORITHM_V1_1, "suiji-isd1-v1.1.json")],
)
def test_suiji_isd1_golden_vector(algorithm: str, vector: str) -> None:
    from draw.engine import commit, draw, freeze

    v = json.loads((VECTORS / vector).read_text("utf-8"))
    task, p, cands, insp, coi, beacon, reveal = _golden_inputs(v)
    snap = freeze(
        task=task,
        params=p,
        candidates=cands,
        inspectors=insp,
        conflicts=coi,
        algorithm=algorithm,
    )
    com = commit(
        snap,
        committed_at=v["inputs"]["committed_at"],
        audit_chain_head=v["inputs"]["audit_chain_head"],
        server_nonce_sha256=sha256_hex(reveal.server_nonce),
        entropy=EntropyPlan(tuple(w.party for w in reveal.witness), 4, beacon),
    )
    out = v["expected"]
    assert {d.name: d.sha256 for d in snap.digests} == out["file_sha256"]
    assert com.manifest_json.decode() == out["manifest_json"]
    assert com.manifest_sha256 == out["manifest_sha256"]
    res = draw(com, reveal)
    assert res.seed == out["seed"]
    assert {s.stratum: [[t.uscc, t.ticket] for t in s.selected] for s in res.strata} == out[
        "selected"
    ]
    assert {s.stratum: [t.uscc for t in s.reserve] for s in res.strata} == out["reserve"]
    assert [[g.group_id, *g.members] for g in res.groups] == out["groups"]
    assert [[a.uscc, a.group_id] for a in res.assignments] == out["assignments"]
    assert sha256_hex(res.certificate.json_bytes) == out["certificate_sha256"]
    roots = {d.name: d.merkle_root for d in snap.digests if d.merkle_root}
    assert roots == {
        n: f["merkle_root"] for n, f in com.manifest["files"].items() if "merkle_root" in f
    }
    lines: list[str] = []
    assert (
        verify.verify_certificate(
            json.loads(res.certificate.json_bytes), dict(res.certificate.files), out=lines.append
        ).failed
        == []
    )


def test_identifier_check_characters() -> None:
    validate_entity_id("91350100M000100Y43", "gb32100")
    for bad in ("91350100M000100Y42", "91350100M000100y43", "9135010OM000100Y43"):
        with pytest.raises(DrawError, match="^bad_entity_id: "):
            validate_entity_id(bad, "gb32100")
    assert regno_valid("140000100028286")
    assert not regno_valid("140000100028285")
    assert verify.uscc_ok("91350100M000100Y43") and not verify.uscc_ok("91350100M000100Y44")


def test_rfc6962_merkle() -> None:
    assert merkle_root([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle_root([b""]) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    lines = [f"line{i}".encode() for i in range(7)]
    root = merkle_root(lines)
    leaves = [leaf_hash(x) for x in lines]
    for i, line in enumerate(lines):
        assert verify.root_from_path(line, i, 7, merkle_path(leaves, i)) == root
    try:
        verify.root_from_path(b"line9", 3, 7, merkle_path(leaves, 3))
    except verify.Failed:
        raise AssertionError("should not raise") from None
    assert verify.root_from_path(b"line9", 3, 7, merkle_path(leaves, 3)) != root
