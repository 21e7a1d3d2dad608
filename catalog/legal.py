"""Parsing what published lists write in their cells (pure functions, no database).

- 检查依据: "《中小学教材管理办法》第三十六条", several per cell, on several lines, with
  abbreviations ("劳动合同法第85条"), document numbers ("（教基一〔2016〕3号）") and remarks
  in parentheses. Each basis becomes (raw text, regulation title, article reference, numbers).
- 检查方式: "现场检查、书面检查等" → ["现场检查", "书面检查"].
- Chinese numerals of article numbers: 第一百一十条 → 110.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.tabular import clean_text

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL = "零〇一二两三四五六七八九十百千0-9０-９"
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

PRC = "中华人民共和国"


def cn_to_int(text: str) -> int:
    """ "三十六" → 36, "一百零九" → 109, "十" → 10, "36" → 36. Raises ValueError otherwise."""
    text = text.strip().translate(_FULLWIDTH)
    if not text:
        raise ValueError("空数字")
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in _DIGITS:
            current = _DIGITS[char]
        elif char in _UNITS:
            total += (current or 1) * _UNITS[char]
            current = 0
        else:
            raise ValueError(f"不是数字：{text}")
    return total + current


def int_to_cn(number: int) -> str:
    """36 → "三十六", 110 → "一百一十", 109 → "一百零九", 10 → "十"."""
    if number <= 0:
        return str(number)
    names = "零一二三四五六七八九"
    if number < 10:
        return names[number]
    if number < 20:
        return "十" + (names[number % 10] if number % 10 else "")
    parts = []
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        digit, number = divmod(number, unit_value)
        if digit:
            parts.append(names[digit] + unit)
        elif parts and number and parts[-1] != "零":
            parts.append("零")
    if number:
        parts.append(names[number])
    return "".join(parts)


def short_title(title: str) -> str:
    """The natural key of a regulation: no 《》, no spaces, no leading 中华人民共和国."""
    text = re.sub(r"[\s《》]", "", title)
    if text.startswith(PRC) and len(text) > len(PRC):
        text = text[len(PRC) :]
    return text


_ARTICLE_GROUP = re.compile(rf"第?([{NUMERAL}]+(?:[、，,和及至][{NUMERAL}]+)*)条")


def article_numbers(ref: str) -> list[int]:
    """Article numbers cited in "第十八条、第二十七条", "第77、84条", "第四十四、五十四、五十六条",
    "第6条第1款" → [6] (款 and 项 are not articles), in order, without repeats."""
    numbers: list[int] = []
    for match in _ARTICLE_GROUP.finditer(ref):
        for part in re.split(r"[、，,和及至]", match.group(1)):
            try:
                number = cn_to_int(part)
            except ValueError:
                continue
            if number > 0 and number not in numbers:
                numbers.append(number)
    return numbers


@dataclass
class ParsedBasis:
    text: str  # the basis as written (cleaned of _x000D_ and extra spaces)
    title: str = ""  # the regulation's title when one is cited
    article_ref: str = ""  # "第三十六条", "第6条第1款"
    article_numbers: list[int] = field(default_factory=list)
    doc_number: str = ""  # "教基一〔2016〕3号" when written right after the title


_UNQUOTED = re.compile(
    rf"^([\u4e00-\u9fff（）()]{{2,40}}?(?:法|条例|规定|办法|细则|规则))(第[{NUMERAL}].*)$"
)
_ENUMERATION = re.compile(
    r"^\s*(?:\d+[.、．]|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、)\s*"
)
_DOC_NUMBER = re.compile(r"^[（(]([^（）()]*?[〔\[［]\d{4}[〕\]］][^（）()]*?号)[）)]")
_TRAILING = "、，,；;。．. 等及"


def _strip_separators(text: str) -> str:
    return text.strip().strip(_TRAILING).strip()


def _segments(line: str) -> list[str]:
    """Split one line at each 《 that starts a new citation (outside parentheses)."""
    segments: list[str] = []
    current = ""
    depth = 0  # parentheses
    quote = 0  # 《》
    for char in line:
        if char in "（(":
            depth += 1
        elif char in "）)":
            depth = max(0, depth - 1)
        if char == "《" and depth == 0 and quote == 0 and current.strip():
            prefix = current
            if "《" in prefix or _UNQUOTED.match(_strip_separators(_ENUMERATION.sub("", prefix))):
                segments.append(prefix)
                current = ""
            # otherwise the prefix ("1.", "交通运输部") stays glued to this citation
        if char == "《":
            quote += 1
        elif char == "》":
            quote = max(0, quote - 1)
        current += char
    if current.strip():
        segments.append(current)
    return [s for s in (_strip_separators(seg) for seg in segments) if s]


def _drop_parens(text: str) -> str:
    """Text without its parenthesised remarks (document numbers, cross-references)."""
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"[（(][^（）()]*[）)]", "", text)
    return text


def _first_quote(text: str) -> int:
    """Index of the first 《 outside parentheses, or -1."""
    depth = 0
    for index, char in enumerate(text):
        if char in "（(":
            depth += 1
        elif char in "）)":
            depth = max(0, depth - 1)
        elif char == "《" and depth == 0:
            return index
    return -1


def parse_basis(segment: str) -> ParsedBasis:
    basis = ParsedBasis(text=segment)
    body = _ENUMERATION.sub("", segment)
    start = _first_quote(body)
    if start >= 0:
        close = body.find("》", start)
        if close < 0:  # unterminated title: up to the article or a parenthesis
            stop = re.search(rf"第[{NUMERAL}]+条|[（(]", body[start + 1 :])
            close = start + 1 + (stop.start() if stop else len(body) - start - 1)
            rest = body[close:]
        else:
            rest = body[close + 1 :]
        # nested titles use <> inside (《实施<…>若干规定》), so the first 》 closes the title
        basis.title = re.sub(r"\s", "", clean_text(body[start + 1 : close]))[:300]
        rest = rest.strip()
        doc = _DOC_NUMBER.match(rest)
        if doc:
            basis.doc_number = doc.group(1)
            rest = rest[doc.end() :].strip()
        basis.article_ref = _strip_separators(rest)[:300]
    else:
        unquoted = _UNQUOTED.match(_strip_separators(_drop_parens(body)))
        if unquoted:
            basis.title = unquoted.group(1)
            rest = body[body.find(basis.title) + len(basis.title) :]
            basis.article_ref = _strip_separators(rest)[:300]
    basis.article_numbers = article_numbers(_drop_parens(basis.article_ref))
    return basis


def split_bases(text: str) -> list[ParsedBasis]:
    """Every basis in a 检查依据 cell, in order."""
    bases: list[ParsedBasis] = []
    for line in clean_text(text).split("\n"):
        for segment in _segments(line):
            bases.append(parse_basis(segment))
    return bases


_METHOD_SPLIT = re.compile(r"[、，,；;/／\s]+|(?<=检查)和|(?<=核查)和")


def parse_methods(text: str) -> list[str]:
    """ "现场检查、书面检查、网络检查等" → ["现场检查", "书面检查", "网络检查"]."""
    methods: list[str] = []
    for part in _METHOD_SPLIT.split(clean_text(text)):
        name = part.strip().strip("。.")
        for suffix in ("等方式", "等", "相结合的方式", "相结合"):
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
        name = name[:50]
        if name and name not in methods:
            methods.append(name)
    return methods


KIND_WORDS = {
    "重点检查事项": "key",
    "重点": "key",
    "重点事项": "key",
    "一般检查事项": "general",
    "一般": "general",
    "一般事项": "general",
}


def parse_kind(text: str) -> str | None:
    return KIND_WORDS.get(clean_text(text).replace(" ", ""))
