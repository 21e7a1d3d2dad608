"""The import pipeline every registry shares: upload → full validation → preview with every bad
row explained in Chinese → all-or-nothing commit on confirmation → report.

An importer (a subclass of `Importer` in its domain app, registered in IMPORTERS below) says
which columns it reads and how to turn one row into a record (`parse_row`), and how to write
records (`commit`). The framework handles files, row numbers, error collection, progress (web
page and command line), background execution, the transaction and the audit entries.

Validation reads the file in one streaming pass, so a million-row file is never held in memory
as records. Importers that set `spool_records` have their validated records written to a spool
file beside the upload (pickled batches, each sealed with an HMAC bound to the job and the upload's
SHA-256); commit then reads the spool instead of parsing and validating the file a second time,
and refuses if the upload or the spool changed. Other importers' commit re-reads the file. Commit
runs in one transaction, so a failure writes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import pickle
import struct
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.scope import Scope
from audit.services import entry_append

from .models import ImportJob, ImportStatus
from .tabular import Row, TableError, clean_text, read_table

if TYPE_CHECKING:
    from accounts.models import Department, User

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ALLOWED_SUFFIXES = (".xlsx", ".xls", ".csv")
MAX_ERRORS_KEPT = 1000
PREVIEW_ROWS = 20

# kind → dotted path of its Importer subclass. Each domain app adds its importers here.
IMPORTERS: dict[str, str] = {
    "departments": "accounts.importers.DepartmentImporter",
    "entities": "registry.importers.EntityImporter",
    "inspectors": "inspectors.importers.InspectorImporter",
    "experts": "inspectors.importers.ExpertImporter",
    "items": "catalog.importers.ItemImporter",
    "joint_items": "catalog.importers.JointItemImporter",
    "regulations": "catalog.importers.RegulationImporter",
}

Progress = Callable[[str, int, int | None], None]  # stage ("validate"/"commit"), done, total


@dataclass(frozen=True)
class RowError:
    row: int  # row number as the user's spreadsheet program shows it; 0 = the file as a whole
    column: str  # the header as written in the template ("" when not about one column)
    message: str  # Chinese, says what is wrong and what is expected

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class Column:
    header: str  # Chinese header in the template
    key: str  # name the importer's parse_row receives
    required: bool = False
    help: str = ""  # shown in the template's second sheet
    example: str = ""
    aliases: tuple[str, ...] = ()  # other headers other systems use for the same column


@dataclass
class ImportContext:
    actor: User
    department: Department | None
    job: ImportJob | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class ValidationResult:
    total: int = 0
    valid: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)


@dataclass
class CommitReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            **self.details,
        }


class RowRejected(Exception):
    """Raised by parse_row helpers; carries one or more errors for the current row."""

    def __init__(self, errors: list[RowError]):
        super().__init__(errors)
        self.errors = errors


class Importer:
    """Base class. Subclasses set the class attributes and implement parse_row and commit."""

    # Templates receive the class itself: without this Django would call it (and fail silently),
    # so {{ importer.label }} rendered empty on the upload and job pages.
    do_not_call_in_templates: ClassVar[bool] = True
    kind: ClassVar[str]
    label: ClassVar[str]  # Chinese name of what is imported, e.g. "检查对象"
    permission: ClassVar[str]  # scope permission needed to import, e.g. "entity.manage"
    columns: ClassVar[list[Column]]
    # True: validation spools the parsed records and commit reads them back instead of parsing
    # the file again (records must be picklable and commit must re-check whatever can change
    # between validation and confirmation, e.g. rows that now exist).
    spool_records: ClassVar[bool] = False

    def __init__(self, context: ImportContext):
        self.context = context
        self.table_total: int | None = None  # data rows of the file, once iter_parsed opened it

    # --- what subclasses implement -------------------------------------------------------
    def parse_row(self, values: dict[str, Any], row: int) -> Any:
        """Turn one row (column key → raw cell) into a record, or raise RowRejected."""
        raise NotImplementedError

    def check_file(self, records: Iterator[tuple[int, Any]]) -> Iterator[RowError]:
        """Cross-row checks (duplicates inside the file…). Default: none. Consumes the records."""
        for _ in records:
            pass
        return iter(())

    def commit(self, records: Iterator[Any], progress: Callable[[int], None]) -> CommitReport:
        """Write the records (inside the framework's transaction). Call progress(n_done)."""
        raise NotImplementedError

    def preview_row(self, record: Any) -> dict[str, Any]:
        return {"记录": str(record)}

    def spool_encode(self, record: Any) -> Any:
        """What the spool keeps of a record (spool_records importers): something cheaper to
        pickle than the record, e.g. a plain tuple. spool_decode turns it back."""
        return record

    def spool_decode(self, value: Any) -> Any:
        return value

    # --- shared machinery ----------------------------------------------------------------
    def header_map(self, headers: list[str]) -> dict[str, str]:
        mapping = {}
        for column in self.columns:
            for name in (column.header, *column.aliases):
                normalised = name.replace(" ", "").replace("*", "")
                if normalised in headers:
                    mapping[normalised] = column.key
                    break
        return mapping

    def missing_columns(self, headers: list[str]) -> list[Column]:
        present = set(self.header_map(headers).values())
        return [c for c in self.columns if c.required and c.key not in present]

    def read_rows(
        self, path: Path, filename: str
    ) -> tuple[Iterator[Row], int | None, dict[str, str], list[str]]:
        table = read_table(
            path,
            filename=filename,
            expected_headers={c.header for c in self.columns}
            | {a for c in self.columns for a in c.aliases},
        )
        return table.rows, table.total, self.header_map(table.headers), table.headers

    def iter_parsed(
        self, path: Path, filename: str
    ) -> Iterator[tuple[int, Any | None, list[RowError]]]:
        if type(self).read_rows is not Importer.read_rows:  # a subclass reads its own way
            rows, total, mapping, headers = self.read_rows(path, filename)
            self.table_total = total
            cells: Iterator[tuple[int, list[Any]]] | None = None
        else:
            table = read_table(
                path,
                filename=filename,
                expected_headers={c.header for c in self.columns}
                | {a for c in self.columns for a in c.aliases},
            )
            self.table_total, headers = table.total, table.headers
            mapping = self.header_map(headers)
            cells = table.cells
        missing = self.missing_columns(headers)
        if missing:
            names = "、".join(c.header for c in missing)
            yield 0, None, [RowError(0, "", f"缺少必填列：{names}。请使用下载的导入模板。")]
            return
        parse_row = self.parse_row
        if cells is None:
            for row in rows:
                values = {key: row.values.get(header) for header, key in mapping.items()}
                try:
                    yield row.number, parse_row(values, row.number), []
                except RowRejected as rejected:
                    yield row.number, None, rejected.errors
            return
        # the same values as Row.values would give (a repeated header: its last column wins),
        # without building the header → value dict of every row first
        last = {h: i for i, h in enumerate(headers) if h}
        index = [(key, last[header]) for header, key in mapping.items()]
        width = max((i for _k, i in index), default=-1) + 1
        for number, row_cells in cells:
            if len(row_cells) < width:
                row_cells = row_cells + [None] * (width - len(row_cells))
            values = {key: row_cells[i] for key, i in index}
            try:
                yield number, parse_row(values, number), []
            except RowRejected as rejected:
                yield number, None, rejected.errors

    def column_header(self, key: str) -> str:
        for column in self.columns:
            if column.key == key:
                return column.header
        return key


def importer_class(kind: str) -> type[Importer]:
    try:
        dotted = IMPORTERS[kind]
    except KeyError:
        raise ValidationError(f"未知的导入类型：{kind}") from None
    module_name, class_name = dotted.rsplit(".", 1)
    cls: type[Importer] = getattr(importlib.import_module(module_name), class_name)
    return cls


def importer_for(job: ImportJob) -> Importer:
    return importer_class(job.kind)(
        ImportContext(
            actor=job.uploaded_by, department=job.department, job=job, options=job.options
        )
    )


# --- progress, shared between the worker and the web process ---------------------------------


def _progress_key(job_id: Any) -> str:
    return f"import-progress:{job_id}"


def progress_set(job_id: Any, stage: str, done: int, total: int | None) -> None:
    caches["progress"].set(
        _progress_key(job_id), {"stage": stage, "done": done, "total": total}, timeout=24 * 3600
    )


def progress_get(job_id: Any) -> dict[str, Any] | None:
    value: dict[str, Any] | None = caches["progress"].get(_progress_key(job_id))
    return value


# --- services ---------------------------------------------------------------------------------


def _authorize(actor: User, cls: type[Importer]) -> str:
    scope = Scope.of(actor)
    role = scope.role_for(cls.permission, actor.department)
    if role is None:
        raise PermissionDenied(cls.permission)
    return role


@transaction.atomic
def import_job_create(
    *,
    actor: User,
    kind: str,
    upload: UploadedFile | File[Any],
    filename: str,
    options: dict[str, Any] | None = None,
    enqueue: bool = True,
) -> ImportJob:
    """Store an uploaded file as a new import job and queue its validation (the command line
    passes enqueue=False and validates in its own process)."""
    cls = importer_class(kind)
    role = _authorize(actor, cls)
    if not filename.lower().endswith(ALLOWED_SUFFIXES):
        raise ValidationError("不支持的文件类型：请上传 .xlsx、.xls 或 .csv 文件")
    size = upload.size or 0
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"文件过大（{size / 1024 / 1024:.1f} MB），单个文件不能超过 "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB。请拆分后分批导入。"
        )
    if size == 0:
        raise ValidationError("文件是空的。")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    job = ImportJob(
        kind=kind,
        original_name=filename[:255],
        sha256=digest.hexdigest(),
        size=size,
        uploaded_by=actor,
        department=actor.department,
        options=options or {},
    )
    job.file.save(Path(filename).name, upload, save=False)
    job.save()
    entry_append(
        actor=actor,
        role=role,
        action=f"import.{kind}.upload",
        instance=job,
        after={"file": filename, "sha256": job.sha256, "size": size},
    )
    if enqueue:
        transaction.on_commit(lambda: _enqueue("validate", job.pk))
    return job


