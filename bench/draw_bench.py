"""Draw engine benchmarks (not a test). Writes figures to stdout as JSON lines.

    python bench/draw_bench.py [N] [--pg DSN]

Builds a synthetic registry of N entities (skewed grades, 150 counties, 40 industries) in
SQLite, with an index on the filter columns (the platform has them); with --pg DSN it
loads the same rows into PostgreSQL (uscc ``COLLATE "C"`` primary key, same index) and
measures there instead. Then it measures:
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
FLOOR_CPU: dict[str, float] = {}
NONCE = "7a" * 32


def cpu() -> float:
    """CPU seconds of this process and its reaped children (pool workers, verifier)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def emit(**kw: Any) -> None:
    print(json.dumps(kw, ensure_ascii=False), flush=True)


def index_sqlite(path: str) -> None:
    conn = sqlite3.connect(path)
    t = time.perf_counter()
    conn.execute("CREATE INDEX IF NOT EXISTS ent_filter ON ent (industry, county)")
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    emit(step="index_sqlite", seconds=round(time.perf_counter() - t, 1))


def build_pg(dsn: str, sqlite_path: str, n: int) -> Any:
    import psycopg

    conn = psycopg.connect(dsn, autocommit=True)
    have = conn.execute("SELECT to_regclass('ent') IS NOT NULL").fetchone()
    if have and have[0] and conn.execute("SELECT count(*) FROM ent").fetchone() == (n,):
        return conn
    t = time.perf_counter()
    conn.execute("DROP TABLE IF EXISTS ent")
    conn.execute(
        'CREATE TABLE ent (uscc text COLLATE "C" PRIMARY KEY, grade text NOT NULL, flags text '
        "NOT NULL, inspections_this_year integer NOT NULL, county text NOT NULL, "
        "industry text NOT NULL)"
    )
    src = sqlite3.connect(sqlite_path)
    cur = src.execute("SELECT * FROM ent ORDER BY uscc")
    with conn.cursor().copy("COPY ent FROM STDIN") as copy:
        while rows := cur.fetchmany(100_000):
            copy.write("".join("\t".join(map(str, r)) + "\n" for r in rows))
    conn.execute("CREATE INDEX ent_filter ON ent (industry, county)")
    conn.execute("VACUUM ANALYZE ent")
    emit(step="build_pg", rows=n, seconds=round(time.perf_counter() - t, 1))
    return conn


def build_sqlite(n: int) -> str:
    path = os.path.join(OUT, f"registry_{n}.db")
    if os.path.exists(path):
        index_sqlite(path)
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
    index_sqlite(path)
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
    """Hash every eligible row's ticket string with hashlib in one Python loop. Rows are
    fetched in batches outside the timed part (always from SQLite: the same rows as in
    PostgreSQL), so the floor holds no 10M-row list and does not inflate peak memory."""
    cur = conn.execute(f"SELECT grade, uscc FROM ent WHERE inspections_this_year < 2 {where}", args)
    seed = "ab" * 32
    took, n, c = 0.0, 0, 0.0
    while rows := cur.fetchmany(200_000):
        t, c0 = time.perf_counter(), time.process_time()
        for g, u in rows:
            hashlib.sha256(("ISD1:rank|" + seed + "|" + g + "|" + u).encode()).hexdigest()
        took += time.perf_counter() - t
        c += time.process_time() - c0
        n += len(rows)
    FLOOR_CPU[where] = c
    return took, n


def run_draw(
    conn: Any, src: ColumnarSource, p: DrawParams, label: str, insp: list[Inspector]
) -> tuple[float, str, float]:
    task = TaskInfo(
        f"BENCH-{label}",
        f"BENCH-{label}-D1",
        "2026-11-26",
        "2026-11-26T01:00:00Z",
        src.where or "全省",
    )
    c0 = cpu()
    t0 = time.perf_counter()
    snap = freeze_columnar(conn, src, task=task, params=p, inspectors=insp)
    t1 = time.perf_counter()
    c1 = cpu()
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
    c2 = cpu()
    res = draw_columnar(com, reveal, conn, src)
    t3 = time.perf_counter()
    c3 = cpu()
    path = save_certificate(res.certificate, os.path.join(OUT, f"cert-{label}"))
    t4 = time.perf_counter()
    c4 = cpu()
    if src.dialect == "postgres":
        conn.rollback()
    emit(
        step=f"draw_{label}",
        status=res.status,
        selected=sum(s.k for s in res.strata),
        freeze=round(t1 - t0, 2),
        commit=round(t2 - t1, 3),
        draw=round(t3 - t2, 2),
        certificate=round(t4 - t3, 2),
        end_to_end=round(t4 - t0, 2),
        cpu_freeze=round(c1 - c0, 2),
        cpu_draw=round(c3 - c2, 2),
        cpu_end_to_end=round(c4 - c0, 2),
    )
    return t3 - t2, path, t4 - t0


