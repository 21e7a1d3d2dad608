"""统一社会信用代码 (GB 32100-2015) and the legacy 15-digit 工商注册号 (GS15—2006).

Validation follows python-stdnum (`stdnum.cn.uscc`, `stdnum.iso7064.mod_11_10`): the fast path
below is a direct transcription used on every imported row (stdnum's validate costs ~16 µs a
call, which is a second per 60,000 rows); whenever it says "invalid", stdnum is asked again and
its verdict decides and explains. Tests check that both agree on random input.
"""

from __future__ import annotations

import re
from operator import mul

from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_10

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_INDEX = {c: i for i, c in enumerate(USCC_ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_SHAPE = re.compile(r"\d{8}[0-9A-HJ-NPQRTUWXY]{10}")
_REG_NO_SHAPE = re.compile(r"\d{15}")
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    """The 18th character for 17 characters of USCC_ALPHABET (KeyError for others)."""
    if len(first17) != 17:
        raise ValueError("a USCC check character needs exactly 17 characters")
    total = sum(map(mul, map(_INDEX.__getitem__, first17), _WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_error(value: str) -> str | None:
    """None when `value` is a valid USCC, else a Chinese explanation (names the check digit)."""
    if _USCC_SHAPE.fullmatch(value) and uscc_check_char(value[:17]) == value[17]:
        return None
    try:
        stdnum_uscc.validate(value)
    except stdnum_errors.InvalidLength:
        return f"“{value}”应为 18 位，实际 {len(value)} 位"
    except stdnum_errors.InvalidChecksum:
        expected = stdnum_uscc.calc_check_digit(value[:17])
        return f"“{value}”校验位错误：第 18 位应为“{expected}”，实际为“{value[17]}”"
    except stdnum_errors.ValidationError:
        return (
            f"“{value}”格式不正确：前 8 位应为数字，其余只能是数字或大写字母"
            "（不使用 I、O、Z、S、V）"
        )
    return None  # pragma: no cover - stdnum accepted what the fast path refused


def reg_no_error(value: str) -> str | None:
    """None when `value` is a valid 15-digit 注册号 (ISO 7064 MOD 11,10), else why not."""
    if not _REG_NO_SHAPE.fullmatch(value):
        return f"“{value}”应为 15 位数字，实际 {len(value)} 位"
    if mod_11_10.is_valid(value):
        return None
    expected = mod_11_10.calc_check_digit(value[:14])
    return f"“{value}”校验位错误：第 15 位应为“{expected}”，实际为“{value[14]}”"


def uscc_complete(first17: str) -> str:
    """Append the check character (used by demo data and tests)."""
    return first17 + uscc_check_char(first17)


def org_code_complete(first8: str) -> str:
    """A 9-character 组织机构代码 (GB 11714) from its first 8 characters."""
    total = sum(ORG_ALPHABET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return first8 + {10: "X", 11: "0"}.get(check, str(check))


def reg_no_complete(first14: str) -> str:
    return first14 + mod_11_10.calc_check_digit(first14)


_PHONE = re.compile(r"\+?[0-9][0-9\-/、,，]{5,31}")


def phone_error(value: str) -> str | None:
    """Phones as other systems export them: digits with -, / or 、 between several numbers."""
    if _PHONE.fullmatch(value):
        return None
    return f"“{value}”不是有效的电话号码（只能包含数字和 - / 、）"


_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def id_number_error(value: str) -> str | None:
    """居民身份证号码: 18 characters with the GB 11643 check character, or a legacy 15-digit."""
    if re.fullmatch(r"\d{15}", value):
        return None
    if not re.fullmatch(r"\d{17}[0-9X]", value):
        return f"“{value}”不是有效的身份证号码（应为 18 位，最后一位可为 X）"
    total = sum(int(c) * w for c, w in zip(value[:17], _RIC_WEIGHTS, strict=True))
    expected = "10X98765432"[total % 11]
    if value[17] != expected:
        return f"身份证号码校验位错误：第 18 位应为“{expected}”"
    return None
