"""Byte-exact encodings shared by freeze, draw and certificate (docs/draw-spec.md §2-§3).

Inputs/Outputs are plain strings and bytes; nothing here depends on the platform.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from draw.records import DrawError

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

RE_ENTITY = re.compile(r"[0-9A-Z]{1,32}")
RE_BADGE = re.compile(r"[0-9A-Za-z_-]{1,64}")
RE_CODE = re.compile(r"[0-9A-Za-z_-]{1,64}")
RE_GRADE = re.compile(r"[0-9A-Za-z_]{1,16}")
RE_FLAG = re.compile(r"[a-z0-9_]{1,32}")
RE_REASON = re.compile(r"[a-z0-9_]{1,64}")
RE_ID = re.compile(r"[0-9A-Za-z_:-]{1,128}")
RE_HEX64 = re.compile(r"[0-9a-f]{64}")
RE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
RE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FORBIDDEN_TEXT = re.compile(r"[\x00-\x1f\x7f,|;=\\\"]")


def sha256_hex(data: bytes | str) -> str:
    """Outputs: lowercase hex SHA-256 of data (str is encoded as UTF-8)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def canonical_json(obj: Any) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 (non-ASCII kept raw).

    Only dict/list/str/int/bool/None are allowed; floats are refused because their
    text form is not portable.
    """
    _check_json(obj)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _check_json(obj: Any) -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str) or not key.isascii():
                raise DrawError("bad_json", f"non-ASCII or non-string key {key!r}")
            _check_json(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            _check_json(value)
    elif isinstance(obj, str):
        if re.search(r"[\x00-\x1f\x7f]", obj):
            raise DrawError("bad_json", f"control character in {obj!r}")
    elif obj is None or isinstance(obj, bool | int):
        return
    else:
        raise DrawError("bad_json", f"type {type(obj).__name__} not allowed in canonical JSON")


def uscc_check_char(body: str) -> str:
    """Outputs: GB 32100-2015 check character for the first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def regno_valid(number: str) -> bool:
    """Outputs: whether a 15-digit 注册号 passes ISO 7064 MOD 11,10 (GS15-2006)."""
    if len(number) != 15 or not number.isdigit():
        return False
    check = 5
    for ch in number:
        check = (((check or 10) * 2) % 11 + int(ch)) % 10
    return check == 1


def validate_entity_id(uscc: str, id_check: str) -> None:
    """Raise DrawError("bad_entity_id") unless uscc is a well-formed entity id.

    Inputs: uscc; id_check "gb32100" (18-char USCC with valid check character, or 15-digit
    注册号 with valid check digit) or "syntax" (``[0-9A-Z]{1,32}`` only).
    """
    if not RE_ENTITY.fullmatch(uscc):
        raise DrawError("bad_entity_id", f"entity id {uscc!r} is not upper-case alphanumeric")
    if id_check == "syntax":
        return
    if id_check != "gb32100":
        raise DrawError("bad_parameter", f"unknown id_check {id_check!r}")
    if len(uscc) == 18:
        if any(c not in USCC_ALPHABET for c in uscc) or uscc_check_char(uscc[:17]) != uscc[17]:
            raise DrawError("bad_entity_id", f"USCC {uscc} fails the GB 32100 check")
    elif len(uscc) == 15:
        if not regno_valid(uscc):
            raise DrawError("bad_entity_id", f"registration number {uscc} fails MOD 11,10")
    else:
        raise DrawError("bad_entity_id", f"entity id {uscc} is neither 18 nor 15 characters")


def check_field(value: str, pattern: re.Pattern[str], what: str) -> str:
    """Outputs: value, if it fully matches pattern; raises DrawError otherwise."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise DrawError("bad_field", f"{what} {value!r} does not match {pattern.pattern}")
    return value


def check_text(value: str, what: str) -> str:
    """Free text (may be Chinese) allowed inside files: no control chars, , | ; = \\ "."""
    if _FORBIDDEN_TEXT.search(value):
        raise DrawError("bad_field", f"{what} {value!r} contains a forbidden character")
    return value


def flags_field(flags: Iterable[str]) -> str:
    """Outputs: sorted unique flags joined by "+", or "-" when there are none."""
    items = sorted(set(flags))
    for flag in items:
        check_field(flag, RE_FLAG, "flag")
    return "+".join(items) if items else "-"


def stratum_key(grade: str, flags: str, stratify_flags: Iterable[str]) -> str:
    """Outputs: grade, then ":" + flag for each stratifying flag the entity carries."""
    present = set() if flags == "-" else set(flags.split("+"))
    return grade + "".join(":" + f for f in stratify_flags if f in present)


def file_bytes(lines: Iterable[str]) -> bytes:
    """Outputs: lines sorted by their UTF-8 bytes, each terminated by LF, duplicates refused."""
    encoded = sorted(line.encode("utf-8") for line in lines)
    for a, b in zip(encoded, encoded[1:], strict=False):
        if a == b:
            raise DrawError("duplicate_line", f"duplicate line {a.decode('utf-8')!r}")
    return b"".join(e + b"\n" for e in encoded)


def iter_lines(data: bytes) -> Iterator[str]:
    """Outputs: the lines of a canonical file, without their LF terminators."""
    if not data:
        return
    if not data.endswith(b"\n"):
        raise DrawError("bad_file", "canonical file does not end with LF")
    for raw in data[:-1].split(b"\n"):
        yield raw.decode("utf-8")


# --- RFC 6962 Merkle tree over lines (leaf = H(0x00 || line), node = H(0x01 || l || r)) ---


def leaf_hash(line: bytes) -> bytes:
    """Outputs: RFC 6962 leaf hash of one line (without its LF)."""
    return hashlib.sha256(b"\x00" + line).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Outputs: RFC 6962 interior node hash."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleAccumulator:
    """Streaming RFC 6962 root: O(log n) memory, one leaf at a time."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []
        self.size = 0

    def add(self, line: bytes) -> None:
        """Inputs: one line (no LF). Appends its leaf."""
        self.add_leaf(leaf_hash(line))

    def add_leaf(self, h: bytes) -> None:
        """Inputs: a precomputed leaf hash."""
        size, stack = 1, self._stack
        while stack and stack[-1][0] == size:
            _, left = stack.pop()
            h = node_hash(left, h)
            size *= 2
        stack.append((size, h))
        self.size += 1

    def root(self) -> str:
        """Outputs: hex root (SHA-256 of the empty string for an empty tree)."""
        if not self._stack:
            return hashlib.sha256(b"").hexdigest()
        h = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h.hex()


def merkle_root(lines: Iterable[bytes]) -> str:
    """Outputs: hex RFC 6962 root over lines (each without LF)."""
    acc = MerkleAccumulator()
    for line in lines:
        acc.add(line)
    return acc.root()


def merkle_path(leaves: list[bytes], index: int) -> list[str]:
    """Outputs: RFC 6962 audit path (hex, leaf-to-root order) for leaves[index].

    Inputs: leaves = all leaf hashes in order; index = 0-based position.
    """

    def mth(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return leaves[lo]
        split = _split(hi - lo)
        return node_hash(mth(lo, lo + split), mth(lo + split, hi))

    path: list[str] = []

    def walk(lo: int, hi: int) -> None:
        if hi - lo == 1:
            return
        split = _split(hi - lo)
        if index < lo + split:
            walk(lo, lo + split)
            path.append(mth(lo + split, hi).hex())
        else:
            walk(lo + split, hi)
            path.append(mth(lo, lo + split).hex())

    walk(0, len(leaves))
    return path


def _split(n: int) -> int:
    """Largest power of two strictly less than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k
