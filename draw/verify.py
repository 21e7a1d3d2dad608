#!/usr/bin/env python3
"""Standalone verifier for Suiji draw certificates (SUIJI-ISD1 v1.0 and SUIJI-ISD1.1 v1.1).

Copy this one file anywhere with Python >= 3.11 and run:

    python3 verify.py certificate.json [files_dir]     # whole draw
    python3 verify.py --proof proof.json               # one entity's proof

It re-derives everything from the committed files and the revealed entropy, prints each
check as 通过 PASS / 失败 FAIL with the reason, and exits 0 only if every check passes.
It imports nothing from the draw package: it is a second, independent implementation of
docs/draw-spec.md. Not checked (needs non-stdlib crypto): the drand BLS signature itself;
the verifier checks randomness == SHA-256(signature) and the round formula.

The candidates file (millions of lines) is streamed in windows of 65,536 lines and checked
by a process pool (one process per CPU; SUIJI_VERIFY_WORKERS=1 turns it off): the result
does not depend on the number of processes.
"""

from __future__ import annotations

import bisect
import calendar
import functools
import gc
import hashlib
import heapq
import json
import math
import multiprocessing
import os
import re
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

FORMAT = "suiji-draw-certificate/1"
V10, V11 = "SUIJI-ISD1", "SUIJI-ISD1.1"
VERSIONS = {V10: "1.0", V11: "1.1"}
CHUNK = 16  # v1.1: lines per Merkle leaf
WINDOW = 65536  # lines per scan window: a power of two and a multiple of CHUNK
PARALLEL_MIN_BYTES = 1 << 21  # smaller candidate files are checked in this process
Source = bytes | os.PathLike[str]
FILES = ("candidates.csv", "excluded.csv", "inspectors.csv", "inspector_exclusions.csv", "coi.csv")
MERKLE = ("candidates.csv", "excluded.csv")
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ALPHA_INDEX = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]

ID = r"[0-9A-Z]{1,32}"
TEXT = r"[^\x00-\x1f\x7f,|;=\\\"]*"
GRADE = r"[0-9A-Za-z_]{1,16}"
FLAGS = r"(?:-|[a-z0-9_]{1,32}(?:\+[a-z0-9_]{1,32})*)"
CODE = r"[0-9A-Za-z_-]{1,64}"
REASON = r"[a-z0-9_]{1,64}"
STRATUM = GRADE + r"(?::[a-z0-9_]{1,32})*"
LINE_RE = {
    "candidates.csv": re.compile(f"({ID}),({STRATUM}),({GRADE}),({FLAGS}),(0|[1-9][0-9]*)"),
    "excluded.csv": re.compile(
        f"({ID}),({STRATUM}),({GRADE}),({FLAGS}),(0|[1-9][0-9]*),({REASON}),({TEXT})"
    ),
    "inspectors.csv": re.compile(f"({CODE}),({CODE}),(0|[1-9][0-9]*)"),
    "inspector_exclusions.csv": re.compile(f"({CODE}),({CODE}),({REASON}),({TEXT})"),
    "coi.csv": re.compile(f"({CODE}),({ID}),({REASON})"),
}


def H(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def utc(stamp: str) -> int:
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


class Failed(Exception):
    """A check failed; the message is the reason."""


class Report:
    def __init__(self, out: Callable[[str], None] = print) -> None:
        self.results: list[tuple[str, bool, str]] = []
        self.out = out

    def check(self, name: str, fn: Callable[[], str]) -> None:
        try:
            detail = fn()
            ok = True
        except Failed as exc:
            detail, ok = str(exc), False
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            detail, ok = f"malformed: {type(exc).__name__}: {exc}", False
        self.results.append((name, ok, detail))
        self.out(f"{'通过 PASS' if ok else '失败 FAIL'}  {name}: {detail}")

    @property
    def failed(self) -> list[str]:
        return [n for n, ok, _ in self.results if not ok]

    def verdict(self) -> int:
        if self.failed:
            self.out(
                f"结论 VERDICT: 失败 FAIL ({len(self.failed)} of {len(self.results)} "
                f"checks failed: {', '.join(self.failed)})"
            )
            return 1
        self.out(f"结论 VERDICT: 通过 PASS (all {len(self.results)} checks passed)")
        return 0


def expect(cond: bool, reason: str) -> None:
    if not cond:
        raise Failed(reason)


# ------------------------------------------------------------------ Merkle (RFC 6962)


class Merkle:
    def __init__(self) -> None:
        self.stack: list[tuple[int, bytes]] = []

    def add(self, h: bytes, size: int = 1) -> None:
        """Add a leaf hash, or the root of an aligned perfect subtree of `size` leaves."""
        while self.stack and self.stack[-1][0] == size:
            h = hashlib.sha256(b"\x01" + self.stack.pop()[1] + h).digest()
            size *= 2
        self.stack.append((size, h))

    def root(self) -> str:
        if not self.stack:
            return hashlib.sha256(b"").hexdigest()
        h = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            h = hashlib.sha256(b"\x01" + left + h).digest()
        return h.hex()


def leaves_of(lines: list[bytes], algorithm: str) -> list[bytes]:
    """Leaf hashes of consecutive lines (no LF) that start at a leaf boundary.
    v1.0: SHA-256(0x00 || line). v1.1: SHA-256(0x00 || CHUNK lines, each with its LF)."""
    if algorithm == V10:
        return [hashlib.sha256(b"\x00" + ln).digest() for ln in lines]
    return [
        hashlib.sha256(b"\x00" + b"\n".join(lines[i : i + CHUNK]) + b"\n").digest()
        for i in range(0, len(lines), CHUNK)
    ]


def perfect(leaves: list[bytes]) -> bytes:
    while len(leaves) > 1:
        leaves = [
            hashlib.sha256(b"\x01" + leaves[i] + leaves[i + 1]).digest()
            for i in range(0, len(leaves), 2)
        ]
    return leaves[0]


def root_from_path(line: bytes, index: int, size: int, path: list[str], leaf: bool = False) -> str:
    """RFC 9162 §2.1.3.2 inclusion proof verification (line is the leaf hash if leaf)."""
    if index >= size:
        raise Failed("leaf index beyond tree size")
    fn, sn = index, size - 1
    r = line if leaf else hashlib.sha256(b"\x00" + line).digest()
    for p in path:
        sib = bytes.fromhex(p)
        if sn == 0:
            raise Failed("audit path too long")
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + sib + r).digest()
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hashlib.sha256(b"\x01" + r + sib).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Failed("audit path too short")
    return r.hex()