def _enqueue(stage: str, job_id: Any) -> None:
    from .tasks import import_job_run

    import_job_run.enqueue(stage, str(job_id))


def import_job_validate(*, job: ImportJob, progress: Progress | None = None) -> ImportJob:
    """Read the whole file and record every invalid row (no registry writes)."""
    importer = importer_for(job)
    result = ValidationResult()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING)
    spool = _Spool(job) if importer.spool_records else None
    if spool is not None:
        spool.remove()
    own_reader = type(importer).read_rows is not Importer.read_rows
    state: dict[str, int | None] = {"total": None}
    writer = spool.writer() if spool is not None else None
    encode = importer.spool_encode

    def report(done: int, total: int | None) -> None:
        progress_set(job.pk, "validate", done, total)
        if progress:
            progress("validate", done, total)

    try:
        if own_reader:  # the subclass counts its own way (e.g. items, not physical rows)
            _rows, state["total"], _m, _h = importer.read_rows(
                Path(job.file.path), job.original_name
            )
        report(0, state["total"])

        def records() -> Iterator[tuple[int, Any]]:
            for number, record, errors in importer.iter_parsed(
                Path(job.file.path), job.original_name
            ):
                if not own_reader and state["total"] is None:
                    state["total"] = importer.table_total
                result.total += 1 if number else 0
                for error in errors:
                    result.add_error(error)
                if record is not None:
                    result.valid += 1
                    if len(result.preview) < PREVIEW_ROWS:
                        result.preview.append({"row": number, **importer.preview_row(record)})
                    if writer is not None and not result.error_count:
                        writer.add(encode(record))
                    yield number, record
                if result.total % 1000 == 0:
                    report(result.total, state["total"])

        for error in importer.check_file(records()):
            result.add_error(error)
        if writer is not None:
            writer.close(complete=not result.error_count)
        report(result.total, state["total"])
    except TableError as exc:
        result.add_error(RowError(0, "", str(exc)))
    except Exception as exc:
        if writer is not None:
            writer.close(complete=False)
        with transaction.atomic():
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.FAILED,
                finished_at=timezone.now(),
                report={"error": _safe_message(exc)},
            )
            entry_append(
                actor=job.uploaded_by,
                role="system",
                action=f"import.{job.kind}.fail",
                instance=job,
                department=job.department,
                after={"error": _safe_message(exc)},
            )
        raise
    if result.total == 0 and not result.error_count:
        result.add_error(RowError(0, "", "文件中没有数据行。"))
    status = ImportStatus.INVALID if result.error_count else ImportStatus.READY
    if status == ImportStatus.INVALID and writer is not None:
        writer.close(complete=False)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        job.status = status
        job.total_rows, job.valid_rows, job.error_count = (
            result.total,
            result.valid,
            result.error_count,
        )
        job.errors = [e.as_dict() for e in sorted(result.errors, key=lambda e: (e.row, e.column))]
        job.preview = result.preview
        job.save()
        entry_append(
            actor=job.uploaded_by,
            role="system",
            action=f"import.{job.kind}.validate",
            instance=job,
            department=job.department,
            after={"status": status, "rows": result.total, "errors": result.error_count},
        )
    return job


