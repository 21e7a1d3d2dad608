"""Cleaning and checking the identifiers this app stores (pure functions, no database).

Each returns the normalised value or raises ValueError with a Chinese message; services turn it
into a field ValidationError, the importers into a row error.
"""

from __future__ import annotations

import re
from typing import Any

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.iso7064 import mod_11_10

from core.tabular import clean_code

_WHITESPACE = re.compile(r"[\s\u3000]+")
_CERTIFICATE = re.compile(r"^[0-9A-Z\u4e00-\u9fff()（）〔〕\[\]第号字\-]{4,64}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalise_certificate_no(value: Any) -> str:
    """执法证号: spaces removed, upper case, `13082720190012.0` → `13082720190012`.

    Two formats occur: the national 14-digit style (region code + year + sequence, e.g.
    13082720190012) and provincial numbers such as 冀执法字第0827001号; both are accepted."""
    if isinstance(value, str):  # "1308 2720190012.0": spaces first, then the float tail
        value = _WHITESPACE.sub("", value)
    text = clean_code(value)
    if not text:
        raise ValueError("执法证号不能为空")
    if not _CERTIFICATE.fullmatch(text):
        raise ValueError(f"“{text}”不是有效的执法证号（4–64 位数字、字母或“冀执法字第…号”格式）")
    return text


def normalise_phone(value: Any) -> str:
    """A mobile (11 digits) or landline (0314-6012345) number; empty stays empty."""
    text = clean_code(value).replace("—", "-").replace("－", "-")
    if text.startswith("+86"):
        text = text[3:]
    if not text:
        return ""
    if _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text):
        return text
    raise ValueError(f"“{text}”不是有效的电话号码（11 位手机号或 0314-6012345 格式的固定电话）")


def normalise_id_number(value: Any) -> str:
    """居民身份证号码 (18 characters, checked with python-stdnum); empty stays empty."""
    text = clean_code(value)
    if not text:
        return ""
    try:
        return str(ric.validate(text))
    except StdnumError:
        raise ValueError(
            f"“{text}”不是有效的居民身份证号码（18 位，校验码、出生日期或地区码不正确）"
        ) from None


def normalise_entity_key(value: Any) -> str:
    """The inspected entity's natural key: an 18-character 统一社会信用代码 or a 15-digit 注册号."""
    text = clean_code(value)
    if len(text) == 18 and uscc.is_valid(text):
        return text
    if len(text) == 15 and text.isdigit() and mod_11_10.is_valid(text):
        return text
    raise ValueError(
        f"“{text}”不是有效的统一社会信用代码（18 位）或工商注册号（15 位），请核对校验位"
    )
