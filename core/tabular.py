"""Reading spreadsheets users bring from other systems, and cleaning their cells.

Files come as .xlsx, legacy .xls or .csv, with Chinese headers, merged cells, numbers turned into
floats (`469006600187440.0`), dates as Excel serial numbers, stray `_x000D_` (an escaped carriage
return openpyxl leaves in text) and whitespace. Everything here is pure: no database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_X000D = re.compile(r"_x000[dD]_")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (with Excel's 1900 leap-year bug)


class TableError(ValueError):
    """The file cannot be read as a table at all (wrong type, corrupt, no header)."""


def clean_text(value: Any) -> str:
    """Text of a cell: `_x000D_` and carriage returns removed, whitespace collapsed per line,
    floats that are really integers written without `.0`."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _X000D.sub("", str(value)).replace("\r", "")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def clean_code(value: Any) -> str:
    """An identifier cell (USCC, 注册号, 执法证号, phone): no spaces at all, upper case,
    `469006600187440.0` → `469006600187440`, scientific notation expanded."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return clean_text(value)
    text = clean_text(value)
    if re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+", text):  # "4.69006600187440E+14" typed as text
        try:
            number = float(text)
        except ValueError:
            return text
        if number.is_integer():
            return str(int(number))
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return re.sub(r"\s+", "", text).upper()


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell: a real date, an Excel serial number, or text like 2019-05-01,
    2019/5/1, 2019.5.1, 20190501 or 2019年5月1日. Returns None for an empty cell; raises
    ValueError with a Chinese message otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 100000:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        text = clean_code(value)
    else:
        text = clean_text(value)
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    match = re.fullmatch(
        r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s.*)?", text
    ) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        raise ValueError(f"“{text}”不是有效日期（应为 2024-06-01 这样的格式）")
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"“{text}”不是有效日期（{year}年没有{month}月{day}日）") from None


@dataclass(frozen=True)
class Row:
    number: int  # the row number the user sees in their spreadsheet program (1-based)
    values: dict[str, Any]  # header → raw cell value


@dataclass
class Table:
    headers: list[str]
    header_row: int
    rows: Iterator[Row]
    total: int | None  # number of data rows when known up front
    # the same data rows as (row number, cells in header order); `rows` and `cells` share one
    # stream, so read one or the other
    cells: Iterator[tuple[int, list[Any]]] = field(default_factory=lambda: iter(()))


def _normalise_header(value: Any) -> str:
    return re.sub(r"[\s*＊:：]", "", clean_text(value))


def _find_header(
    raw_rows: list[tuple[int, list[Any]]], expected: set[str]
) -> tuple[int, list[str]]:
    """The first row (within the first 10) that contains at least two expected headers."""
    for number, cells in raw_rows[:10]:
        headers = [_normalise_header(c) for c in cells]
        if len(expected.intersection(headers)) >= min(2, len(expected)):
            return number, headers
    raise TableError("找不到表头行：请使用下载的导入模板，表头须在前 10 行内")


def read_table(path: Path, *, expected_headers: set[str], filename: str | None = None) -> Table:
    """Open .xlsx/.xls/.csv at `path`, find the header row, and stream the data rows."""
    name = (filename or path.name).lower()
    expected = {_normalise_header(h) for h in expected_headers}
    if name.endswith(".xlsx"):
        return _read_xlsx(path, expected)
    if name.endswith(".xls"):
        return _read_xls(path, expected)
    if name.endswith(".csv"):
        return _read_csv(path, expected)
    raise TableError("不支持的文件类型：请上传 .xlsx、.xls 或 .csv 文件")


def _rows_to_table(
    numbered: Iterator[tuple[int, list[Any]]], expected: set[str], total_rows: int | None
) -> Table:
    head: list[tuple[int, list[Any]]] = []
    for item in numbered:
        head.append(item)
        if len(head) >= 10:
            break
    header_row, headers = _find_header(head, expected)

    def data() -> Iterator[tuple[int, list[Any]]]:
        for number, cells in head:
            if number > header_row and not _blank(cells):
                yield number, cells
        for number, cells in numbered:
            if number > header_row and not _blank(cells):
                yield number, cells

    cells = data()
    named = [(i, h) for i, h in enumerate(headers) if h]

    def rows() -> Iterator[Row]:
        for number, row in cells:
            width = len(row)
            yield Row(number, {h: row[i] if i < width else None for i, h in named})

    total = total_rows - header_row if total_rows is not None else None
    return Table(headers=headers, header_row=header_row, rows=rows(), total=total, cells=cells)


def _blank(cells: list[Any]) -> bool:
    return not any(c is not None and (c.__class__ is not str or c.strip()) for c in cells)


def _read_xlsx(path: Path, expected: set[str]) -> Table:
    """.xlsx through python-calamine (a Rust reader, ~10× openpyxl read-only mode; see
    docs/decisions/0004-fast-xlsx-reader.md), else openpyxl. Both give the same values after
    clean_text / clean_code / parse_date: calamine writes empty cells as "" (made None here)
    and whole numbers as floats, openpyxl as ints."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - the fallback when the wheel is unavailable
        return _read_xlsx_openpyxl(path, expected)
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        end = sheet.end  # (last row, last column), 0-based; None for an empty sheet
    except Exception as exc:  # CalamineError, zip and XML errors, …
        raise TableError("文件无法作为 .xlsx 读取（文件损坏或不是 Excel 文件）") from exc

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        try:
            for i, r in enumerate(sheet.iter_rows(), start=1):
                yield i, [None if c == "" else c for c in r]
        except Exception as exc:  # a sheet that breaks off half-way
            raise TableError("文件无法作为 .xlsx 读取（文件损坏或不是 Excel 文件）") from exc

    return _rows_to_table(numbered(), expected, end[0] + 1 if end else 0)


def _read_xlsx_openpyxl(path: Path, expected: set[str]) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ValueError,
        EOFError,
    ) as exc:
        raise TableError("文件无法作为 .xlsx 读取（文件损坏或不是 Excel 文件）") from exc
    sheet = workbook.worksheets[0]
    numbered = ((i, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True), start=1))
    return _rows_to_table(numbered, expected, sheet.max_row)


def _read_xls(path: Path, expected: set[str]) -> Table:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path))
    except Exception as exc:  # xlrd raises a variety of errors for corrupt files
        raise TableError("文件无法作为 .xls 读取（文件损坏或不是 Excel 97-2003 文件）") from exc
    sheet = book.sheet_by_index(0)

    def cell(row: int, col: int) -> Any:
        c = sheet.cell(row, col)
        if c.ctype == xlrd.XL_CELL_EMPTY or c.ctype == xlrd.XL_CELL_BLANK:
            return None
        if c.ctype == xlrd.XL_CELL_DATE:
            return xlrd.xldate.xldate_as_datetime(c.value, book.datemode)
        return c.value

    numbered = ((r + 1, [cell(r, c) for c in range(sheet.ncols)]) for r in range(sheet.nrows))
    return _rows_to_table(numbered, expected, sheet.nrows)


def _read_csv(path: Path, expected: set[str]) -> Table:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError("CSV 文件编码无法识别：请保存为 UTF-8 或 GB18030 编码")
    total = text.count("\n") + (0 if text.endswith("\n") else 1)
    reader = csv.reader(io.StringIO(text))
    numbered = ((i, list(r)) for i, r in enumerate(reader, start=1))
    return _rows_to_table(numbered, expected, total)
