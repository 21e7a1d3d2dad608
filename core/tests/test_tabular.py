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


def test_xlsx_readers_agree_after_cleaning(tmp_path):
    """python-calamine (the .xlsx reader) and openpyxl (its fallback) give the same cleaned
    values, row numbers and header row, with a title row, blank rows and merged cells."""
    from openpyxl import Workbook

    from core.tabular import _read_xlsx, _read_xlsx_openpyxl

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["宽城县检查对象名录"])
    sheet.append(["统一社会信用代码", "名称", "成立日期", "电话", "金额"])
    sheet.append(
        ["92130827MA0CK5J79K", " 鑫源网吧_x000D_ ", dt.datetime(2016, 3, 18), 13831412345, 2.5]
    )
    sheet.append([])
    sheet.append([469006600187440, "合并", 43466, "0314-6012345", None])
    sheet.merge_cells("B5:C5")
    path = tmp_path / "t.xlsx"
    workbook.save(path)
    expected = {"统一社会信用代码", "名称", "成立日期"}

    def read(reader):
        table = reader(path, expected)
        rows = [
            (row.number, {k: clean_text(v) for k, v in row.values.items()}, row.values["成立日期"])
            for row in table.rows
        ]
        return table.header_row, table.headers, table.total, rows

    fast, slow = read(_read_xlsx), read(_read_xlsx_openpyxl)
    assert fast[:3] == slow[:3] == (2, ["统一社会信用代码", "名称", "成立日期", "电话", "金额"], 3)
    assert [(n, v) for n, v, _d in fast[3]] == [(n, v) for n, v, _d in slow[3]]
    assert [n for n, *_ in fast[3]] == [3, 5]
    assert [parse_date(d) for *_x, d in fast[3]] == [dt.date(2016, 3, 18), None]
    assert fast[3][0][1]["名称"] == "鑫源网吧"
    assert fast[3][1][1]["统一社会信用代码"] == "469006600187440"