# ------------------------------------------------------------------ spec formulas


def uscc_ok(u: str) -> bool:
    if len(u) == 18:
        try:
            total = sum(ALPHA_INDEX[c] * w for c, w in zip(u[:17], WEIGHTS, strict=True))
            return ALPHABET[(31 - total % 31) % 31] == u[17] and u[17] in ALPHA_INDEX
        except KeyError:
            return False
    if len(u) == 15 and u.isdigit():
        check = 5
        for ch in u:
            check = (((check or 10) * 2) % 11 + int(ch)) % 10
        return check == 1
    return False


def stratum_of(grade: str, flags: str, stratify: list[str]) -> str:
    present = set() if flags == "-" else set(flags.split("+"))
    return grade + "".join(":" + f for f in stratify if f in present)


def k_of(n: int, quota: Mapping[str, int]) -> int:
    if "count" in quota:
        return min(n, quota["count"])
    return min(n, (n * quota["ratio_bp"] + 9999) // 10000)


def seed_of(manifest: Mapping[str, Any], manifest_sha256: str, reveal: Mapping[str, Any]) -> str:
    ent = manifest["entropy"]
    if ent["beacon"] is None:
        net = chain = rnd = rand = "-"
    else:
        net, chain = ent["beacon"]["network"], ent["beacon"]["chain_hash"]
        rnd, rand = str(ent["beacon"]["round"]), reveal["beacon"]["randomness"]
    wit = (
        ";".join(w["party"] + "=" + w["digits"] for w in reveal["witness"])
        if ent["witness"]
        else ""
    )
    return H(
        "SUIJI1:seed|"
        + "|".join([manifest_sha256, net, chain, rnd, rand, H(wit), reveal["server_nonce"]])
    )


def lines_of(data: bytes) -> Iterator[str]:
    if not data:
        return
    if not data.endswith(b"\n"):
        raise Failed("file does not end with LF")
    for raw in data[:-1].split(b"\n"):
        yield raw.decode("utf-8")


# ------------------------------------------------------------------ streaming and workers


def read_blocks(src: Source, size: int = 1 << 23) -> Iterator[bytes]:
    if isinstance(src, bytes):
        for i in range(0, len(src), size):
            yield src[i : i + size]
        return
    with open(src, "rb") as fh:
        while block := fh.read(size):
            yield block


class Windows:
    """Cuts a file into windows of WINDOW whole lines (LF kept), hashing it on the way."""

    def __init__(self, src: Source) -> None:
        self.src, self.sha, self.lines, self.ends_lf = src, hashlib.sha256(), 0, True

    def __iter__(self) -> Iterator[bytes]:
        carry: list[bytes] = []
        rest = b""
        for block in read_blocks(self.src):
            self.sha.update(block)
            parts = (rest + block).split(b"\n")
            rest = parts.pop()
            carry += parts
            while len(carry) >= WINDOW:
                self.lines += WINDOW
                yield b"\n".join(carry[:WINDOW]) + b"\n"
                del carry[:WINDOW]
        if carry:
            self.lines += len(carry)
            yield b"\n".join(carry) + b"\n"
        self.ends_lf = rest == b""


def run_ordered(
    fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], big: bool
) -> Iterator[Any]:
    """fn(*task) for each task in order; in a process pool when the input is big."""
    env = os.environ.get("SUIJI_VERIFY_WORKERS", "")
    n = int(env) if env.isdigit() else min(os.cpu_count() or 1, 8)
    if n < 2 or not big:
        for t in tasks:
            yield fn(*t)
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else methods[0])
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as ex:
        queue: deque[Future[Any]] = deque()
        for t in tasks:
            queue.append(ex.submit(fn, *t))
            if len(queue) > 2 * n + 2:
                yield queue.popleft().result()
        while queue:
            yield queue.popleft().result()


ID_CHARS = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# 34 = 3 (mod 31), so int(reversed 17-char body in base 34) = sum(index(c_i) * 3^i) (mod 31)
# when each character is written as the base-34 digit of its alphabet index; the letters
# outside the alphabet become "!", which int() refuses.
TO_BASE34 = bytes.maketrans(ALPHABET.encode() + b"IOSVZ", b"0123456789abcdefghijklmnopqrstu!!!!!")
TAIL = re.compile(f"({STRATUM}),({GRADE}),({FLAGS}),(0|[1-9][0-9]*)".encode())
EVERYTHING = b"\xff" * 33


def id_ok(u: bytes) -> bool:
    if len(u) == 18:
        try:
            return ALPHABET.encode()[-int(u[16::-1].translate(TO_BASE34), 34) % 31] == u[17]
        except ValueError:
            return False
    return uscc_ok(u.decode())


VALUE = bytes.maketrans(ALPHABET.encode(), bytes(range(31)))
OTHER = bytes(sorted(set(range(256)) - set(ALPHABET.encode())))


def all_ids_ok(ids: list[bytes]) -> bool:
    """True if all ids are 18-character USCCs with valid check characters (else check one
    by one). Vectorised with big integers: per id a 16-bit field holding
    T = sum(index(c_i) * 3^i mod 31) + index(c_17) < 2^14, which is 0 mod 31 iff valid;
    as 32 = 1 (mod 31), adding a field's 5-bit groups twice leaves 0 or 31 iff valid."""
    n = len(ids)
    joined = b"".join(ids)
    if len(joined) != 18 * n or joined.translate(None, OTHER) != joined:
        return False
    values, field, total = joined.translate(VALUE), bytearray(2 * n), 0
    for i in range(18):
        field[0::2] = values[i::18]
        total += (WEIGHTS[i] if i < 17 else 1) * int.from_bytes(field, "little")
    mask = int.from_bytes(b"\x1f\x00" * n, "little")
    total = (total & mask) + ((total >> 5) & mask) + ((total >> 10) & mask)
    total = (total & mask) + ((total >> 5) & mask)
    return not total.to_bytes(2 * n, "little")[0::2].translate(None, b"\x00\x1f")


