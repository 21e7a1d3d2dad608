"""Columnar path: freeze and rank big registries inside the database.

The ticket H("ISD1:rank|" + seed + "|" + stratum + "|" + uscc) is computed by the
database (PostgreSQL >= 11 builtin sha256(); SQLite through a registered Python
function), so only the top k + reserve rows per stratum (plus a small slack) come back
to Python. Results are identical to engine.rank_file() on the frozen file.

Generic on purpose: the functions take a DB-API connection and a ColumnarSource; they do
not know Django. PostgreSQL needs no extension; psycopg is imported by the caller only.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from draw.canonical import (
    CANDIDATES,
    CAP_REASON,
    EXCLUDED,
    FILE_NAMES,
    INSPECTORS,
    RE_FLAG,
    check_field,
)
from draw.certificate import finish_draw
from draw.freeze import eligible_pool, file_digest, freeze, plan_groups, plan_strata
from draw.parallel import (
    WINDOW_LINES,
    ScanContext,
    combine_scans,
    no_gc,
    ordered,
    pool,
    scan_window,
)
from draw.rank import rank_file, to_stratum_result
from draw.records import (
    ALGORITHM_ID,
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
from draw.seed import derive_seed

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
        selective: whether `where` keeps a small part of the relation. None = yes when
            `where` is set. SQLite otherwise walks the entity-id index to avoid a sort and
            reads every row; a selective freeze sorts the filtered rows instead, so the
            filter's own index is used.
    """

    relation: str
    dialect: str = "sqlite"
    uscc: str = "uscc"
    grade: str = "grade"
    flags: str = "flags"
    count: str = "inspections_this_year"
    where: str = ""
    params: tuple[Any, ...] = ()
    selective: bool | None = None

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
    if src.dialect == "postgres":
        return f'({src.uscc}) COLLATE "C"'
    selective = bool(src.where) if src.selective is None else src.selective
    # "+x" is SQLite's idiom for "do not satisfy this term from an index".
    return f"+({src.uscc})" if selective else f"({src.uscc})"


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
    batch: int = WINDOW_LINES,
    algorithm: str = ALGORITHM_ID,
) -> Snapshot:
    """Freeze straight from the database, streaming rows in entity-id order.

    Inputs: connection; source; the same keyword inputs as engine.freeze() except that
        candidates come from the source. Caller exclusions must not also be in the source.
        The caller makes the read consistent (one transaction, REPEATABLE READ in
        PostgreSQL, or a snapshot table). For speed the source needs an index on the
        entity id in byte order (PostgreSQL: ``COLLATE "C"``) and on the filter columns.
    Outputs: Snapshot, byte-identical to engine.freeze() on the same rows.

    The database formats each line (stratum included); Python re-checks every line
    (grammar, id check characters, order, stratum derivation, cap) in a process pool
    while the next rows stream in, and hashes the Merkle leaves there too.
    """
    small = freeze(
        task=task,
        params=params,
        candidates=(),
        exclusions=exclusions,
        inspectors=inspectors,
        inspector_exclusions=inspector_exclusions,
        conflicts=conflicts,
        algorithm=algorithm,
    )
    cap = int(params.max_inspections_per_year)
    caller_lines = small.files[EXCLUDED].split(b"\n")[:-1]
    caller_ids = sorted(ln.split(b",", 1)[0] for ln in caller_lines)
    suffix = f",{CAP_REASON},at_or_above_{cap}"
    stratum = stratum_sql(src, params.stratify_flags)
    line = (
        f"({src.uscc}) || ',' || ({stratum}) || ',' || ({src.grade}) || ',' || ({src.flags})"
        f" || ',' || ({src.count})"
    )
    expr = f"CASE WHEN ({src.count}) < {cap} THEN {line} ELSE {line} || '{suffix}' END"
    sql = f"SELECT {expr} FROM {src.relation}{_where(src, '')} ORDER BY {_order_uscc(src)}"
    ctx = ScanContext(algorithm, params.id_check, params.stratify_flags, cap)
    capped: list[str] = []
    digest = hashlib.sha256()
    windows: list[bytes] = []

    def blocks() -> Iterator[list[str]]:
        cur = conn.cursor()
        if src.dialect == "postgres" and hasattr(cur, "copy"):
            yield from _copy_blocks(cur, sql, src.params)
            return
        cur.execute(sql, src.params)
        while rows := cur.fetchmany(batch):
            yield [r[0] for r in rows]

    stream = blocks()
    first = next(stream, [])

    def tasks() -> Iterator[tuple[bytes, ScanContext, list[bytes]]]:
        pending: list[str] = []
        for texts in itertools.chain([first], stream):
            if None in texts:
                raise DrawError("bad_field", "a candidate row has a NULL column")
            joined = "\n".join(texts)
            if suffix in joined:
                capped.extend(t for t in texts if t.endswith(suffix))
                texts = [t for t in texts if not t.endswith(suffix)]
            elif not pending and len(texts) == WINDOW_LINES:
                yield window(texts, joined)  # the common case: one block, one window
                continue
            pending.extend(texts)
            while len(pending) >= WINDOW_LINES:
                yield window(pending[:WINDOW_LINES])
                del pending[:WINDOW_LINES]
        if pending:
            yield window(pending)

    def window(lines: list[str], joined: str = "") -> tuple[bytes, ScanContext, list[bytes]]:
        data = ((joined or "\n".join(lines)) + "\n").encode("utf-8")
        digest.update(data)
        windows.append(data)
        lo = bisect.bisect_left(caller_ids, lines[0].split(",", 1)[0].encode())
        hi = bisect.bisect_right(caller_ids, lines[-1].split(",", 1)[0].encode())
        return data, ctx, caller_ids[lo:hi]

    # One block = the whole result: small, run inline; otherwise hash in a pool.
    with no_gc(), pool(0 if len(first) < batch else 1 << 62) as ex:
        results = list(ordered(ex, scan_window, tasks()))
    n_lines, root, population, error = combine_scans(results, algorithm)
    if error:
        raise DrawError(error[0], error[1])
    cand = b"".join(windows)
    windows.clear()
    if capped:
        data = ("\n".join(capped) + "\n").encode("utf-8")
        ctx_capped = ScanContext(algorithm, params.id_check, params.stratify_flags, cap, "capped")
        check = combine_scans([scan_window(data, ctx_capped, caller_ids)], algorithm)[3]
        if check:
            raise DrawError(check[0], check[1])
        caller_lines += data.split(b"\n")[:-1]
    excl = b"".join(ln + b"\n" for ln in sorted(caller_lines))
    files = dict(small.files)
    files[CANDIDATES] = cand
    files[EXCLUDED] = excl
    digests = []
    for name in FILE_NAMES:
        if name == CANDIDATES:
            digests.append(FileDigest(name, digest.hexdigest(), n_lines, root))
        else:
            digests.append(file_digest(name, files[name], algorithm))
    strata = plan_strata(population, params)
    eligible = eligible_pool(files[INSPECTORS], params)
    groups = plan_groups(sum(s.k for s in strata), eligible, params)
    return Snapshot(task, params, files, tuple(digests), strata, groups, eligible, algorithm)