# --- the spool: validated records kept between validation and commit ------------------------


class SpoolMismatch(ValidationError):
    pass


class _Spool:
    """Validated records of one job, beside its upload: a header naming the job and the
    upload's SHA-256, then frames (length, HMAC, pickled batch of records), then an end frame
    with the record count. Every frame's HMAC is keyed by the job id and the upload digest
    (salted with SECRET_KEY) and covers the frame's position, so a frame is checked before it
    is unpickled, and frames cannot be altered, dropped, reordered or taken from another job."""

    MAGIC = b"suiji-import-spool/1\n"
    BATCH = 2000
    _FRAME = struct.Struct(">Q32s")

    def __init__(self, job: ImportJob):
        self.job = job
        self.path = Path(job.file.path + ".spool")
        self.key = salted_hmac(
            "core.importing.spool", f"{job.pk}:{job.sha256}", algorithm="sha256"
        ).digest()

    def _mac(self, index: int, payload: bytes) -> bytes:
        return hmac.new(self.key, struct.pack(">Q", index) + payload, hashlib.sha256).digest()

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def writer(self) -> _SpoolWriter:
        return _SpoolWriter(self)

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> Iterator[Any]:
        """The records, in file order; SpoolMismatch if the upload or the spool changed."""
        refuse = "暂存的校验结果与上传文件不一致（文件在校验后被改动），导入已取消。请重新上传。"
        digest = hashlib.sha256()
        with open(self.job.file.path, "rb") as upload:
            for chunk in iter(lambda: upload.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != self.job.sha256:
            raise SpoolMismatch(refuse)
        with open(self.path, "rb") as handle:
            if handle.readline() != self.MAGIC:
                raise SpoolMismatch(refuse)
            index, count = 0, 0
            while True:
                head = handle.read(self._FRAME.size)
                if len(head) != self._FRAME.size:
                    raise SpoolMismatch(refuse)  # cut short: no end frame
                length, mac = self._FRAME.unpack(head)
                payload = handle.read(length)
                if len(payload) != length or not hmac.compare_digest(
                    mac, self._mac(index, payload)
                ):
                    raise SpoolMismatch(refuse)
                index += 1
                if payload[:4] == b"END:":
                    if int(payload[4:]) != count or handle.read(1):
                        raise SpoolMismatch(refuse)
                    return
                batch = pickle.loads(payload)  # noqa: S301 - authenticated above
                count += len(batch)
                yield from batch


class _SpoolWriter:
    def __init__(self, spool: _Spool):
        self.spool = spool
        self.handle = open(spool.path, "wb")  # noqa: SIM115 - closed in close()
        self.handle.write(spool.MAGIC)
        self.batch: list[Any] = []
        self.index = 0
        self.count = 0

    def add(self, record: Any) -> None:
        self.batch.append(record)
        if len(self.batch) >= self.spool.BATCH:
            self._frame(pickle.dumps(self.batch, protocol=pickle.HIGHEST_PROTOCOL))
            self.count += len(self.batch)
            self.batch = []

    def _frame(self, payload: bytes) -> None:
        mac = self.spool._mac(self.index, payload)
        self.handle.write(self.spool._FRAME.pack(len(payload), mac))
        self.handle.write(payload)
        self.index += 1

    def close(self, *, complete: bool) -> None:
        if self.handle.closed:
            if not complete:
                self.spool.remove()
            return
        if complete:
            if self.batch:
                self._frame(pickle.dumps(self.batch, protocol=pickle.HIGHEST_PROTOCOL))
                self.count += len(self.batch)
                self.batch = []
            self._frame(f"END:{self.count}".encode())
        self.handle.close()
        if not complete:
            self.spool.remove()


@transaction.atomic
def import_job_confirm(*, actor: User, job: ImportJob, enqueue: bool = True) -> ImportJob:
    """The user confirms a validated job: queue the all-or-nothing commit."""
    cls = importer_class(job.kind)
    role = _authorize(actor, cls)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportStatus.READY:
        raise ValidationError(f"该导入任务当前状态为“{job.get_status_display()}”，不能确认导入。")
    job.status = ImportStatus.COMMITTING
    job.save(update_fields=["status"])
    entry_append(actor=actor, role=role, action=f"import.{job.kind}.confirm", instance=job)
    if enqueue:
        transaction.on_commit(lambda: _enqueue("commit", job.pk))
    return job


@transaction.atomic
def import_job_cancel(*, actor: User, job: ImportJob) -> ImportJob:
    role = _authorize(actor, importer_class(job.kind))
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in {ImportStatus.READY, ImportStatus.INVALID}:
        raise ValidationError(f"该导入任务当前状态为“{job.get_status_display()}”，不能取消。")
    job.status = ImportStatus.CANCELLED
    job.save(update_fields=["status"])
    transaction.on_commit(_Spool(job).remove)
    entry_append(actor=actor, role=role, action=f"import.{job.kind}.cancel", instance=job)
    return job


def import_job_commit(*, job: ImportJob, progress: Progress | None = None) -> ImportJob:
    """Write every record in one transaction; on any error nothing is written."""
    importer = importer_for(job)
    total = job.valid_rows

    def report(done: int) -> None:
        progress_set(job.pk, "commit", done, total)
        if progress:
            progress("commit", done, total)

    spool = _Spool(job) if importer.spool_records else None

    def records() -> Iterator[Any]:
        if spool is not None and spool.exists():
            decode = importer.spool_decode
            for value in spool.read():
                yield decode(value)
            return
        for number, record, errors in importer.iter_parsed(Path(job.file.path), job.original_name):
            if errors or record is None:
                raise ValidationError(f"第 {number} 行在确认后校验不通过，导入已取消。")
            yield record

    try:
        with transaction.atomic():
            report(0)
            result = importer.commit(records(), report)
            job = ImportJob.objects.select_for_update().get(pk=job.pk)
            job.status = ImportStatus.DONE
            job.report = result.as_dict()
            job.finished_at = timezone.now()
            job.save()
            entry_append(
                actor=job.uploaded_by,
                role="system",
                action=f"import.{job.kind}.commit",
                instance=job,
                department=job.department,
                after={"sha256": job.sha256, "file": job.original_name, **job.report},
            )
            report(total)
    except Exception as exc:
        with transaction.atomic():
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.FAILED,
                finished_at=timezone.now(),
                report={"error": _safe_message(exc)},
            )
            entry_append(
                actor=job.uploaded_by,
                role="system",
                action=f"import.{job.kind}.fail",
                instance=job,
                department=job.department,
                after={"error": _safe_message(exc)},
            )
        job.refresh_from_db()
        if not isinstance(exc, ValidationError):
            raise
    finally:
        if spool is not None:
            spool.remove()
    return job