def scan_candidates(window: bytes, job: dict[str, Any], forbidden: list[bytes]) -> dict[str, Any]:
    """Check one window of candidates.csv and compute its tickets and Merkle part.

    Returns lines, first/last id, Merkle subtree root (full window) or leaves, population
    per stratum, (digest, id) pairs below each stratum's bound, the first error, and the
    first id that is also in excluded.csv (forbidden = excluded ids in this id range).
    """
    lines = window[:-1].split(b"\n")
    leaves = leaves_of(lines, job["algorithm"])
    out: dict[str, Any] = {"lines": len(lines), "subtree": None, "leaves": leaves, "error": None}
    if len(lines) == WINDOW:
        out["subtree"], out["leaves"] = perfect(leaves), []
    pairs = [ln.split(b",", 1) for ln in lines]
    if min(map(len, pairs)) != 2:
        bad = next(ln for ln, p in zip(lines, pairs, strict=True) if len(p) != 2)
        return out | {"error": f"malformed line {bad.decode(errors='replace')!r}"}
    ids = [p[0] for p in pairs]
    out["first"], out["last"] = ids[0], ids[-1]
    both = set(forbidden).intersection(ids) if forbidden else set()
    out["overlap"] = min(both).decode() if both else None
    if b"".join(ids).translate(None, ID_CHARS) or min(map(len, ids)) < 1 or max(map(len, ids)) > 32:
        bad = next(
            ln
            for ln, u in zip(lines, ids, strict=True)
            if not re.fullmatch(ID, u.decode(errors="replace"))
        )
        return out | {"error": f"malformed line {bad.decode(errors='replace')!r}"}
    if not all(map(bytes.__lt__, ids, ids[1:])):
        i = next(i for i in range(1, len(ids)) if ids[i - 1] >= ids[i])
        return out | {"error": f"not strictly sorted by entity id at {ids[i].decode()}"}
    if job["id_check"] and not all_ids_ok(ids):
        bad_id = next((u for u in ids if not id_ok(u)), None)
        if bad_id is not None:
            return out | {"error": f"{bad_id.decode()} fails the GB 32100 / MOD 11,10 check"}
    pop: Counter[bytes] = Counter()
    for tail, n in Counter(p[1] for p in pairs).items():
        mt = TAIL.fullmatch(tail)
        if mt is None:
            line = next(ln for ln, p in zip(lines, pairs, strict=True) if p[1] == tail)
            return out | {"error": f"malformed line {line.decode(errors='replace')!r}"}
        stratum, grade, flags, count = (g.decode() for g in mt.groups())
        if stratum != stratum_of(grade, flags, job["stratify"]):
            u = next(p[0] for p in pairs if p[1] == tail).decode()
            return out | {"error": f"{u}: stratum {stratum} does not follow from grade/flags"}
        if int(count) >= job["cap"]:
            u = next(p[0] for p in pairs if p[1] == tail).decode()
            return out | {"error": f"{u} is at the yearly cap but is a candidate"}
        pop[mt.group(1)] += n
    out["population"] = {s.decode(): n for s, n in pop.items()}
    prefix = hashlib.sha256(b"ISD1:rank|" + job["seed"].encode() + b"|")
    bounds: dict[bytes, bytes] = job["bounds"]
    found: dict[bytes, list[tuple[bytes, bytes]]] = {}
    for uscc, tail in pairs:
        stratum = tail[: tail.index(b",")]
        h = prefix.copy()
        h.update(stratum + b"|" + uscc)
        d = h.digest()
        if d < bounds.get(stratum, b""):
            found.setdefault(stratum, []).append((d, uscc))
    if job["limit"]:
        found = {s: heapq.nsmallest(job["limit"], v) for s, v in found.items()}
    out["found"] = found
    return out


