"""Open data: every public list as CSV (UTF-8 with BOM, so Excel opens it as UTF-8) and JSON.

A list is declared once as columns (stable English key for JSON, Chinese header for CSV) and
rows of dicts; the HTML page, the CSV and the JSON are built from the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

FORMATS = ("csv", "json")
BOM = "\ufeff"


@dataclass(frozen=True)
class Col:
    key: str
    label: str


def wanted(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "")
    return fmt if fmt in FORMATS else ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _local(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(_text(v) for v in value)
    return str(value)


def _local(value: dt.datetime) -> dt.datetime:
    """Times in the platform's time zone (Beijing), as the pages show them, with the offset."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _local(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def _csv_lines(columns: Sequence[Col], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.label for c in columns])
    yield BOM + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_text(row.get(c.key)) for c in columns])
        yield buffer.getvalue()


def _json_chunks(
    title: str, columns: Sequence[Col], rows: Iterable[Mapping[str, Any]]
) -> Iterator[str]:
    head = {"title": title, "fields": [{"key": c.key, "label": c.label} for c in columns]}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": ['
    first = True
    for row in rows:
        item = {c.key: _json_value(row.get(c.key)) for c in columns}
        yield ("" if first else ",\n") + json.dumps(item, ensure_ascii=False)
        first = False
    yield "]}\n"


def download(
    fmt: str,
    *,
    filename: str,
    title: str,
    columns: Sequence[Col],
    rows: Iterable[Mapping[str, Any]],
) -> StreamingHttpResponse:
    """The list as a streamed download (rows may be a generator over a big table)."""
    name = quote(f"{filename}.{fmt}")
    if fmt == "csv":
        response = StreamingHttpResponse(
            (line.encode("utf-8") for line in _csv_lines(columns, rows)),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in _json_chunks(title, columns, rows)),
            content_type="application/json; charset=utf-8",
        )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response
