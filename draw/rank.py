"""Ranking (docs/draw-spec.md §5): order each stratum by (ticket, uscc), cut at k, keep
the reserve. rank_file() is the pure-Python path over the frozen candidates file; big
files are hashed by a process pool (draw.parallel) with the same result."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from draw.canonical import iter_lines
from draw.parallel import (
    NO_BOUND,
    hash_tickets_bound,
    no_gc,
    ordered,
    pool,
    rank_window,
    split_windows,
)
from draw.records import DrawError, StratumPlan, StratumResult, Ticket
from draw.seed import rank_ticket


def rank_stratum(
    seed: str, stratum: str, usccs: Iterable[str], k: int, reserve: int
) -> StratumResult:
    """Rank one stratum by ticket and cut it.

    Inputs: seed; stratum key; its entity ids (any order); k; reserve size.
    Outputs: StratumResult with the k smallest (ticket, uscc) as selected, the next
        `reserve` as the reserve list, and cutoff_ticket = the k-th ticket ("" if k = 0).
    """
    ranked = sorted((rank_ticket(seed, stratum, u), u) for u in usccs)
    head = [Ticket(u, t, i + 1) for i, (t, u) in enumerate(ranked[: k + reserve])]
    return StratumResult(
        stratum,
        len(ranked),
        k,
        head[k - 1].ticket if k else "",
        tuple(head[:k]),
        tuple(head[k:]),
    )


class TopM:
    """Exact m smallest (ticket, uscc) pairs of a stream, in O(m) memory."""

    def __init__(self, m: int) -> None:
        self.m = m
        self.items: list[tuple[str, str]] = []
        self.limit: tuple[str, str] = ("g", "")

    def add(self, ticket: str, uscc: str) -> None:
        """Inputs: one (ticket, uscc); kept only if it can still be among the m smallest."""
        if (ticket, uscc) < self.limit:
            self.items.append((ticket, uscc))
            if len(self.items) > 2 * self.m + 4096:
                self.items.sort()
                del self.items[self.m :]
                self.limit = self.items[-1] if self.m else ("", "")

    def result(self) -> list[tuple[str, str]]:
        """Outputs: the m smallest pairs, ascending."""
        self.items.sort()
        return self.items[: self.m]


def to_stratum_result(plan: StratumPlan, top: Sequence[tuple[str, str]]) -> StratumResult:
    """Outputs: StratumResult from the k + reserve smallest (ticket, uscc) pairs."""
    head = [Ticket(u, t, i + 1) for i, (t, u) in enumerate(top[: plan.k + plan.reserve])]
    k = plan.k
    return StratumResult(
        plan.stratum,
        plan.population,
        k,
        head[k - 1].ticket if k else "",
        tuple(head[:k]),
        tuple(head[k:]),
    )


def rank_file(
    seed: str, candidates: bytes, plans: Sequence[StratumPlan]
) -> tuple[StratumResult, ...]:
    """Rank the canonical candidates file (pure-Python path, no database).

    Inputs: seed; candidates.csv bytes; the committed per-stratum plans.
    Outputs: one StratumResult per plan.

    Each stratum keeps only tickets below a bound chosen from the committed N and
    k + reserve so that about m + 6*sqrt(m) + 64 survive; a stratum that keeps fewer
    than k + reserve is re-ranked exactly (keeping the smallest per window), so the
    result is always exact. Windows are hashed by a process pool when the file is big.
    """
    with no_gc():
        return _rank_file(seed, candidates, plans)


def _rank_file(
    seed: str, candidates: bytes, plans: Sequence[StratumPlan]
) -> tuple[StratumResult, ...]:
    want = {p.stratum.encode(): p.k + p.reserve for p in plans}
    bounds = {p.stratum.encode(): hash_tickets_bound(p.population, p.k + p.reserve) for p in plans}
    found = _rank_pass(seed, candidates, bounds, 0)
    short = [s for s, m in want.items() if len(found[s]) < m and bounds[s] != NO_BOUND]
    if short:
        exact = {s: (NO_BOUND if s in short else b"") for s in bounds}
        again = _rank_pass(seed, candidates, exact, max(want[s] for s in short))
        found.update({s: again[s] for s in short})
    out = []
    for p in plans:
        top = sorted(found[p.stratum.encode()])[: p.k + p.reserve]
        out.append(to_stratum_result(p, [(d.hex(), u.decode()) for d, u in top]))
    return tuple(out)


def _rank_pass(
    seed: str, data: bytes, bounds: dict[bytes, bytes], limit: int
) -> dict[bytes, list[tuple[bytes, bytes]]]:
    if data and not data.endswith(b"\n"):
        raise DrawError("bad_file", "canonical file does not end with LF")
    found: dict[bytes, list[tuple[bytes, bytes]]] = {s: [] for s in bounds}
    with pool(len(data)) as ex:
        tasks = ((w, seed, bounds, limit) for w in split_windows(data))
        try:
            for part in ordered(ex, rank_window, tasks):
                for s, items in part.items():
                    found[s].extend(items)
        except KeyError as exc:
            raise DrawError("unknown_stratum", f"stratum {exc} has no plan") from None
    return found


def rank_file_simple(
    seed: str, candidates: bytes, plans: Sequence[StratumPlan]
) -> tuple[StratumResult, ...]:
    """Reference implementation of rank_file(): one ticket per line, exact top-m stream.
    Used by the tests to check the bounded, parallel path."""
    tops = {p.stratum: TopM(p.k + p.reserve) for p in plans}
    for line in iter_lines(candidates):
        uscc, stratum, _rest = line.split(",", 2)
        tops[stratum].add(rank_ticket(seed, stratum, uscc), uscc)
    return tuple(to_stratum_result(p, tops[p.stratum].result()) for p in plans)
