"""The columnar path (SQLite always, PostgreSQL when DATABASE_URL is postgres) gives
byte-identical snapshots and identical rankings to the pure-Python path."""

from __future__ import annotations

import os
import sqlite3
from typing import Any

import pytest

from draw.canonical import flags_field, sha256_hex
from draw.columnar import (
    ColumnarSource,
    draw_columnar,
    freeze_columnar,
    rank_columnar,
    register_sqlite,
)
from draw.engine import commit, draw, freeze, rank_file
from draw.records import DepartmentRequirement, DrawParams, Quota, StratumPlan
from draw.synthetic import county
from draw.tests.support import NONCE, PLAN, TASK, reveal

DATA = county(n_entities=3000, inspectors_per_department=30, data_seed=11)
PARAMS = DrawParams(
    quotas={
        **{
            g: Quota(ratio_bp=r) for g, r in zip("ABCDE", (200, 500, 1000, 1500, 2000), strict=True)
        },
        **{f"{g}:flagged": Quota(count=7) for g in "ABCDE"},
    },
    departments=(DepartmentRequirement("SCJG", 2), DepartmentRequirement("WGLY", 1)),
    stratify_flags=("flagged",),
    max_load=40,
)
ROWS = [(c.uscc, c.grade, flags_field(c.flags), c.inspections_this_year) for c in DATA.candidates]


def _python_snapshot() -> Any:
    return freeze(
        task=TASK,
        params=PARAMS,
        candidates=DATA.candidates,
        exclusions=DATA.exclusions,
        inspectors=DATA.inspectors,
        inspector_exclusions=DATA.inspector_exclusions,
        conflicts=DATA.conflicts,
    )


def _check(conn: Any, src: ColumnarSource) -> None:
    snap = freeze_columnar(
        conn,
        src,
        task=TASK,
        params=PARAMS,
        exclusions=DATA.exclusions,
        inspectors=DATA.inspectors,
        inspector_exclusions=DATA.inspector_exclusions,
        conflicts=DATA.conflicts,
    )
    ref = _python_snapshot()
    assert snap == ref
    for i in range(3):
        seed = sha256_hex(f"columnar-{i}")
        assert rank_columnar(conn, src, seed, snap.strata, PARAMS) == rank_file(
            seed, snap.files["candidates.csv"], snap.strata
        )
    # A plan asking for the whole stratum and one forcing the exact fallback query.
    big = [
        StratumPlan(s.stratum, s.population, s.population, 0)
        if s.stratum == "B"
        else StratumPlan(s.stratum, s.population, 1, 0)
        if s.stratum == "A"
        else s
        for s in ref.strata
    ]
    assert rank_columnar(conn, src, "ab" * 32, big, PARAMS) == rank_file(
        "ab" * 32, ref.files["candidates.csv"], big
    )
    com = commit(
        snap,
        committed_at="2026-11-26T01:30:00Z",
        audit_chain_head="h",
        server_nonce_sha256=sha256_hex(NONCE),
        entropy=PLAN,
    )
    a = draw(com, reveal())
    for rank_in in ("database", "file", "auto"):
        b = draw_columnar(com, reveal(), conn, src, rank_in=rank_in)
        assert a.certificate.json_bytes == b.certificate.json_bytes
    assert a.status == "drawn"


def test_sqlite_matches_python() -> None:
    conn = sqlite3.connect(":memory:")
    register_sqlite(conn)
    conn.execute(
        "CREATE TABLE ent (uscc TEXT PRIMARY KEY, grade TEXT, flags TEXT, "
        "inspections_this_year INTEGER, county TEXT)"
    )
    conn.executemany("INSERT INTO ent VALUES (?, ?, ?, ?, 'x')", ROWS)
    conn.execute("INSERT INTO ent VALUES ('91139901000199999X', 'A', '-', 0, 'other')")
    _check(conn, ColumnarSource("ent", where="county = ?", params=("x",)))


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="DATABASE_URL is not PostgreSQL",
)
def test_postgres_matches_python() -> None:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        conn.execute(
            "CREATE TEMP TABLE ent (uscc TEXT PRIMARY KEY, grade TEXT, flags TEXT, "
            "inspections_this_year INTEGER, county TEXT)"
        )
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO ent VALUES (%s, %s, %s, %s, 'x')", ROWS)
        _check(conn, ColumnarSource("ent", dialect="postgres", where="county = %s", params=("x",)))
