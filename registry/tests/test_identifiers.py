"""USCC and 注册号 checks: good and bad check digits, and agreement with python-stdnum."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_11_10

from registry.identifiers import (
    USCC_ALPHABET,
    id_number_error,
    org_code_complete,
    phone_error,
    reg_no_complete,
    reg_no_error,
    uscc_complete,
    uscc_error,
)


@pytest.mark.parametrize(
    "value", ["91110000600037341L", "92130827MA0CK5J79K", "91130827MA0D2R8N27"]
)
def test_valid_usccs(value):
    assert uscc_error(value) is None
    assert stdnum_uscc.is_valid(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "91110000600037341X",
            "“91110000600037341X”校验位错误：第 18 位应为“L”，实际为“X”",
        ),
        ("9111000060003734", "“9111000060003734”应为 18 位，实际 16 位"),
        (
            "91110000600037341I",
            "“91110000600037341I”格式不正确：前 8 位应为数字，其余只能是数字或大写字母"
            "（不使用 I、O、Z、S、V）",
        ),
        (
            "9A110000600037341L",
            "“9A110000600037341L”格式不正确：前 8 位应为数字，其余只能是数字或大写字母"
            "（不使用 I、O、Z、S、V）",
        ),
    ],
)
def test_invalid_usccs_say_why(value, message):
    assert uscc_error(value) == message


def test_reg_no():
    assert reg_no_error("140000100028286") is None  # sample from domain.md §4
    assert reg_no_error("140000100028287") == (
        "“140000100028287”校验位错误：第 15 位应为“6”，实际为“7”"
    )
    assert reg_no_error("14000010002828") == "“14000010002828”应为 15 位数字，实际 14 位"
    assert reg_no_complete("13082760001234") == "130827600012347"
    assert mod_11_10.is_valid(reg_no_complete("13082760001234"))


def test_org_code_check_character():
    # the organisation code embedded in 91110000600037341L is 600037341
    assert org_code_complete("60003734") == "600037341"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=USCC_ALPHABET + "IOZSV", min_size=17, max_size=19))
def test_fast_path_agrees_with_stdnum(value):
    assert (uscc_error(value) is None) == stdnum_uscc.is_valid(value)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=6, max_size=6), st.sampled_from(["91", "92", "93"]))
def test_completed_codes_validate(county, prefix):
    value = uscc_complete(prefix + county + org_code_complete("MA0CK5J7"))
    assert uscc_error(value) is None and stdnum_uscc.is_valid(value)


def test_phone_and_id_number():
    assert phone_error("0314-6012345") is None
    assert phone_error("13831412345/13900001111") is None
    assert phone_error("电话13831412345") == (
        "“电话13831412345”不是有效的电话号码（只能包含数字和 - / 、）"
    )
    assert id_number_error("11010519491231002X") is None
    assert id_number_error("110105194912310021") == "身份证号码校验位错误：第 18 位应为“X”"
