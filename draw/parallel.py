"""Process-parallel passes over big canonical files (standard library only).

SHA-256 over short strings is bound by the interpreter, not by the hash, so threads do
not help; a small process pool does. Work is cut into windows of whole lines (bytes),
sent to workers by pickling (works with every start method) and collected in order, so
results never depend on the number of workers. Small inputs run inline.

`SUIJI_DRAW_WORKERS` sets the pool size (0 or 1 = no pool; default: CPU count, max 8).
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from draw.canonical import (
    CAP_REASON,
    MerkleAccumulator,
    first_bad_id,
    perfect_root,
    stratum_key,
    window_leaves,
)
from draw.records import ALGORITHM_V1_0, MERKLE_CHUNK_LINES

WINDOW_LINES = 65536
"""Lines per scan window: a power of two and a multiple of MERKLE_CHUNK_LINES, so a full
window is a perfect Merkle subtree under both spec versions."""
PARALLEL_MIN_BYTES = 2_000_000
"""Below this many bytes a pass runs inline (a pool costs ~50 ms to start)."""

T = TypeVar("T")

_GRADE = rb"[0-9A-Za-z_]{1,16}"
_FLAGS = rb"(?:-|[a-z0-9_]{1,32}(?:\+[a-z0-9_]{1,32})*)"
_STRATUM = _GRADE + rb"(?::[a-z0-9_]{1,32})*"
_COUNT = rb"(0|[1-9][0-9]{0,17})"
TAIL_CANDIDATE = re.compile(
    rb"(" + _STRATUM + rb"),(" + _GRADE + rb"),(" + _FLAGS + rb")," + _COUNT
)
TAIL_CAPPED = re.compile(
    rb"("
    + _STRATUM
    + rb"),("
    + _GRADE
    + rb"),("
    + _FLAGS
    + rb"),"
    + _COUNT
    + rb","
    + CAP_REASON.encode()
    + rb",at_or_above_([1-9][0-9]*)"
)


def worker_count() -> int:
    """Outputs: the pool size from SUIJI_DRAW_WORKERS, else the CPU count (at most 8)."""
    env = os.environ.get("SUIJI_DRAW_WORKERS", "")
    if env.isdigit():
        return int(env)
    return min(os.cpu_count() or 1, 8)


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (restored on exit). The big passes allocate
    millions of acyclic tuples and lists; with a large certificate or snapshot alive,
    every full collection would walk all of it again (and, in forked workers, copy its
    pages). Nothing these passes build is cyclic, so pausing frees nothing late."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def pool(size_bytes: int) -> Iterator[Executor | None]:
    """A process pool for a pass over `size_bytes` of input, or None (run inline)."""
    n = worker_count()
    if n < 2 or size_bytes < PARALLEL_MIN_BYTES:
        yield None
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else methods[0])
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as ex:
        yield ex


def ordered(
    ex: Executor | None, fn: Callable[..., T], tasks: Iterable[Sequence[Any]], depth: int = 6
) -> Iterator[T]:
    """Outputs: fn(*task) for every task, in task order, at most `depth` in flight."""
    if ex is None:
        for task in tasks:
            yield fn(*task)
        return
    queue: deque[Future[T]] = deque()
    for task in tasks:
        queue.append(ex.submit(fn, *task))
        if len(queue) >= depth:
            yield queue.popleft().result()
    while queue:
        yield queue.popleft().result()


# ----------------------------------------------------------------------------- scanning


@dataclass(frozen=True)
class ScanContext:
    """What a scan window checks. kind: "candidate" (count < cap) or "capped" (the
    database's yearly-cap exclusions, with their reason and detail columns)."""

    algorithm: str
    id_check: str
    stratify: tuple[str, ...]
    cap: int
    kind: str = "candidate"


@dataclass(frozen=True)
class ScanResult:
    """Per-window outcome. error = (code, message) of the first problem, or None."""

    lines: int
    first_id: bytes
    last_id: bytes
    population: dict[str, int]
    subtree: bytes | None
    leaves: list[bytes]
    error: tuple[str, str] | None


def scan_window(window: bytes, ctx: ScanContext, forbidden: Sequence[bytes]) -> ScanResult:
    """Validate one window of entity lines and hash its Merkle part.

    Inputs: window (whole lines, each ending with LF; a window starts at a multiple of
        WINDOW_LINES in its file); ctx; forbidden = ids that must not appear (caller
        exclusions in this window's id range).
    Outputs: ScanResult. Checks: line grammar, strictly ascending ids, id check characters,
        stratum derived from grade and flags, count below (candidate) / at or above
        (capped) the cap. Distinct (stratum, grade, flags, count) tails are few, so they
        are checked once each; only ids are checked per line.
    """
    lines = window[:-1].split(b"\n")
    leaves = window_leaves(lines, ctx.algorithm)
    subtree = None
    if len(lines) == WINDOW_LINES:
        subtree, leaves = perfect_root(leaves), []
    pairs = [ln.split(b",", 1) for ln in lines]
    empty: dict[str, int] = {}

    def fail(code: str, message: str) -> ScanResult:
        return ScanResult(len(lines), b"", b"", empty, subtree, leaves, (code, message))

    if min(map(len, pairs)) != 2:
        bad = next(ln for ln, p in zip(lines, pairs, strict=True) if len(p) != 2)
        return fail("bad_field", f"malformed line {bad!r}")
    ids = [p[0] for p in pairs]
    bad_id = first_bad_id(ids, ctx.id_check)
    if bad_id is not None:
        return fail("bad_entity_id", f"entity id {bad_id.decode('utf-8', 'replace')} is invalid")
    if not all(map(bytes.__lt__, ids, ids[1:])):
        i = next(i for i in range(1, len(ids)) if ids[i - 1] >= ids[i])
        return fail("duplicate_entity", f"entity {ids[i].decode()} repeated or out of order")
    if forbidden and not set(forbidden).isdisjoint(ids):
        dup = min(set(forbidden) & set(ids)).decode()
        return fail("duplicate_entity", f"entity {dup} is also a caller exclusion")
    pattern = TAIL_CANDIDATE if ctx.kind == "candidate" else TAIL_CAPPED
    population: Counter[str] = Counter()
    for tail, n in Counter(p[1] for p in pairs).items():
        mt = pattern.fullmatch(tail)
        if mt is None:
            return fail("bad_field", f"malformed line tail {tail!r}")
        stratum, grade, flags, count = (g.decode() for g in mt.groups()[:4])
        if stratum != stratum_key(grade, flags, ctx.stratify):
            return fail("bad_field", f"stratum {stratum} does not follow from {grade},{flags}")
        if ctx.kind == "candidate" and int(count) >= ctx.cap:
            return fail("bad_field", f"count {count} at the cap in a candidate line")
        if ctx.kind == "capped" and (int(count) < ctx.cap or mt.group(5) != str(ctx.cap).encode()):
            return fail("bad_field", f"count {count} below the cap in a yearly_cap line")
        if flags != "-" and flags.split("+") != sorted(set(flags.split("+"))):
            return fail("bad_field", f"flags {flags} are not sorted and unique")
        population[stratum] += n
    return ScanResult(len(lines), ids[0], ids[-1], dict(population), subtree, leaves, None)


def combine_scans(
    results: Iterable[ScanResult], algorithm: str
) -> tuple[int, str, dict[str, int], tuple[str, str] | None]:
    """Outputs: (lines, hex Merkle root, population, first error) over ordered windows."""
    acc = MerkleAccumulator()
    total = 0
    population: Counter[str] = Counter()
    prev = b""
    error: tuple[str, str] | None = None
    sub = WINDOW_LINES if algorithm == ALGORITHM_V1_0 else WINDOW_LINES // MERKLE_CHUNK_LINES
    for r in results:
        total += r.lines
        if r.subtree is not None:
            acc.add_subtree(sub, r.subtree)
        for h in r.leaves:
            acc.add_leaf(h)
        if error is None and r.error is not None:
            error = r.error
        if error is None:
            if prev and r.first_id <= prev:
                error = ("duplicate_entity", f"entity {r.first_id.decode()} out of order")
            prev = r.last_id
            population.update(r.population)
    return total, acc.root(), dict(population), error


# ----------------------------------------------------------------------------- ranking


NO_BOUND = b"\xff" * 33
"""Larger than every 32-byte digest: keeps the whole stratum."""


def rank_window(
    window: bytes, seed: str, bounds: dict[bytes, bytes], limit: int = 0
) -> dict[bytes, list[tuple[bytes, bytes]]]:
    """Tickets of one window of candidate lines, keeping those below the stratum's bound.

    Inputs: window (whole lines with LF); seed; stratum -> bound on the raw 32-byte ticket
        digest (bytes order = hex order); limit > 0 keeps only that many smallest per
        stratum (exact fallback pass).
    Outputs: stratum -> [(digest, uscc)] with digest < bound. The ticket is
        SHA-256("ISD1:rank|" + seed + "|" + stratum + "|" + uscc); the 75-byte prefix is
        hashed once and copied.
    """
    prefix = hashlib.sha256(b"ISD1:rank|" + seed.encode() + b"|")
    out: dict[bytes, list[tuple[bytes, bytes]]] = {s: [] for s in bounds}
    for line in window[:-1].split(b"\n"):
        uscc, stratum, _ = line.split(b",", 2)
        h = prefix.copy()
        h.update(stratum + b"|" + uscc)
        d = h.digest()
        if d < bounds[stratum]:
            out[stratum].append((d, uscc))
    if limit:
        import heapq

        out = {s: heapq.nsmallest(limit, v) for s, v in out.items()}
    return out


def split_windows(data: bytes, size: int = 1 << 21) -> Iterator[bytes]:
    """Outputs: consecutive slices of ~size bytes, each ending at a LF."""
    start, n = 0, len(data)
    while start < n:
        end = data.find(b"\n", min(start + size, n - 1))
        end = n if end < 0 else end + 1
        yield data[start:end]
        start = end


def hash_tickets_bound(population: int, m: int) -> bytes:
    """Outputs: a 4-byte bound on ticket digests that keeps about m + 6*sqrt(m) + 64 of
    `population` uniformly random tickets (NO_BOUND when the whole stratum is needed)."""
    import math

    if m == 0:
        return b""
    want = m + 6 * math.isqrt(m) + 64
    if want >= population:
        return NO_BOUND
    bound = -(-want * (1 << 32) // population)
    return NO_BOUND if bound >= 1 << 32 else bound.to_bytes(4, "big")
