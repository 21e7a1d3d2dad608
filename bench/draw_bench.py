"""Draw engine benchmarks (not a test). Writes figures to stdout as JSON lines.

    python bench/draw_bench.py [N] [--pg DSN]

Builds a synthetic registry of N entities (skewed grades, 150 counties, 40 industries) in
SQLite (and PostgreSQL with --pg), then measures:
  floor    hashing the eligible rows' tickets with hashlib in a Python loop;
  (a)      filtered draw (5 industries x 20 counties, grades A 2% .. E 20%): ranking vs a
           bare hash-and-rank SQL query, and end to end (freeze, commit, draw, certificate);
  (b)      province-wide draw (all eligible, 3%): end to end and peak RSS;
  (c)      the standalone verifier on (b)'s certificate.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from draw.canonical import sha256_hex  # noqa: E402
from draw.columnar import (  # noqa: E402
    ColumnarSource,
    draw_columnar,
    freeze_columnar,
    hash_sql,
    register_sqlite,
    stratum_sql,
)
from draw.engine import commit, save_certificate  # noqa: E402
from draw.records import (  # noqa: E402
    DepartmentRequirement,
    DrawParams,
    EntropyPlan,
    EntropyReveal,
    Inspector,
    Quota,
    TaskInfo,
    WitnessContribution,
)
from draw.synthetic import make_uscc  # noqa: E402

OUT = os.environ.get("DRAW_BENCH_DIR", "/tmp/drawbench")
NONCE = "7a" * 32


def emit(**kw: Any) -> None:
    print(json.dumps(kw, ensure_ascii=False), flush=True)


def build_sqlite(n: int) -> str:
    path = os.path.join(OUT, f"registry_{n}.db")
    if os.path.exists(path):
        return path
    rng = random.Random(1)
    conn = sqlite3.connect(path + ".tmp")
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute(
        "CREATE TABLE ent (uscc TEXT PRIMARY KEY, grade TEXT NOT NULL, flags TEXT NOT "
        "NULL, inspections_this_year INTEGER NOT NULL, county TEXT NOT NULL, "
        "industry TEXT NOT NULL) WITHOUT ROWID"
    )
    grades = rng.choices("ABCDE", (40, 35, 15, 7, 3), k=n)
    counties = [f"{130100 + i:06d}" for i in range(150)]
    t = time.perf_counter()
    batch = []
    for i in range(n):
        # USCCs with ascending sequence numbers are inserted in key order.
        batch.append(
            (
                make_uscc("130000", i),
                grades[i],
                "-",
                i % 7 // 5,
                counties[(i * 7919) % 150],
                f"I{(i * 104729) % 40:02d}",
            )
        )
        if len(batch) == 200_000:
            conn.executemany("INSERT INTO ent VALUES (?,?,?,?,?,?)", batch)
            batch.clear()
    conn.executemany("INSERT INTO ent VALUES (?,?,?,?,?,?)", batch)
    conn.commit()
    conn.close()
    os.rename(path + ".tmp", path)
    emit(step="build_sqlite", rows=n, seconds=round(time.perf_counter() - t, 1))
    return path


def inspectors(per_dept: int) -> list[Inspector]:
    return [Inspector(f"{d}{j:05d}", d, 0) for d in ("SCJG", "WGLY") for j in range(per_dept)]


def params(ratios: dict[str, int], max_load: int) -> DrawParams:
    return DrawParams(
        quotas={g: Quota(ratio_bp=r) for g, r in ratios.items()},
        departments=(DepartmentRequirement("SCJG", 1), DepartmentRequirement("WGLY", 1)),
        max_load=max_load,
        id_check="gb32100",
    )


def floor_seconds(conn: Any, where: str, args: tuple[Any, ...]) -> tuple[float, int]:
    """Hash every eligible row's ticket string with hashlib (rows fetched first, untimed)."""
    rows = conn.execute(
        f"SELECT grade, uscc FROM ent WHERE inspections_this_year < 2 {where}", args
    ).fetchall()
    seed = "ab" * 32
    t = time.perf_counter()
    for g, u in rows:
        hashlib.sha256(("ISD1:rank|" + seed + "|" + g + "|" + u).encode()).hexdigest()
    return time.perf_counter() - t, len(rows)


