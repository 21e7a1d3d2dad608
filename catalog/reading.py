"""Reading published item lists as they are laid out, not only as our template is.

Provincial lists (Hainan 2020 is the reference) have a title row, a two-row header (抽查项目 over
抽查类别 | 抽查事项), merged cells spanning rows (department and category carried down, an item's
cells merged over its continuation rows, one 检查依据 merged over several items) and extra legal
bases on continuation rows. openpyxl's read_only mode does not expose merged ranges, so .xlsx files
are read with the merged ranges taken from the sheet's XML, and merges are resolved here: every cell of a merged
range reads the range's value, and `origin` tells whether the cell is where the value was written.

Files without merges (.csv, .xls, our own template) read the same way: every non-empty cell is an
origin. The grouping of physical rows into items is done by the importer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.tabular import TableError, clean_text, read_table

MAX_XLSX_BYTES_IN_FULL = 20 * 1024 * 1024  # bigger files are streamed without merge resolution


@dataclass
class Cell:
    value: Any
    origin: bool  # the value was written in this cell (not carried from a merged range above)


@dataclass
class SheetRow:
    number: int
    cells: dict[str, Cell]  # column key → cell

    def text(self, key: str) -> str:
        cell = self.cells.get(key)
        return clean_text(cell.value) if cell else ""

    def raw(self, key: str) -> Any:
        cell = self.cells.get(key)
        return cell.value if cell else None

    def written(self, key: str) -> bool:
        """The cell holds its own non-empty value."""
        cell = self.cells.get(key)
        return bool(cell and cell.origin and clean_text(cell.value))


@dataclass
class Sheet:
    title: str  # the title row above the header ("海南省市场监管领域随机抽查事项清单（2020年版）")
    headers: list[str]  # normalised header texts, by column
    header_rows: int  # 1, or 2 for a two-row header
    layout: str  # "template" or "published" (merged two-row header)
    rows: Iterator[SheetRow]
    total: int | None


def normalise_header(value: Any) -> str:
    return re.sub(r"[\s*＊:：]", "", clean_text(value))


def _header_index(
    rows: list[list[Any]], names: dict[str, str]
) -> tuple[int, list[str], int] | None:
    """(0-based index of the header row, headers, number of header rows) or None."""
    for index, cells in enumerate(rows[:10]):
        headers = [normalise_header(c) for c in cells]
        if len({h for h in headers if h in names}) >= 2:
            below = rows[index + 1] if index + 1 < len(rows) else []
            sub = [normalise_header(c) for c in below]
            # a second header row: it names columns and has no data of its own
            if sum(1 for h in sub if h in names) >= 1 and all((not h) or h in names for h in sub):
                merged = [
                    (sub[i] if i < len(sub) and sub[i] else headers[i])
                    for i in range(max(len(headers), len(sub)))
                ]
                return index, merged, 2
            return index, headers, 1
    return None


def read_sheet(path: Path, *, filename: str, names: dict[str, str]) -> Sheet:
    """Open the file and return its rows keyed by column key. `names` maps every accepted
    (normalised) header text to the column key."""
    lowered = filename.lower()
    if lowered.endswith(".xlsx") and path.stat().st_size <= MAX_XLSX_BYTES_IN_FULL:
        return _read_xlsx_full(path, names)
    table = read_table(path, filename=filename, expected_headers=set(names))
    mapping = {h: names[h] for h in table.headers if h in names}

    def rows() -> Iterator[SheetRow]:
        for row in table.rows:
            cells = {
                key: Cell(row.values.get(header), row.values.get(header) not in (None, ""))
                for header, key in mapping.items()
            }
            yield SheetRow(row.number, cells)

    return Sheet("", table.headers, 1, "template", rows(), table.total)


def _merged_ranges(path: Path, worksheet_path: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of every merged range of a worksheet, read from its
    XML (openpyxl's read_only mode skips them, and its normal mode is slow on styled merges)."""
    import zipfile
    from xml.etree.ElementTree import iterparse

    from openpyxl.utils.cell import range_boundaries

    ranges = []
    with zipfile.ZipFile(path) as archive, archive.open(worksheet_path) as handle:
        for _event, element in iterparse(handle):
            if element.tag.endswith("}mergeCell") and element.get("ref"):
                min_col, min_row, max_col, max_row = range_boundaries(element.get("ref", ""))
                ranges.append((min_row or 1, min_col or 1, max_row or 1, max_col or 1))
            elif element.tag.endswith("}row"):
                element.clear()  # rows are read by openpyxl; keep memory flat
    return ranges


def _read_xlsx_full(path: Path, names: dict[str, str]) -> Sheet:
    import warnings

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unparsable print headers/footers of real files
            workbook = load_workbook(path, read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            grid = [list(r) for r in sheet.iter_rows(values_only=True)]
        merged_ranges = _merged_ranges(path, sheet._worksheet_path)
        workbook.close()
    except (InvalidFileException, KeyError, OSError, ValueError, SyntaxError) as exc:
        raise TableError("文件无法作为 .xlsx 读取（文件损坏或不是 Excel 文件）") from exc
    # every cell of a merged range → the range's top-left cell
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for min_row, min_col, max_row, max_col in merged_ranges:
        for row in range(min_row, max_row + 1):
            for col in range(min_col, max_col + 1):
                owner[(row, col)] = (min_row, min_col)
    max_row = len(grid)
    max_col = max((len(r) for r in grid), default=0)

    def value(row: int, col: int) -> tuple[Any, bool]:
        top = owner.get((row, col), (row, col))
        cells = grid[top[0] - 1] if top[0] - 1 < len(grid) else []
        v = cells[top[1] - 1] if top[1] - 1 < len(cells) else None
        return v, top == (row, col)

    resolved = [[value(r, c)[0] for c in range(1, max_col + 1)] for r in range(1, 11)]
    found = _header_index(resolved, names)
    if found is None:
        raise TableError("找不到表头行：请使用下载的导入模板，表头须在前 10 行内")
    index, headers, header_rows = found
    title = ""
    for r in range(index):
        texts = [clean_text(v) for v in resolved[r] if clean_text(v)]
        if texts:
            title = texts[0].replace("\n", "")
            break
    first_data = index + header_rows + 1  # 1-based
    columns = {i + 1: names[h] for i, h in enumerate(headers) if h in names}
    merged_used = bool(merged_ranges)

    def rows() -> Iterator[SheetRow]:
        for r in range(first_data, max_row + 1):
            cells = {}
            for col, key in columns.items():
                v, origin = value(r, col)
                cells[key] = Cell(v, origin and v not in (None, ""))
            if not any(c.origin for c in cells.values()):
                continue  # blank row or a row fully inside merged ranges of earlier rows
            yield SheetRow(r, cells)

    layout = "published" if (header_rows == 2 or merged_used) else "template"
    return Sheet(title, headers, header_rows, layout, rows(), max_row - first_data + 1)