def _copy_blocks(cur: Any, sql: str, params: Sequence[Any]) -> Iterator[list[str]]:
    """PostgreSQL: stream the lines with COPY ... TO STDOUT (text format; a NULL shows as
    \\N and an escaped character as a backslash, both refused by the line check)."""
    buf: list[bytes] = []
    size = 0
    with cur.copy(f"COPY ({sql}) TO STDOUT", params or None) as copy:
        for block in copy:
            buf.append(bytes(block))
            size += 1
            if size >= WINDOW_LINES:
                yield b"".join(buf).decode("utf-8").split("\n")[:-1]
                buf, size = [], 0
    if buf:
        yield b"".join(buf).decode("utf-8").split("\n")[:-1]


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
    if src.dialect == "postgres":
        # Compare raw digests (bytea: memcmp, no hex encoding, no collation) and encode
        # only the rows that pass; hex order = byte order, so the result is the same.
        text = f"'ISD1:rank|' || {ph} || '|' || ({stratum}) || '|' || ({src.uscc})"
        byte_cases = " ".join(
            f"WHEN '{s}' THEN decode('{b if b is not None else 'ff' * 33}', 'hex')"
            for s, b in sorted(bounds.items())
        )
        sql = (
            f"SELECT stratum, uscc, encode(digest, 'hex') FROM (SELECT ({stratum}) AS stratum,"
            f" ({src.uscc}) AS uscc, sha256(convert_to({text}, 'UTF8')) AS digest"
            f" FROM {src.relation}{_where(src, cap)}) AS ranked"
            f" WHERE digest < (CASE stratum {byte_cases} ELSE ''::bytea END)"
        )
    cur = conn.cursor()
    if src.dialect == "postgres":
        # The planner expects a third of the rows to pass the ticket bound and so finds
        # moving them from parallel workers too costly; ~3% pass. Cheaper tuples for this
        # one query (restored right after; SET LOCAL never outlives the transaction).
        cur.execute("SELECT current_setting('parallel_tuple_cost')")
        (saved,) = cur.fetchone()
        cur.execute("SELECT set_config('parallel_tuple_cost', '0.001', true)")
        cur.execute(sql, (seed, *src.params))
        rows = cur.fetchall()
        cur.execute("SELECT set_config('parallel_tuple_cost', %s, true)", (saved,))
    else:
        cur.execute(sql, (seed, *src.params))
        rows = cur.fetchall()
    found: dict[str, list[tuple[str, str]]] = {p.stratum: [] for p in plans}
    for s, u, t in rows:
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
    commitment: Commitment,
    reveal: EntropyReveal,
    conn: Connection,
    src: ColumnarSource,
    *,
    rank_in: str = "auto",
) -> DrawResult:
    """draw() with the ranking done in the database or on the frozen file.

    rank_in: "database" (tickets computed by SQL; the source must hold exactly the frozen
        rows: same transaction or a snapshot table), "file" (the frozen candidates.csv,
        hashed by a process pool), or "auto": PostgreSQL ranks in the database (C sha256,
        parallel workers); SQLite ranks the file, because its hash is a Python callback
        on one core. Either way the verifier re-derives the result from the frozen file,
        so any drift shows as FAIL.
    Outputs: DrawResult identical to engine.draw() on the same commitment and reveal.
    """
    if rank_in not in ("auto", "database", "file"):
        raise DrawError("bad_parameter", f"unknown rank_in {rank_in!r}")
    seed = derive_seed(commitment, reveal)
    snap = commitment.snapshot
    if rank_in == "database" or (rank_in == "auto" and src.dialect == "postgres"):
        strata = rank_columnar(conn, src, seed, snap.strata, snap.params)
    else:
        strata = rank_file(seed, snap.files[CANDIDATES], snap.strata)
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
