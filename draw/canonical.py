"""Byte-exact encodings shared by freeze, draw and certificate (docs/draw-spec.md §2-§3).

Inputs/Outputs are plain strings and bytes; nothing here depends on the platform.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from draw.records import ALGORITHM_V1_0, MERKLE_CHUNK_LINES, SPEC_VERSIONS, DrawError

CANDIDATES = "candidates.csv"
EXCLUDED = "excluded.csv"
INSPECTORS = "inspectors.csv"
INSPECTOR_EXCLUSIONS = "inspector_exclusions.csv"
COI = "coi.csv"
FILE_NAMES = (CANDIDATES, EXCLUDED, INSPECTORS, INSPECTOR_EXCLUSIONS, COI)
MERKLE_FILES = (CANDIDATES, EXCLUDED)
CAP_REASON = "yearly_cap"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_BYTES = USCC_ALPHABET.encode()
# Maps each USCC character to the base-34 digit of its alphabet index (0-9, a-u) and the
# five letters outside the alphabet (I O S V Z) to "!", which int() rejects. Because
# 34 = 3 (mod 31), int(reversed body, 34) = sum(index(c_i) * 3^i) (mod 31): the GB 32100
# weighted sum in one C call instead of 17 Python steps.
_USCC_TO_BASE34 = bytes.maketrans(
    _USCC_BYTES + b"IOSVZ", b"0123456789abcdefghijklmnopqrstu" + b"!!!!!"
)
ID_BYTES = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def check_algorithm(algorithm: str) -> str:
    """Outputs: the spec version of a supported algorithm id; raises DrawError otherwise."""
    if algorithm not in SPEC_VERSIONS:
        raise DrawError("bad_parameter", f"unknown algorithm {algorithm!r}")
    return SPEC_VERSIONS[algorithm]


def uscc_valid(uscc: bytes) -> bool:
    """Outputs: whether an 18-byte id (grammar already checked) has a valid GB 32100 check
    character. Same result as uscc_check_char(uscc[:17]) == uscc[17], ~3x faster."""
    try:
        return _USCC_BYTES[-int(uscc[16::-1].translate(_USCC_TO_BASE34), 34) % 31] == uscc[17]
    except ValueError:
        return False


def first_bad_id(ids: list[bytes], id_check: str) -> bytes | None:
    """Outputs: the first id failing `id_check` ("gb32100" or "syntax"), or None.

    Inputs: ids as bytes. Grammar ``[0-9A-Z]{1,32}`` is checked for the whole list at
    C speed; GB 32100 / MOD 11,10 check characters per id.
    """
    if not ids:
        return None
    if b"".join(ids).translate(None, ID_BYTES) or min(map(len, ids)) < 1 or max(map(len, ids)) > 32:
        return next(u for u in ids if not RE_ENTITY.fullmatch(u.decode("utf-8", "replace")))
    if id_check == "syntax":
        return None
    usccs = [u for u in ids if len(u) == 18]
    if len(usccs) == len(ids) and all_usccs_valid(usccs):
        return None
    for u in ids:
        n = len(u)
        if n == 18:
            if not uscc_valid(u):
                return u
        elif n != 15 or not regno_valid(u.decode()):
            return u
    return None


_USCC_VALUE = bytes.maketrans(_USCC_BYTES, bytes(range(31)))
_NOT_IN_ALPHABET = bytes(sorted(set(range(256)) - set(_USCC_BYTES)))


def all_usccs_valid(usccs: list[bytes]) -> bool:
    """Outputs: whether every 18-byte id has a valid GB 32100 check character.

    All ids at once with big-integer arithmetic (C speed): column i of the ids, as
    alphabet indices, is packed into one integer with a 16-bit field per id; the fields of
    T = sum(3^i mod 31 * column_i, i < 17) + column_17 stay below 2^14, and an id is
    valid iff its field is 0 mod 31. Since 32 = 1 (mod 31), summing a field's 5-bit
    groups (twice) reduces it to a value <= 33 that is 0 or 31 exactly when T = 0 (mod 31).
    """
    n = len(usccs)
    if not n:
        return True
    joined = b"".join(usccs)
    if len(joined) != 18 * n or joined.translate(None, _NOT_IN_ALPHABET) != joined:
        return False
    values = joined.translate(_USCC_VALUE)
    field = bytearray(2 * n)

    def column(i: int) -> int:
        field[0::2] = values[i::18]
        return int.from_bytes(field, "little")

    total = column(17)
    for i, w in enumerate(_USCC_WEIGHTS):
        total += w * column(i)
    mask = int.from_bytes(b"\x1f\x00" * n, "little")
    total = (total & mask) + ((total >> 5) & mask) + ((total >> 10) & mask)
    total = (total & mask) + ((total >> 5) & mask)
    low = total.to_bytes(2 * n, "little")[0::2]
    return not low.translate(None, b"\x00\x1f")


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


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_json(obj: Any) -> None:
    # Iterative, with a fast path for printable strings: certificates of province-wide
    # draws hold millions of values.
    stack = [obj]
    while stack:
        o = stack.pop()
        t = type(o)
        if t is str:
            if not o.isprintable() and _CONTROL.search(o):
                raise DrawError("bad_json", f"control character in {o!r}")
        elif t is list or t is tuple:
            stack.extend(o)
        elif t is dict:
            for key in o:
                if not isinstance(key, str) or not key.isascii():
                    raise DrawError("bad_json", f"non-ASCII or non-string key {key!r}")
            stack.extend(o.values())
        elif o is None or isinstance(o, bool | int):
            continue
        elif isinstance(o, str):
            stack.append(str(o))
        elif isinstance(o, list | tuple):
            stack.extend(o)
        elif isinstance(o, dict):
            stack.append(dict(o))
        else:
            raise DrawError("bad_json", f"type {type(o).__name__} not allowed in canonical JSON")


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
        if not uscc_valid(uscc.encode()):
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
        self.add_subtree(1, h)

    def add_subtree(self, size: int, h: bytes) -> None:
        """Inputs: the root of a perfect subtree of `size` (a power of two) leaves. Valid
        only when the leaves added so far are a multiple of `size` (aligned), which
        holds when every earlier part was a full window of the same or larger size."""
        stack, n = self._stack, size
        while stack and stack[-1][0] == size:
            _, left = stack.pop()
            h = node_hash(left, h)
            size *= 2
        stack.append((size, h))
        self.size += n

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


def perfect_root(leaves: list[bytes]) -> bytes:
    """Outputs: root of a perfect tree (len(leaves) is a power of two >= 1)."""
    level = leaves
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def file_leaves(data: bytes, algorithm: str) -> list[bytes]:
    """Outputs: the Merkle leaf hashes of a canonical entity file.

    v1.0 (SUIJI-ISD1): one leaf per line, SHA-256(0x00 || line without LF).
    v1.1: one leaf per chunk of MERKLE_CHUNK_LINES lines, SHA-256(0x00 || the chunk's
    exact bytes, every line with its LF); the last chunk may be shorter.
    """
    check_algorithm(algorithm)
    if not data:
        return []
    if not data.endswith(b"\n"):
        raise DrawError("bad_file", "canonical file does not end with LF")
    lines = data[:-1].split(b"\n")
    return window_leaves(lines, algorithm)


def window_leaves(lines: list[bytes], algorithm: str) -> list[bytes]:
    """Outputs: leaf hashes of consecutive lines (no LF) starting at a chunk boundary."""
    if algorithm == ALGORITHM_V1_0:
        return [hashlib.sha256(b"\x00" + ln).digest() for ln in lines]
    step = MERKLE_CHUNK_LINES
    return [
        hashlib.sha256(b"\x00" + b"\n".join(lines[i : i + step]) + b"\n").digest()
        for i in range(0, len(lines), step)
    ]


def leaves_root(leaves: Iterable[bytes]) -> str:
    """Outputs: hex RFC 6962 root over precomputed leaf hashes."""
    acc = MerkleAccumulator()
    for h in leaves:
        acc.add_leaf(h)
    return acc.root()


def file_merkle_root(data: bytes, algorithm: str) -> str:
    """Outputs: hex Merkle root of a canonical entity file under the given algorithm."""
    return leaves_root(file_leaves(data, algorithm))


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
