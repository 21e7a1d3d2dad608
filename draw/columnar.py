"""Columnar path: freeze and rank big registries inside the database.

The ticket H("ISD1:rank|" + seed + "|" + stratum + "|" + uscc) is computed by the
database (PostgreSQL >= 11 builtin sha256(); SQLite through a registered Python
function), so only the top k + reserve rows per stratum (plus a small slack) come back
to Python. Results are identical to engine.rank_file() on the frozen file.

Generic on purpose: the functions take a DB-API connection and a ColumnarSource; they do
not know Django. PostgreSQL needs no extension; psycopg is imported by the caller only.
"""

from __future__ import annotations

import hashlib
import io
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from draw.canonical import (
    RE_FLAG,
    RE_GRADE,
    MerkleAccumulator,
    check_field,
    sha256_hex,
    stratum_key,
    validate_entity_id,
)
from draw.engine import (
    CANDIDATES,
    CAP_REASON,
    EXCLUDED,
    FILE_NAMES,
    INSPECTORS,
    derive_seed,
    eligible_pool,
    file_digest,
    finish_draw,
    freeze,
    plan_groups,
    plan_strata,
    to_stratum_result,
)
from draw.records import (
    Commitment,
    ConflictPair,
    DrawError,
    DrawParams,
    DrawResult,
    EntityExclusion,
    EntropyReveal,
    FileDigest,
    Inspector,
    InspectorExclusion,
    Snapshot,
    StratumPlan,
    StratumResult,
    TaskInfo,
)

SQLITE_FUNCTION = "isd1_sha256_hex"