def _safe_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return "导入时发生系统错误，未写入任何数据。请联系系统管理员查看日志。"


# --- command line ----------------------------------------------------------------------------


class ConsoleProgress:
    """A one-line progress bar on stderr for the management commands."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.last = -1.0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        label = {"validate": "校验", "commit": "写入"}.get(stage, stage)
        if total:
            share = min(done / total, 1.0)
            if share - self.last < 0.01 and done < total:
                return
            self.last = share
            bar = "#" * int(share * 30)
            self.stream.write(f"\r{label} [{bar:<30}] {done}/{total} ({share:.0%})")
        else:
            self.stream.write(f"\r{label} {done} 行")
        if total and done >= total:
            self.stream.write("\n")
            self.last = -1.0
        self.stream.flush()


def run_import_cli(
    *,
    kind: str,
    path: Path,
    actor: User,
    stdout: Any,  # a text stream or a management command's OutputWrapper
    dry_run: bool = False,
    options: dict[str, Any] | None = None,
) -> ImportJob:
    """Validate and (unless dry_run or invalid) commit a local file, printing progress and
    every error. Used by the import_* management commands."""
    with open(path, "rb") as handle:
        job = import_job_create(
            actor=actor,
            kind=kind,
            upload=File(handle, name=path.name),
            filename=path.name,
            options=options,
            enqueue=False,
        )
    job = import_job_validate(job=job, progress=ConsoleProgress())
    if job.status == ImportStatus.INVALID:
        stdout.write(
            f"校验未通过：共 {job.total_rows} 行，发现 {job.error_count} 处错误，未写入任何数据。\n"
        )
        for error in job.errors:
            where = f"第 {error['row']} 行" if error["row"] else "文件"
            column = f"【{error['column']}】" if error["column"] else ""
            stdout.write(f"  {where}{column}：{error['message']}\n")
        if job.error_count > len(job.errors):
            stdout.write(f"  ……另有 {job.error_count - len(job.errors)} 处错误未列出\n")
        return job
    stdout.write(f"校验通过：{job.valid_rows} 行有效。\n")
    if dry_run:
        import_job_cancel(actor=actor, job=job)
        stdout.write("试运行（--dry-run）：未写入。\n")
        return job
    job = import_job_confirm(actor=actor, job=job, enqueue=False)
    job = import_job_commit(job=job, progress=ConsoleProgress())
    if job.status == ImportStatus.DONE:
        r = job.report
        stdout.write(
            f"导入完成：新增 {r.get('created', 0)}，更新 {r.get('updated', 0)}，"
            f"未变 {r.get('unchanged', 0)}。\n"
        )
    else:
        stdout.write(f"导入失败：{job.report.get('error', '')}，未写入任何数据。\n")
    return job


def cell_text(values: dict[str, Any], key: str) -> str:
    return clean_text(values.get(key))
