import datetime as dt

import pytest

from core.tabular import clean_code, clean_text, parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (469006600187440.0, "469006600187440"),
        ("4.6900660018744E+14", "469006600187440"),
        (" 91 1301 00MA0 ", "911301 00MA0".replace(" ", "")),
        ("13912345678.0", "13912345678"),
        (None, ""),
        ("91110000600037341l", "91110000600037341L"),
    ],
)
def test_clean_code(value, expected):
    assert clean_code(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  检查_x000D_\n  依据  ", "检查\n依据"),
        ("a\u3000\u3000b", "a b"),
        (3.0, "3"),
        (None, ""),
        ("_x000D_", ""),
    ],
)
def test_clean_text(value, expected):
    assert clean_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (43466, dt.date(2019, 1, 1)),
        (43466.0, dt.date(2019, 1, 1)),
        ("43466", dt.date(2019, 1, 1)),
        ("2019-05-01", dt.date(2019, 5, 1)),
        ("2019/5/1", dt.date(2019, 5, 1)),
        ("2019.05.01", dt.date(2019, 5, 1)),
        ("20190501", dt.date(2019, 5, 1)),
        ("2019年5月1日", dt.date(2019, 5, 1)),
        (dt.datetime(2020, 2, 29, 8, 0), dt.date(2020, 2, 29)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2019-02-30", "“2019-02-30”不是有效日期（2019年没有2月30日）"),
        ("明天", "“明天”不是有效日期（应为 2024-06-01 这样的格式）"),
    ],
)
def test_parse_date_errors_are_chinese(value, message):
    with pytest.raises(ValueError, match=message):
        parse_date(value)