def run_draw(
    conn: Any, src: ColumnarSource, p: DrawParams, label: str, insp: list[Inspector]
) -> tuple[float, str]:
    task = TaskInfo(
        f"BENCH-{label}",
        f"BENCH-{label}-D1",
        "2026-11-26",
        "2026-11-26T01:00:00Z",
        src.where or "全省",
    )
    t0 = time.perf_counter()
    snap = freeze_columnar(conn, src, task=task, params=p, inspectors=insp)
    t1 = time.perf_counter()
    com = commit(
        snap,
        committed_at="2026-11-26T01:10:00Z",
        audit_chain_head="bench",
        server_nonce_sha256=sha256_hex(NONCE),
        entropy=EntropyPlan(("甲", "乙", "丙"), 6, None),
    )
    reveal = EntropyReveal(
        NONCE,
        (
            WitnessContribution("甲", "123456"),
            WitnessContribution("乙", "654321"),
            WitnessContribution("丙", "112233"),
        ),
    )
    t2 = time.perf_counter()
    res = draw_columnar(com, reveal, conn, src)
    t3 = time.perf_counter()
    path = save_certificate(res.certificate, os.path.join(OUT, f"cert-{label}"))
    t4 = time.perf_counter()
    emit(
        step=f"draw_{label}",
        status=res.status,
        selected=sum(s.k for s in res.strata),
        freeze=round(t1 - t0, 2),
        commit=round(t2 - t1, 3),
        draw=round(t3 - t2, 2),
        certificate=round(t4 - t3, 2),
        end_to_end=round(t4 - t0, 2),
    )
    return t3 - t2, path


def bare_rank(conn: Any, src: ColumnarSource, p: DrawParams) -> float:
    """Bare hash-and-rank: window query returning the top k per grade, same engine."""
    ticket = hash_sql(src, f"'ISD1:rank|' || ? || '|' || ({stratum_sql(src, ())}) || '|' || uscc")
    cases = " ".join(f"WHEN '{g}' THEN {k}" for g, k in p.quotas_k.items())  # type: ignore
    sql = (
        f"SELECT grade, uscc FROM (SELECT grade, uscc, row_number() OVER (PARTITION BY grade "
        f"ORDER BY {ticket}) AS rn FROM ent WHERE inspections_this_year < 2 "
        f"{('AND ' + src.where) if src.where else ''}) WHERE rn <= CASE grade {cases} END"
    )
    t = time.perf_counter()
    conn.execute(sql, ("ab" * 32, *src.params)).fetchall()
    return time.perf_counter() - t


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    os.makedirs(OUT, exist_ok=True)
    conn = sqlite3.connect(build_sqlite(n))
    register_sqlite(conn)

    # (a) filtered draw
    inds = tuple(f"I{i:02d}" for i in range(5))
    cnts = tuple(f"{130100 + i:06d}" for i in range(20))
    where = f"industry IN ({','.join('?' * 5)}) AND county IN ({','.join('?' * 20)})"
    src = ColumnarSource("ent", where=where, params=inds + cnts)
    pa = params({"A": 200, "B": 500, "C": 1000, "D": 1500, "E": 2000}, 400)
    fl, rows = floor_seconds(conn, "AND " + where, inds + cnts)
    emit(step="floor_filtered", rows=rows, seconds=round(fl, 3))
    draw_s, _ = run_draw(conn, src, pa, "filtered", inspectors(200))
    pop: dict[str, int] = dict(
        conn.execute(
            f"SELECT grade, count(*) FROM ent WHERE inspections_this_year < 2 AND {where} "
            "GROUP BY grade",
            inds + cnts,
        ).fetchall()
    )
    object.__setattr__(
        pa,
        "quotas_k",
        {
            g: -(-pop.get(g, 0) * q.ratio_bp // 10000)  # type: ignore
            for g, q in pa.quotas.items()
        },
    )
    bare = bare_rank(conn, src, pa)
    emit(
        step="filtered_rank_vs_bare",
        draw=round(draw_s, 3),
        bare=round(bare, 3),
        ratio=round(draw_s / bare, 2),
        draw_over_floor=round(draw_s / fl, 2),
    )

    # (b) province-wide
    src_all = ColumnarSource("ent")
    fl_all, rows_all = floor_seconds(conn, "", ())
    emit(step="floor_province", rows=rows_all, seconds=round(fl_all, 2))
    pb = params({g: 300 for g in "ABCDE"}, 200)
    t = time.perf_counter()
    _, path = run_draw(conn, src_all, pb, "province", inspectors(2000))
    e2e = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emit(
        step="province_e2e",
        seconds=round(e2e, 1),
        over_floor=round(e2e / fl_all, 2),
        peak_rss_mb=round(rss),
    )

    # (c) standalone verifier
    verifier = os.path.join(os.path.dirname(__file__), "..", "draw", "verify.py")
    t = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, verifier, path],
        capture_output=True,
        text=True,
    )
    ver = time.perf_counter() - t
    emit(
        step="verify_province",
        seconds=round(ver, 1),
        over_floor=round(ver / fl_all, 2),
        rc=proc.returncode,
        peak_rss_mb=round(int(proc.stderr.strip().split()[-1]) / 1024),
        verdict=proc.stdout.strip().splitlines()[-1],
    )


if __name__ == "__main__":
    main()