class Cursor(Protocol):
    """The part of a DB-API 2.0 cursor used here."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...
    def fetchmany(self, size: int = ..., /) -> Sequence[Sequence[Any]]: ...
    def fetchall(self) -> Sequence[Sequence[Any]]: ...


class Connection(Protocol):
    """The part of a DB-API 2.0 connection used here."""

    def cursor(self) -> Any: ...


@dataclass(frozen=True)
class ColumnarSource:
    """Where the candidate rows live.

    Inputs:
        relation: a table name or a parenthesised subquery with an alias.
        dialect: "sqlite" or "postgres" (placeholder style and hash expression).
        uscc, grade, flags, count: SQL expressions for the entity id, the grade as of the
            draw date, the canonical flags text ("-" or "a+b", sorted) and the number of
            inspections this year.
        where: the filter as an SQL predicate ("" = none); params: its bound values.
    """

    relation: str
    dialect: str = "sqlite"
    uscc: str = "uscc"
    grade: str = "grade"
    flags: str = "flags"
    count: str = "inspections_this_year"
    where: str = ""
    params: tuple[Any, ...] = ()

    def ph(self) -> str:
        """Outputs: the placeholder of the dialect."""
        return "?" if self.dialect == "sqlite" else "%s"


def _sqlite_sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def register_sqlite(conn: sqlite3.Connection) -> None:
    """Register isd1_sha256_hex(text) -> lowercase hex SHA-256 of its UTF-8 bytes."""
    conn.create_function(SQLITE_FUNCTION, 1, _sqlite_sha256_hex, deterministic=True)


def hash_sql(src: ColumnarSource, text_sql: str) -> str:
    """Outputs: SQL for lowercase hex SHA-256 of a text expression, in the dialect."""
    if src.dialect == "sqlite":
        return f"{SQLITE_FUNCTION}({text_sql})"
    if src.dialect == "postgres":
        return f"encode(sha256(convert_to({text_sql}, 'UTF8')), 'hex')"
    raise DrawError("bad_parameter", f"unknown dialect {src.dialect!r}")


def stratum_sql(src: ColumnarSource, stratify_flags: Sequence[str]) -> str:
    """Outputs: SQL computing the stratum key: grade || ':flag' for each stratify flag."""
    find = "instr" if src.dialect == "sqlite" else "strpos"
    parts = [f"({src.grade})"]
    for flag in stratify_flags:
        check_field(flag, RE_FLAG, "stratify flag")
        parts.append(
            f"(CASE WHEN {find}('+' || ({src.flags}) || '+', '+{flag}+') > 0 "
            f"THEN ':{flag}' ELSE '' END)"
        )
    return " || ".join(parts)


def _where(src: ColumnarSource, extra: str) -> str:
    clauses = [c for c in (src.where, extra) if c]
    return (" WHERE " + " AND ".join(f"({c})" for c in clauses)) if clauses else ""


def _order_uscc(src: ColumnarSource) -> str:
    # Byte order, whatever the database collation (spec: lines sorted by UTF-8 bytes).
    return f"({src.uscc})" + (' COLLATE "C"' if src.dialect == "postgres" else "")


def freeze_columnar(
    conn: Connection,
    src: ColumnarSource,
    *,
    task: TaskInfo,
    params: DrawParams,
    exclusions: Iterable[EntityExclusion] = (),
    inspectors: Iterable[Inspector] = (),
    inspector_exclusions: Iterable[InspectorExclusion] = (),
    conflicts: Iterable[ConflictPair] = (),
    batch: int = 50_000,
) -> Snapshot:
    """Freeze straight from the database, streaming rows in entity-id order.

    Inputs: connection; source; the same keyword inputs as engine.freeze() except that
        candidates come from the source. Caller exclusions must not also be in the source.
        The caller makes the read consistent (one transaction, REPEATABLE READ in
        PostgreSQL, or a snapshot table).
    Outputs: Snapshot, byte-identical to engine.freeze() on the same rows.
    """
    small = freeze(
        task=task,
        params=params,
        candidates=(),
        exclusions=exclusions,
        inspectors=inspectors,
        inspector_exclusions=inspector_exclusions,
        conflicts=conflicts,
    )
    cap = params.max_inspections_per_year
    caller_excl = {
        ln.split(b",", 1)[0].decode(): ln for ln in small.files[EXCLUDED].split(b"\n") if ln
    }
    cand = io.BytesIO()
    excl = io.BytesIO()
    cand_merkle, excl_merkle = MerkleAccumulator(), MerkleAccumulator()
    cand_n = excl_n = 0
    population: dict[str, int] = {}
    pending = sorted(caller_excl)
    pi = 0
    prev = ""
    stratify = params.stratify_flags
    check_ids = params.id_check
    cur = conn.cursor()
    cur.execute(
        f"SELECT {src.uscc}, {src.grade}, {src.flags}, {src.count} FROM {src.relation}"
        f"{_where(src, '')} ORDER BY {_order_uscc(src)}",
        src.params,
    )

    def put_excl(line: bytes) -> None:
        nonlocal excl_n
        excl.write(line + b"\n")
        excl_merkle.add(line)
        excl_n += 1

    while True:
        rows = cur.fetchmany(batch)
        if not rows:
            break
        for uscc, grade, flags, count in rows:
            if uscc <= prev:
                raise DrawError("duplicate_entity", f"entity {uscc} repeated or out of order")
            prev = uscc
            while pi < len(pending) and pending[pi] < uscc:
                put_excl(caller_excl[pending[pi]])
                pi += 1
            if pi < len(pending) and pending[pi] == uscc:
                raise DrawError("duplicate_entity", f"entity {uscc} is also a caller exclusion")
            validate_entity_id(uscc, check_ids)
            if not RE_GRADE.fullmatch(grade):
                raise DrawError("bad_field", f"{uscc}: bad grade {grade!r}")
            stratum = stratum_key(grade, flags, stratify) if stratify else grade
            line = f"{uscc},{stratum},{grade},{flags},{count}"
            if count >= cap:
                put_excl(f"{line},{CAP_REASON},at_or_above_{cap}".encode())
            else:
                data = line.encode()
                cand.write(data + b"\n")
                cand_merkle.add(data)
                cand_n += 1
                population[stratum] = population.get(stratum, 0) + 1
    while pi < len(pending):
        put_excl(caller_excl[pending[pi]])
        pi += 1
    files = dict(small.files)
    files[CANDIDATES] = cand.getvalue()
    files[EXCLUDED] = excl.getvalue()
    digests = []
    for name in FILE_NAMES:
        if name == CANDIDATES:
            digests.append(FileDigest(name, sha256_hex(files[name]), cand_n, cand_merkle.root()))
        elif name == EXCLUDED:
            digests.append(FileDigest(name, sha256_hex(files[name]), excl_n, excl_merkle.root()))
        else:
            digests.append(file_digest(name, files[name]))
    strata = plan_strata(population, params)
    eligible = eligible_pool(files[INSPECTORS], params)
    groups = plan_groups(sum(s.k for s in strata), eligible, params)
    return Snapshot(task, params, files, tuple(digests), strata, groups, eligible)


def _threshold(plan: StratumPlan) -> str | None:
    """Outputs: an 8-hex-digit ticket prefix bound that keeps ~m + 6*sqrt(m) + 64 rows
    of the stratum, or None when the whole stratum is needed."""
    m = plan.k + plan.reserve
    if m == 0:
        return "00000000"
    want = m + 6 * math.isqrt(m) + 64
    if want >= plan.population:
        return None
    bound = -(-want * 16**8 // plan.population)
    return None if bound >= 16**8 else f"{bound:08x}"


def rank_columnar(
    conn: Connection,
    src: ColumnarSource,
    seed: str,
    plans: Sequence[StratumPlan],
    params: DrawParams,
) -> tuple[StratumResult, ...]:
    """Rank every stratum inside the database in one scan.

    Each row's ticket is computed in SQL; rows whose ticket is above the stratum's
    8-hex-digit bound are dropped in SQL. If a stratum returns fewer than k + reserve
    rows, it is re-queried without a bound, so the result is always exact.
    Outputs: one StratumResult per plan, identical to engine.rank_file().
    """
    ph = src.ph()
    stratum = stratum_sql(src, params.stratify_flags)
    ticket = hash_sql(src, f"'ISD1:rank|' || {ph} || '|' || ({stratum}) || '|' || ({src.uscc})")
    bounds = {p.stratum: _threshold(p) for p in plans}
    cases = " ".join(
        f"WHEN '{s}' THEN '{b if b is not None else 'g'}'" for s, b in sorted(bounds.items())
    )
    cap = f"({src.count}) < {int(params.max_inspections_per_year)}"
    sql = (
        f"SELECT stratum, uscc, ticket FROM (SELECT ({stratum}) AS stratum, ({src.uscc}) AS uscc,"
        f" {ticket} AS ticket FROM {src.relation}{_where(src, cap)}) AS ranked"
        f" WHERE ticket < (CASE stratum {cases} ELSE '' END)"
    )
    cur = conn.cursor()
    cur.execute(sql, (seed, *src.params))
    found: dict[str, list[tuple[str, str]]] = {p.stratum: [] for p in plans}
    for s, u, t in cur.fetchall():
        found[s].append((t, u))
    out = []
    for p in plans:
        rows = found[p.stratum]
        if len(rows) < p.k + p.reserve:
            rows = _rank_one(conn, src, seed, p, stratum, ticket, cap)
        rows.sort()
        out.append(to_stratum_result(p, rows))
    return tuple(out)


def _rank_one(
    conn: Connection,
    src: ColumnarSource,
    seed: str,
    plan: StratumPlan,
    stratum: str,
    ticket: str,
    cap: str,
) -> list[tuple[str, str]]:
    ph = src.ph()
    sql = (
        f"SELECT uscc, ticket FROM (SELECT ({stratum}) AS stratum, ({src.uscc}) AS uscc, "
        f"{ticket} AS ticket FROM {src.relation}{_where(src, cap)}) AS ranked "
        f"WHERE stratum = {ph} ORDER BY ticket, uscc LIMIT {int(plan.k + plan.reserve)}"
    )
    cur = conn.cursor()
    cur.execute(sql, (seed, *src.params, plan.stratum))
    return [(t, u) for u, t in cur.fetchall()]


def draw_columnar(
    commitment: Commitment, reveal: EntropyReveal, conn: Connection, src: ColumnarSource
) -> DrawResult:
    """draw() with the ranking done in the database. The source must hold exactly the
    frozen rows (same transaction or a snapshot table); the verifier re-derives the
    result from the frozen file, so any drift shows as FAIL.

    Outputs: DrawResult identical to engine.draw() on the same commitment and reveal.
    """
    seed = derive_seed(commitment, reveal)
    snap = commitment.snapshot
    strata = rank_columnar(conn, src, seed, snap.strata, snap.params)
    return finish_draw(commitment, reveal, seed, strata)


__all__ = [
    "ColumnarSource",
    "draw_columnar",
    "freeze_columnar",
    "hash_sql",
    "rank_columnar",
    "register_sqlite",
    "stratum_sql",
]