def bare_rank(conn: Any, src: ColumnarSource, p: DrawParams) -> float:
    """Bare hash-and-rank: window query returning the top k per grade, same engine."""
    ph = src.ph()
    ticket = hash_sql(
        src, f"'ISD1:rank|' || {ph} || '|' || ({stratum_sql(src, ())}) || '|' || uscc"
    )
    cases = " ".join(f"WHEN '{g}' THEN {k}" for g, k in p.quotas_k.items())  # type: ignore
    sql = (
        f"SELECT grade, uscc FROM (SELECT grade, uscc, row_number() OVER (PARTITION BY grade "
        f"ORDER BY {ticket}) AS rn FROM ent WHERE inspections_this_year < 2 "
        f"{('AND ' + src.where) if src.where else ''}) AS r WHERE rn <= CASE grade {cases} END"
    )
    t = time.perf_counter()
    cur = conn.cursor()
    cur.execute(sql, ("ab" * 32, *src.params))
    cur.fetchall()
    took = time.perf_counter() - t
    if src.dialect == "postgres":
        conn.rollback()
    return took


def rss_mb(who: int) -> int:
    return round(resource.getrusage(who).ru_maxrss / 1024)


def main() -> None:
    args = sys.argv[1:]
    dsn = ""
    if "--pg" in args:
        dsn = args[args.index("--pg") + 1]
        del args[args.index("--pg") : args.index("--pg") + 2]
    n = int(args[0]) if args else 10_000_000
    os.makedirs(OUT, exist_ok=True)
    path = build_sqlite(n)
    lite = sqlite3.connect(path)
    engine = "postgres" if dsn else "sqlite"
    if dsn:
        pg = build_pg(dsn, path, n)
        pg.autocommit = False
        conn: Any = pg
    else:
        conn = lite
        register_sqlite(conn)
    emit(step="engine", engine=engine, workers=os.environ.get("SUIJI_DRAW_WORKERS", "auto"))
    ph = "?" if engine == "sqlite" else "%s"

    # (a) filtered draw
    inds = tuple(f"I{i:02d}" for i in range(5))
    cnts = tuple(f"{130100 + i:06d}" for i in range(20))
    where_lite = f"industry IN ({','.join('?' * 5)}) AND county IN ({','.join('?' * 20)})"
    where = where_lite.replace("?", ph)
    src = ColumnarSource("ent", dialect=engine, where=where, params=inds + cnts)
    pa = params({"A": 200, "B": 500, "C": 1000, "D": 1500, "E": 2000}, 400)
    fl, rows = floor_seconds(lite, "AND " + where_lite, inds + cnts)
    emit(step="floor_filtered", rows=rows, seconds=round(fl, 3))
    draw_s, _, e2e_a = run_draw(conn, src, pa, f"{engine}-filtered", inspectors(200))
    pop: dict[str, int] = dict(
        lite.execute(
            f"SELECT grade, count(*) FROM ent WHERE inspections_this_year < 2 AND {where_lite} "
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
        e2e_over_floor=round(e2e_a / fl, 2),
    )

    # (b) province-wide
    src_all = ColumnarSource("ent", dialect=engine)
    fl_all, rows_all = floor_seconds(lite, "", ())
    emit(
        step="floor_province",
        rows=rows_all,
        seconds=round(fl_all, 2),
        cpu=round(FLOOR_CPU[""], 2),
    )
    pb = params({g: 300 for g in "ABCDE"}, 200)
    t = time.perf_counter()
    _, path, _ = run_draw(conn, src_all, pb, f"{engine}-province", inspectors(2000))
    e2e = time.perf_counter() - t
    emit(
        step="province_e2e",
        seconds=round(e2e, 1),
        over_floor=round(e2e / fl_all, 2),
        peak_rss_mb=rss_mb(resource.RUSAGE_SELF),
        peak_rss_worker_mb=rss_mb(resource.RUSAGE_CHILDREN),
    )

    # (c) standalone verifier
    verifier = os.path.join(os.path.dirname(__file__), "..", "draw", "verify.py")
    t, c = time.perf_counter(), cpu()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, verifier, path],
        capture_output=True,
        text=True,
    )
    ver = time.perf_counter() - t
    emit(
        step="verify_province",
        seconds=round(ver, 1),
        cpu=round(cpu() - c, 1),
        over_floor=round(ver / fl_all, 2),
        rc=proc.returncode,
        peak_rss_mb=round(int(proc.stderr.strip().split()[-1]) / 1024),
        verdict=proc.stdout.strip().splitlines()[-1],
    )


if __name__ == "__main__":
    main()