def ticket_bound(population: int, m: int) -> bytes:
    """A 4-byte bound keeping ~m + 6*sqrt(m) + 64 of `population` uniform tickets."""
    if m <= 0:
        return b""
    want = m + 6 * math.isqrt(m) + 64
    if want >= population:
        return EVERYTHING
    bound = -(-want * (1 << 32) // population)
    return EVERYTHING if bound >= 1 << 32 else bound.to_bytes(4, "big")


# ------------------------------------------------------------------ certificate checks


class Verifier:
    def __init__(
        self,
        doc: Mapping[str, Any],
        files: Mapping[str, Source | None],
        report: Report,
        id_check: bool = True,
    ) -> None:
        self.doc, self.files, self.r, self.id_check = doc, files, report, id_check
        self.scan: dict[str, Any] | None = None
        self.m: Mapping[str, Any] = doc.get("manifest", {})
        self.p: Mapping[str, Any] = self.m.get("parameters", {})
        self.population: dict[str, int] = {}
        self.top: dict[str, list[tuple[str, str]]] = {}
        self.inspectors: dict[str, tuple[str, int]] = {}
        self.coi: set[tuple[str, str]] = set()

    def run(self) -> None:
        # Verification builds millions of acyclic tuples next to a large certificate;
        # full garbage collections would walk the certificate again and again.
        was = gc.isenabled()
        gc.disable()
        try:
            self._run()
        finally:
            if was:
                gc.enable()

    def _run(self) -> None:
        r = self.r
        r.check("format", self.c_format)
        r.check("manifest_digest", self.c_manifest)
        r.check("time_order", self.c_time)
        for name in FILES:
            r.check(f"file:{name}", functools.partial(self.c_file, name))
        r.check("snapshot:candidates.csv", self.c_candidates)
        r.check("snapshot:excluded.csv", self.c_excluded)
        r.check("snapshot:inspectors.csv", self.c_inspectors)
        r.check("strata_plan", self.c_strata_plan)
        r.check("groups_plan", self.c_groups_plan)
        r.check("entropy:server_nonce", self.c_nonce)
        r.check("entropy:witness", self.c_witness)
        r.check("entropy:beacon", self.c_beacon)
        r.check("seed", self.c_seed)
        for s in self.doc.get("strata", []):
            key = s.get("stratum", "?")
            r.check(f"stratum:{key}", functools.partial(self.c_stratum, s))
        r.check("inspector_draw", self.c_inspector_draw)
        r.check("groups", self.c_groups)
        r.check("assignments", self.c_assignments)
        r.check("loads", self.c_loads)
        r.check("events", self.c_events)

    def source(self, name: str) -> Source:
        d = self.files.get(name)
        if d is None:
            raise Failed(f"file {name} is missing")
        return d

    def data(self, name: str) -> bytes:
        d = self.source(name)
        if isinstance(d, bytes):
            return d
        with open(d, "rb") as fh:
            return fh.read()

    def algorithm(self) -> str:
        alg = self.m.get("algorithm")
        return alg if alg in VERSIONS else V11

    def candidates_scan(self) -> dict[str, Any]:
        """One streaming pass over candidates.csv for file:, snapshot: and stratum: checks."""
        if self.scan is None:
            self.scan = self._scan()
        return self.scan

    def _scan(self) -> dict[str, Any]:
        src = self.source("candidates.csv")
        try:
            excluded = sorted(
                ln.split(b",", 1)[0] for ln in self.data("excluded.csv").split(b"\n") if ln
            )
        except Failed:
            excluded = []
        want: dict[bytes, int] = {}
        bounds: dict[bytes, bytes] = {}
        try:
            for key, v in self.m["strata"].items():
                want[key.encode()] = v["k"] + v["reserve"]
                bounds[key.encode()] = ticket_bound(v["population"], v["k"] + v["reserve"])
        except (KeyError, TypeError, AttributeError):
            want, bounds = {}, {}
        job = {
            "algorithm": self.algorithm(),
            "seed": str(self.doc.get("seed", "")),
            "cap": self.p.get("max_inspections_per_year", 0),
            "stratify": list(self.p.get("stratify_flags", [])),
            "id_check": self.id_check and self.p.get("id_check") == "gb32100",
            "bounds": bounds,
            "limit": 0,
        }
        windows, merkle, error = Windows(src), Merkle(), None
        pop: Counter[str] = Counter()
        found: dict[bytes, list[tuple[bytes, bytes]]] = {s: [] for s in bounds}
        overlap, prev = None, b""
        sub = WINDOW if job["algorithm"] == V10 else WINDOW // CHUNK
        size = len(src) if isinstance(src, bytes) else os.path.getsize(src)
        big = size > PARALLEL_MIN_BYTES
        for r in run_ordered(scan_candidates, self._tasks(windows, job, excluded), big):
            if r["subtree"] is not None:
                merkle.add(r["subtree"], sub)
            for h in r["leaves"]:
                merkle.add(h)
            overlap = overlap or r.get("overlap")
            if error is not None:
                continue
            if r["error"] is not None:
                error = r["error"]
                continue
            if prev and r["first"] <= prev:
                error = f"not strictly sorted by entity id at {r['first'].decode()}"
                continue
            prev = r["last"]
            pop.update(r["population"])
            for s, items in r["found"].items():
                found[s].extend(items)
        if not windows.ends_lf:
            error = "file does not end with LF"
        if error is None:
            short = [s for s, m in want.items() if len(found[s]) < m and bounds[s] != EVERYTHING]
            if short:  # fewer than k + reserve below the bound: rank those strata exactly
                job |= {
                    "bounds": {s: (EVERYTHING if s in short else b"") for s in bounds},
                    "limit": max(want[s] for s in short),
                }
                again: dict[bytes, list[tuple[bytes, bytes]]] = {s: [] for s in short}
                for r in run_ordered(scan_candidates, self._tasks(Windows(src), job, []), big):
                    for s, items in r["found"].items():
                        again[s].extend(items)
                found.update(again)
        top = {
            s.decode(): [(d.hex(), u.decode()) for d, u in sorted(v)[: want[s]]]
            for s, v in found.items()
        }
        return {
            "sha256": windows.sha.hexdigest(),
            "lines": windows.lines,
            "root": merkle.root(),
            "error": error,
            "population": dict(pop),
            "top": top,
            "overlap": overlap,
        }

    @staticmethod
    def _tasks(
        windows: Windows, job: dict[str, Any], excluded: list[bytes]
    ) -> Iterator[tuple[bytes, dict[str, Any], list[bytes]]]:
        for w in windows:
            lo = bisect.bisect_left(excluded, w[: w.find(b",")])
            last = w[w.rfind(b"\n", 0, len(w) - 1) + 1 :]
            hi = bisect.bisect_right(excluded, last[: last.find(b",")])
            yield w, job, excluded[lo:hi]

    def c_format(self) -> str:
        d = self.doc
        expect(d.get("format") == FORMAT, f"format {d.get('format')!r} is not {FORMAT}")
        alg = str(d.get("algorithm"))
        expect(
            alg in VERSIONS and alg == self.m.get("algorithm"),
            f"algorithm {alg!r} is not one of {sorted(VERSIONS)}",
        )
        expect(
            d.get("spec_version") == VERSIONS[alg] == self.m.get("spec_version"),
            f"spec version {d.get('spec_version')!r} is not {VERSIONS[alg]}",
        )
        return (
            f"{alg} v{VERSIONS[alg]}, draw {self.m.get('draw_id')} of task {self.m.get('task_id')}"
        )

    def c_manifest(self) -> str:
        got = hashlib.sha256(canonical(self.m)).hexdigest()
        expect(
            got == self.doc["manifest_sha256"],
            f"manifest hashes to {got}, certificate says {self.doc['manifest_sha256']}",
        )
        return got

    def c_time(self) -> str:
        f, c = utc(self.m["frozen_at"]), utc(self.m["committed_at"])
        expect(f <= c, "committed before the freeze")
        return f"frozen {self.m['frozen_at']} <= committed {self.m['committed_at']}"

    def c_file(self, name: str) -> str:
        want = self.m["files"][name]
        if name == "candidates.csv":
            scan = self.candidates_scan()
            got, lines, root = scan["sha256"], scan["lines"], scan["root"]
            expect(got == want["sha256"], f"sha256 {got} != committed {want['sha256']}")
            expect(lines == want["lines"], "line count differs from the commitment")
            expect(scan["error"] != "file does not end with LF", "file does not end with LF")
        else:
            data = self.data(name)
            got = hashlib.sha256(data).hexdigest()
            expect(got == want["sha256"], f"sha256 {got} != committed {want['sha256']}")
            expect(data.count(b"\n") == want["lines"], "line count differs from the commitment")
            if name in MERKLE:
                acc = Merkle()
                for h in leaves_of([ln.encode() for ln in lines_of(data)], self.algorithm()):
                    acc.add(h)
                root = acc.root()
        if name in MERKLE:
            expect(
                root == want["merkle_root"],
                f"Merkle root {root} != committed {want['merkle_root']}",
            )
        return f"sha256 {got[:16]}…, {want['lines']} lines"

    def _sorted_unique(self, name: str, key: Callable[[str], str]) -> list[list[str]]:
        rows, prev = [], None
        pattern = LINE_RE[name]
        for line in lines_of(self.data(name)):
            mt = pattern.fullmatch(line)
            expect(mt is not None, f"malformed line {line!r}")
            assert mt is not None
            k = key(line)
            expect(prev is None or prev < k, f"not strictly sorted/unique at {line!r}")
            prev = k
            rows.append(list(mt.groups()))
        return rows

    def c_candidates(self) -> str:
        scan = self.candidates_scan()
        if scan["error"] is not None:
            raise Failed(scan["error"])
        self.population, self.top = scan["population"], scan["top"]
        pop = self.population
        return f"{sum(pop.values())} candidates in {len(pop)} strata, none at the cap"

    def c_excluded(self) -> str:
        cap = self.p["max_inspections_per_year"]
        self.source("candidates.csv")
        both = self.candidates_scan()["overlap"]
        expect(both is None, f"{both} is both a candidate and excluded")
        rows = self._sorted_unique("excluded.csv", lambda ln: ln.split(",", 1)[0])
        for uscc, stratum, grade, flags, count, reason, _detail in rows:
            expect(
                stratum == stratum_of(grade, flags, self.p["stratify_flags"]),
                f"{uscc}: stratum does not follow from grade/flags",
            )
            expect(
                reason != "yearly_cap" or int(count) >= cap,
                f"{uscc} excluded for the yearly cap but has {count} < {cap}",
            )
            expect(
                int(count) < cap or reason == "yearly_cap",
                f"{uscc} is at the cap but excluded for {reason}",
            )
        reasons: dict[str, int] = {}
        for row in rows:
            reasons[row[5]] = reasons.get(row[5], 0) + 1
        return f"{len(rows)} excluded: {json.dumps(reasons, ensure_ascii=False, sort_keys=True)}"

    def c_inspectors(self) -> str:
        rows = self._sorted_unique("inspectors.csv", lambda ln: ln)
        self.inspectors = {b: (d, int(load)) for d, b, load in rows}
        expect(len(self.inspectors) == len(rows), "a badge appears twice")
        excl = self._sorted_unique("inspector_exclusions.csv", lambda ln: ln)
        for _d, b, _r, _t in excl:
            expect(b not in self.inspectors, f"excluded inspector {b} is still in the pool")
        coi = self._sorted_unique("coi.csv", lambda ln: ln)
        self.coi = {(b, u) for b, u, _ in coi}
        return f"{len(rows)} available, {len(excl)} excluded with reasons, {len(coi)} COI pairs"

    def c_strata_plan(self) -> str:
        quotas, strata = self.p["quotas"], self.m["strata"]
        expect(
            set(self.population) <= set(quotas),
            f"strata without quota: {sorted(set(self.population) - set(quotas))}",
        )
        expect(sorted(strata) == sorted(quotas), "committed strata differ from the quotas")
        for key, q in quotas.items():
            n = self.population.get(key, 0)
            k = k_of(n, q)
            r = min(
                n - k, max(self.p["reserve_min"], (k * self.p["reserve_ratio_bp"] + 9999) // 10000)
            )
            expect(
                strata[key] == {"population": n, "k": k, "reserve": r},
                f"stratum {key}: committed {strata[key]}, expected N={n} k={k} reserve={r}",
            )
        return ", ".join(f"{s}: N={v['population']} k={v['k']}" for s, v in sorted(strata.items()))

    def c_groups_plan(self) -> str:
        depts, max_load = self.p["departments"], self.p["max_load"]
        eligible = {
            d["department"]: sum(
                1
                for dd, load in self.inspectors.values()
                if dd == d["department"] and load < max_load
            )
            for d in depts
        }
        total_k = sum(v["k"] for v in self.m["strata"].values())
        possible = min(eligible[d["department"]] // d["per_group"] for d in depts)
        groups = 0 if total_k == 0 else (self.p["group_count"] or min(total_k, possible))
        expect(total_k == 0 or 0 < groups <= possible, "the pool cannot staff the groups")
        expect(sum(d["per_group"] for d in depts) >= 2, "group size below 2")
        got = self.m["groups"]
        expect(
            got == {"count": groups, "eligible": eligible},
            f"committed {got}, expected count={groups} eligible={eligible}",
        )
        return f"{groups} groups of {sum(d['per_group'] for d in depts)}"

    def c_nonce(self) -> str:
        nonce = self.doc["reveal"]["server_nonce"]
        expect(re.fullmatch("[0-9a-f]{64}", nonce) is not None, "nonce is not 64 hex")
        expect(
            H(nonce) == self.m["entropy"]["server_nonce_sha256"],
            "revealed nonce does not hash to the committed value",
        )
        return "H(nonce) matches the commitment"

    def c_witness(self) -> str:
        w, got = self.m["entropy"]["witness"], self.doc["reveal"]["witness"]
        if w is None:
            expect(got == [], "witness digits present but none were committed")
            return "no witness ceremony committed"
        expect([x["party"] for x in got] == w["parties"], "parties differ from the commitment")
        for x in got:
            expect(
                x["digits"].isascii()
                and x["digits"].isdigit()
                and len(x["digits"]) >= w["min_digits_per_party"],
                f"{x['party']}: digits must be >= {w['min_digits_per_party']} of 0-9",
            )
        return f"{len(got)} parties: " + ", ".join(x["party"] for x in got)

    def c_beacon(self) -> str:
        b, got = self.m["entropy"]["beacon"], self.doc["reveal"]["beacon"]
        if b is None:
            expect(got is None, "beacon value present but none was committed")
            return "no beacon committed"
        t = utc(self.m["committed_at"]) + b["delay_seconds"] - b["genesis_time"]
        rnd = max(1, -(-t // b["period"]) + 1)
        expect(b["round"] == rnd, f"committed round {b['round']} != formula {rnd}")
        expect(got is not None and got["round"] == rnd, "revealed beacon is for another round")
        expect(
            re.fullmatch("[0-9a-f]{64}", got["randomness"]) is not None, "randomness is not 64 hex"
        )
        if got["signature"]:
            expect(
                hashlib.sha256(bytes.fromhex(got["signature"])).hexdigest() == got["randomness"],
                "randomness != SHA-256(signature)",
            )
            return f"{b['network']} round {rnd}, randomness = SHA-256(signature) (BLS not checked)"
        return f"{b['network']} round {rnd} (no signature given: randomness taken as published)"

    def c_seed(self) -> str:
        got = seed_of(self.m, self.doc["manifest_sha256"], self.doc["reveal"])
        expect(
            got == self.doc["seed"],
            f"seed re-derives to {got}, certificate says {self.doc['seed']}",
        )
        return got

    def c_stratum(self, s: Mapping[str, Any]) -> str:
        key = s["stratum"]
        plan = self.m["strata"].get(key)
        expect(plan is not None, f"stratum {key} was not committed")
        k, res = plan["k"], plan["reserve"]
        expect(
            s["population"] == plan["population"] and s["k"] == k,
            f"N/k {s['population']}/{s['k']} differ from committed {plan['population']}/{k}",
        )
        top = self.top.get(key, [])
        sel = [[u, t] for t, u in top[:k]]
        rsv = [[u, t] for t, u in top[k : k + res]]
        for i, (a, b) in enumerate(zip(s["selected"], sel, strict=False)):
            expect(a == b, f"selected[{i}] is {a}, re-derived {b}")
        expect(
            len(s["selected"]) == len(sel), f"{len(s['selected'])} selected, re-derived {len(sel)}"
        )
        for i, (a, b) in enumerate(zip(s["reserve"], rsv, strict=False)):
            expect(a == b, f"reserve[{i}] is {a}, re-derived {b}")
        expect(len(s["reserve"]) == len(rsv), "reserve list length differs")
        cutoff = sel[-1][1] if sel else ""
        expect(s["cutoff_ticket"] == cutoff, f"cutoff {s['cutoff_ticket']} != {cutoff}")
        return f"N={plan['population']} k={k} cutoff {cutoff[:16]}… reserve {len(rsv)}"

    def c_inspector_draw(self) -> str:
        seed, max_load, g = self.doc["seed"], self.p["max_load"], self.m["groups"]["count"]
        claimed = self.doc["inspector_draw"]
        expect(
            [d["department"] for d in claimed] == [d["department"] for d in self.p["departments"]],
            "departments differ from the parameters",
        )
        for d, req in zip(claimed, self.p["departments"], strict=True):
            dept = req["department"]
            ranked = sorted(
                [b, H("ISD1:insp|" + seed + "|" + dept + "|" + b)]
                for b, (dd, load) in self.inspectors.items()
                if dd == dept and load < max_load
            )
            ranked.sort(key=lambda bt: (bt[1], bt[0]))
            need = g * req["per_group"]
            expect(d["drawn"] == ranked[:need], f"{dept}: drawn list differs from re-derivation")
            expect(d["reserve"] == ranked[need:], f"{dept}: reserve order differs")
        return ", ".join(f"{d['department']}: {len(d['drawn'])} drawn" for d in claimed)

    def c_groups(self) -> str:
        g = self.m["groups"]["count"]
        width = max(3, len(str(g)))
        drawn = {d["department"]: [b for b, _ in d["drawn"]] for d in self.doc["inspector_draw"]}
        expected = []
        for i in range(g):
            members: list[str] = []
            for req in self.p["departments"]:
                n = req["per_group"]
                members += drawn[req["department"]][i * n : (i + 1) * n]
            expected.append(
                {"group": f"G{i + 1:0{width}d}", "leader": members[0], "members": members}
            )
        got = self.doc["groups"]
        for a, b in zip(got, expected, strict=False):
            expect(a == b, f"group {a.get('group')} is {a}, re-derived {b}")
        expect(len(got) == len(expected), f"{len(got)} groups, re-derived {len(expected)}")
        for grp in got:
            expect(len(grp["members"]) >= 2, f"{grp['group']} has fewer than 2 members")
        return f"{len(got)} groups, leaders from {self.p['departments'][0]['department']}"

    def c_assignments(self) -> str:
        groups = self.doc["groups"]
        gi = {m: i for i, grp in enumerate(groups) for m in grp["members"]}
        bad: dict[str, set[int]] = {}
        for b, u in self.coi:
            if b in gi:
                bad.setdefault(u, set()).add(gi[b])
        cap = [
            min(self.p["max_load"] - self.inspectors[m][1] for m in grp["members"])
            for grp in groups
        ]
        order = sorted(
            (len(groups) - len(bad.get(u, ())), t, u, s["stratum"])
            for s in self.doc["strata"]
            for u, t in s["selected"]
        )
        heap = [(0, i) for i in range(len(groups))]
        count = [0] * len(groups)
        out, failure = [], None
        for _n, _t, u, stratum in order:
            stash, chosen = [], -1
            while heap:
                c, i = heapq.heappop(heap)
                if i in bad.get(u, set()):
                    stash.append((c, i))
                    continue
                chosen = i
                break
            for item in stash:
                heapq.heappush(heap, item)
            if chosen < 0:
                failure = {"code": "no_eligible_group", "uscc": u}
                break
            count[chosen] += 1
            if count[chosen] < cap[chosen]:
                heapq.heappush(heap, (count[chosen], chosen))
            out.append({"uscc": u, "stratum": stratum, "group": groups[chosen]["group"]})
        status = "failed" if failure else "drawn"
        expect(
            self.doc["status"] == status, f"status {self.doc['status']!r}, re-derived {status!r}"
        )
        if failure:
            f = self.doc["failure"]
            expect(
                f is not None
                and f["code"] == failure["code"]
                and f["details"]["uscc"] == failure["uscc"],
                f"failure differs: re-derived {failure}",
            )
            expect(self.doc["assignments"] == [], "a failed draw lists assignments")
            return f"draw failed as certified: {failure['code']} at {failure['uscc']}"
        expect(self.doc["failure"] is None, "certificate reports a failure that did not occur")
        out.sort(key=lambda a: a["uscc"])
        got = self.doc["assignments"]
        for a, want in zip(got, out, strict=False):
            expect(a == want, f"assignment {a} differs from re-derived {want}")
        expect(len(got) == len(out), f"{len(got)} assignments, re-derived {len(out)}")
        by_id = {x["group"]: x for x in groups}
        for row in got:
            grp = by_id[row["group"]]
            expect(
                not any((m, row["uscc"]) in self.coi for m in grp["members"]),
                f"conflict of interest in {row}",
            )
        return f"{len(out)} targets matched, no conflicted pair, loads within {self.p['max_load']}"

    def c_loads(self) -> str:
        loads = {m: self.inspectors[m][1] for grp in self.doc["groups"] for m in grp["members"]}
        members = {grp["group"]: grp["members"] for grp in self.doc["groups"]}
        for a in self.doc["assignments"]:
            for m in members[a["group"]]:
                loads[m] += 1
        expect(self.doc["loads"] == dict(sorted(loads.items())), "final loads differ")
        expect(all(v <= self.p["max_load"] for v in loads.values()), "a load exceeds max_load")
        return f"max load {max(loads.values(), default=0)} <= {self.p['max_load']}"

    def c_events(self) -> str:
        events = self.doc.get("events", [])
        base = {k: v for k, v in self.doc.items() if k != "events"}
        prev = hashlib.sha256(canonical(base)).hexdigest()
        max_load: int = self.p["max_load"]
        groups = {g["group"]: list(g["members"]) for g in self.doc["groups"]}
        order = [g["group"] for g in self.doc["groups"]]
        assigned = {a["uscc"]: (a["stratum"], a["group"]) for a in self.doc["assignments"]}
        reserve = {s["stratum"]: [u for u, _ in s["reserve"]] for s in self.doc["strata"]}
        ins_res = {
            d["department"]: [b for b, _ in d["reserve"]] for d in self.doc["inspector_draw"]
        }
        used_e, used_b = set(assigned), {m for ms in groups.values() for m in ms}

        def targets(g: str) -> list[str]:
            return [u for u, (_, gg) in assigned.items() if gg == g]

        def conflict(g: str, u: str) -> bool:
            return any((m, u) in self.coi for m in groups[g])

        def room(g: str) -> int:
            return min(max_load - self.inspectors[m][1] for m in groups[g]) - len(targets(g))

        voided = False
        for n, ev in enumerate(events, 1):
            expect(not voided, f"event {n} follows a void")
            expect(ev["seq"] == n, f"event {n} has seq {ev['seq']}")
            expect(ev["prev"] == prev, f"event {n}: hash chain broken")
            expect(re.fullmatch(REASON, ev["reason"]) is not None, f"event {n}: bad reason")
            prev = hashlib.sha256(canonical(ev)).hexdigest()
            if ev["type"] == "replace_target":
                expect(self.doc["status"] == "drawn", "replacement in a failed draw")
                expect(ev["out"] in assigned, f"event {n}: {ev['out']} is not a target")
                stratum, old = assigned[ev["out"]]
                skipped: list[list[str]] = []
                pick: tuple[str, str] | None = None
                for c in reserve.get(stratum, []):
                    if c in used_e:
                        continue
                    if not conflict(old, c):
                        pick = (c, old)
                        break
                    opts = sorted(
                        (len(targets(g)), i, g)
                        for i, g in enumerate(order)
                        if g != old and not conflict(g, c) and room(g) > 0
                    )
                    if opts:
                        pick = (c, opts[0][2])
                        break
                    skipped.append([c, "no_eligible_group"])
                expect(
                    pick is not None
                    and [ev["in"], ev["group"]] == list(pick)
                    and ev["skipped"] == skipped
                    and ev["stratum"] == stratum,
                    f"event {n}: substitute must be {pick} (next in reserve order), "
                    f"certificate has {ev['in']}/{ev['group']}",
                )
                assert pick is not None
                del assigned[ev["out"]]
                assigned[pick[0]] = (stratum, pick[1])
                used_e.add(pick[0])
            elif ev["type"] == "replace_inspector":
                expect(self.doc["status"] == "drawn", "replacement in a failed draw")
                g = next((g for g, ms in groups.items() if ev["out"] in ms), None)
                expect(g is not None, f"event {n}: {ev['out']} is not in a group")
                assert g is not None
                dept = self.inspectors[ev["out"]][0]
                ts = targets(g)
                skipped, new = [], None
                for c in ins_res.get(dept, []):
                    if c in used_b:
                        continue
                    if any((c, u) in self.coi for u in ts):
                        skipped.append([c, "conflict"])
                    elif self.inspectors[c][1] + len(ts) > max_load:
                        skipped.append([c, "load"])
                    else:
                        new = c
                        break
                expect(
                    new is not None
                    and ev["in"] == new
                    and ev["group"] == g
                    and ev["skipped"] == skipped
                    and ev["department"] == dept,
                    f"event {n}: substitute must be {new} (next in {dept} reserve order), "
                    f"certificate has {ev['in']}",
                )
                assert new is not None
                groups[g][groups[g].index(ev["out"])] = new
                used_b.add(new)
            elif ev["type"] == "void":
                voided = True
            else:
                raise Failed(f"event {n}: unknown type {ev['type']!r}")
        state = "voided" if voided else "in force"
        return f"{len(events)} events, hash chain intact, replacements re-derived; {state}"


def verify_certificate(
    doc: Mapping[str, Any],
    files: Mapping[str, Source | None],
    out: Callable[[str], None] = print,
    id_check: bool = True,
) -> Report:
    """Run every check. Inputs: parsed certificate, file name -> bytes or a path (None if
    missing)."""
    report = Report(out)
    Verifier(doc, files, report, id_check).run()
    return report


def verify_proof(proof: Mapping[str, Any], out: Callable[[str], None] = print) -> Report:
    """Check one entity's proof (no other entity's data needed)."""
    r = Report(out)
    m = proof.get("manifest", {})

    def c_manifest() -> str:
        got = hashlib.sha256(canonical(m)).hexdigest()
        expect(got == proof["manifest_sha256"], "manifest digest differs")
        return got

    def c_merkle() -> str:
        want = m["files"][proof["file"]]
        expect(proof["tree_size"] == want["lines"], "tree size differs from the commitment")
        if m.get("algorithm") == V10:
            expect(proof.get("format") == "suiji-entity-proof/1", "not a v1.0 proof")
            root = root_from_path(
                proof["line"].encode("utf-8"), proof["index"], want["lines"], proof["audit_path"]
            )
        else:
            expect(
                m.get("algorithm") == V11 and proof.get("format") == "suiji-entity-proof/2",
                f"not a v1.1 proof for algorithm {m.get('algorithm')!r}",
            )
            n, chunk, lines = want["lines"], proof["chunk_index"], proof["chunk"]
            chunks = -(-n // CHUNK)
            expect(proof["chunks"] == chunks, "chunk count differs from the commitment")
            expect(0 <= chunk < chunks, "chunk index beyond the tree")
            expect(
                len(lines) == min(CHUNK, n - chunk * CHUNK), "chunk has the wrong number of lines"
            )
            expect(
                chunk == proof["index"] // CHUNK and lines[proof["index"] % CHUNK] == proof["line"],
                "the line is not at its index inside the chunk",
            )
            expect(all("\n" not in ln for ln in lines), "a chunk line contains LF")
            data = "".join(ln + "\n" for ln in lines).encode("utf-8")
            leaf = hashlib.sha256(b"\x00" + data).digest()
            root = root_from_path(leaf, chunk, chunks, proof["audit_path"], leaf=True)
        expect(
            root == want["merkle_root"],
            f"path leads to {root}, committed root is {want['merkle_root']}",
        )
        expect(proof["line"].split(",", 1)[0] == proof["uscc"], "line is another entity's")
        return f"line {proof['index']} of {proof['file']} is under the committed root"

    def c_seed() -> str:
        got = seed_of(m, proof["manifest_sha256"], proof["reveal"])
        expect(got == proof["seed"], "seed does not re-derive")
        return got

    def c_status() -> str:
        if proof["file"] == "excluded.csv":
            expect(proof["status"] == "excluded", "status should be excluded")
            return "excluded before the draw: " + ",".join(proof["line"].split(",")[5:])
        stratum = proof["line"].split(",")[1]
        s = proof["stratum"]
        plan = m["strata"][stratum]
        expect(
            s["stratum"] == stratum
            and s["k"] == plan["k"]
            and s["population"] == plan["population"],
            "k or N differ from the commitment",
        )
        t = H("ISD1:rank|" + proof["seed"] + "|" + stratum + "|" + proof["uscc"])
        expect(t == proof["ticket"], "ticket does not re-derive")
        sel = s["k"] > 0 and (t, proof["uscc"]) <= (s["cutoff_ticket"], s["cutoff_uscc"])
        status = "selected" if sel else "not_selected"
        expect(proof["status"] == status, f"status should be {status}")
        return f"{status}: ticket {t[:16]}… vs cutoff {s['cutoff_ticket'][:16]}… (k={s['k']})"

    r.check("proof:manifest_digest", c_manifest)
    r.check("proof:merkle", c_merkle)
    r.check("proof:seed", c_seed)
    r.check("proof:status", c_status)
    return r


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    id_check = "--skip-id-check" not in args
    args = [a for a in args if a != "--skip-id-check"]
    if len(args) == 2 and args[0] == "--proof":
        with open(args[1], "rb") as fh:
            return verify_proof(json.load(fh)).verdict()
    if not 1 <= len(args) <= 2:
        print(
            "usage: verify.py certificate.json [files_dir] | verify.py --proof proof.json",
            file=sys.stderr,
        )
        return 2
    with open(args[0], "rb") as fh:
        doc = json.load(fh)
    folder = args[1] if len(args) == 2 else os.path.dirname(os.path.abspath(args[0]))
    files: dict[str, Source | None] = {}
    for name in FILES:
        path = os.path.join(folder, name)
        files[name] = Path(path) if os.path.exists(path) else None
    with open(args[0], "rb") as fh:
        print(f"证书 certificate: {args[0]}  (sha256 {hashlib.sha256(fh.read()).hexdigest()})")
    return verify_certificate(doc, files, id_check=id_check).verdict()


if __name__ == "__main__":
    sys.exit(main())
