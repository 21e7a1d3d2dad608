"""The fast paths give exactly the results of the simple ones: table-driven check
characters, bounded and pooled ranking, windowed/pooled freeze and verification (with
tiny windows so several windows and a process pool are exercised), v1.1 chunked Merkle
roots and proofs."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from pathlib import Path

import pytest

from draw import canonical, columnar, parallel, verify
from draw.canonical import regno_valid, sha256_hex, uscc_check_char, uscc_valid
from draw.certificate import entity_proof, save_certificate
from draw.columnar import ColumnarSource, freeze_columnar, register_sqlite
from draw.freeze import freeze
from draw.rank import rank_file, rank_file_simple
from draw.records import (
    ALGORITHM_V1_0,
    ALGORITHM_V1_1,
    Candidate,
    DepartmentRequirement,
    DrawParams,
    Quota,
    StratumPlan,
)
from draw.synthetic import make_uscc
from draw.tests.support import TASK, entities, inspectors, params, run, verify_cert

ALPHABET = canonical.USCC_ALPHABET


def test_table_driven_uscc_check_matches_the_formula() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        body = "".join(rng.choice(ALPHABET) for _ in range(17))
        good = body + uscc_check_char(body)
        assert uscc_valid(good.encode()) and verify.id_ok(good.encode())
        wrong = body + rng.choice([c for c in ALPHABET if c != good[17]])
        assert not uscc_valid(wrong.encode()) and not verify.id_ok(wrong.encode())
        bad_char = good[:5] + rng.choice("IOSVZ") + good[6:]
        assert not uscc_valid(bad_char.encode()) and not verify.id_ok(bad_char.encode())
    ids = [make_uscc("130000", i).encode() for i in range(500)]
    assert canonical.all_usccs_valid(ids) and verify.all_ids_ok(ids)
    for _ in range(400):
        u = bytearray(ids[rng.randrange(500)])
        pos = rng.randrange(18)
        u[pos] = ord(rng.choice([c for c in ALPHABET + "IOSVZa" if ord(c) != u[pos]]))
        some = [*rng.sample(ids, 40), bytes(u)]
        rng.shuffle(some)
        want = all(uscc_valid(x) for x in some)
        assert canonical.all_usccs_valid(some) == want == verify.all_ids_ok(some)
    assert canonical.first_bad_id([b"140000100028286"], "gb32100") is None
    assert regno_valid("140000100028286")
    assert canonical.first_bad_id([b"91350100M000100Y43", b"abc"], "syntax") == b"abc"


def test_v1_1_merkle_root_by_hand() -> None:
    lines = [f"E{i:05d},A,A,-,0".encode() for i in range(40)]
    data = b"".join(ln + b"\n" for ln in lines)

    def h(b: bytes) -> bytes:
        return hashlib.sha256(b).digest()

    leaves = [h(b"\x00" + data[i * 16 * 15 : (i + 1) * 16 * 15]) for i in range(3)]
    assert all(len(ln) == 14 for ln in lines)  # 15 bytes a line with its LF
    root = h(b"\x01" + h(b"\x01" + leaves[0] + leaves[1]) + leaves[2]).hex()
    assert canonical.file_merkle_root(data, ALGORITHM_V1_1) == root
    assert canonical.file_merkle_root(b"", ALGORITHM_V1_1) == hashlib.sha256(b"").hexdigest()
    one = h(b"\x00" + data[:15]).hex()
    assert canonical.file_merkle_root(data[:15], ALGORITHM_V1_1) == one
    assert canonical.file_merkle_root(data, ALGORITHM_V1_0) == canonical.merkle_root(lines)


def _plans(data: bytes, ratio: int, lie: int = 1) -> list[StratumPlan]:
    pop: dict[str, int] = {}
    for line in data.split(b"\n")[:-1]:
        s = line.split(b",")[1].decode()
        pop[s] = pop.get(s, 0) + 1
    out = []
    for s, n in sorted(pop.items()):
        k = -(-n * ratio // 10000)
        out.append(StratumPlan(s, n * lie, k, min(n - k, 7)))
    return out


def test_bounded_pooled_ranking_is_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setenv("SUIJI_DRAW_WORKERS", "2")
    cands = entities(6000, "ABCDE")
    snap = freeze(
        task=TASK,
        params=params(quotas={g: Quota(ratio_bp=300) for g in "ABCDE"}),
        candidates=cands,
        inspectors=inspectors(40),
    )
    data = snap.files["candidates.csv"]
    for i, ratio in enumerate((300, 20, 9000)):
        seed = sha256_hex(f"rank-{i}")
        plans = _plans(data, ratio)
        assert rank_file(seed, data, plans) == rank_file_simple(seed, data, plans)
    # A plan that overstates N makes the bound too tight: the exact fallback kicks in.
    plans = _plans(data, 300, lie=50)
    assert rank_file("cd" * 32, data, plans) == rank_file_simple("cd" * 32, data, plans)


@pytest.mark.parametrize("algorithm", [ALGORITHM_V1_0, ALGORITHM_V1_1])
def test_windowed_pooled_freeze_and_verifier(
    algorithm: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for mod in (parallel, columnar):
        monkeypatch.setattr(mod, "WINDOW_LINES", 64)
    monkeypatch.setattr(verify, "WINDOW", 64)
    monkeypatch.setattr(verify, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setenv("SUIJI_DRAW_WORKERS", "2")
    monkeypatch.setenv("SUIJI_VERIFY_WORKERS", "2")
    rng = random.Random(3)
    rows = [
        (make_uscc("139901", i), rng.choice("ABC"), "-", rng.choice((0, 0, 1, 2)))
        for i in range(1000)
    ]
    p = DrawParams(
        quotas={g: Quota(ratio_bp=1000) for g in "ABC"},
        departments=(DepartmentRequirement("D1", 1), DepartmentRequirement("D2", 1)),
        max_load=40,
    )
    conn = sqlite3.connect(":memory:")
    register_sqlite(conn)
    conn.execute(
        "CREATE TABLE ent (uscc TEXT PRIMARY KEY, grade TEXT, flags TEXT, "
        "inspections_this_year INTEGER)"
    )
    conn.executemany("INSERT INTO ent VALUES (?, ?, ?, ?)", rows)
    snap = freeze_columnar(
        conn,
        ColumnarSource("ent"),
        task=TASK,
        params=p,
        batch=100,
        inspectors=inspectors(8),
        algorithm=algorithm,
    )
    ref = freeze(
        task=TASK,
        params=p,
        candidates=[Candidate(u, g, (), c) for u, g, _, c in rows],
        inspectors=inspectors(8),
        algorithm=algorithm,
    )
    assert snap == ref
    assert snap.files["excluded.csv"].count(b"yearly_cap") > 100
    _, res = run(
        [Candidate(u, g, (), c) for u, g, _, c in rows], inspectors(8), p=p, algorithm=algorithm
    )
    assert verify_cert(res.certificate) == []
    path = save_certificate(res.certificate, str(tmp_path / "cert"))
    lines: list[str] = []
    doc = json.loads(Path(path).read_bytes())
    files = {n: tmp_path / "cert" / n for n in res.certificate.files}
    assert verify.verify_certificate(doc, files, out=lines.append).failed == []
    bad = bytearray(res.certificate.files["candidates.csv"])
    bad[-2] = ord("1") if bad[-2] == ord("0") else ord("0")  # last line's yearly count
    tampered: dict[str, bytes | None] = dict(res.certificate.files)
    tampered["candidates.csv"] = bytes(bad)
    assert verify_cert(dict(res.certificate.document), tampered) == ["file:candidates.csv"]
    # Every entity's proof checks, including the last, short chunk.
    for uscc in (rows[0][0], rows[-1][0], rows[500][0]):
        proof = json.loads(json.dumps(entity_proof(res.certificate, uscc)))
        assert verify.verify_proof(proof, out=lines.append).failed == []
        if algorithm == ALGORITHM_V1_1:
            proof["chunk"][0] = proof["chunk"][0][:-1] + "9"
            assert "proof:merkle" in verify.verify_proof(proof, out=lines.append).failed
