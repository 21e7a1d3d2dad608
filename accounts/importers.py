"""Bulk import of departments into the importing administrator's region (kind "departments")."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from audit.services import entry_append, snapshot
from core.importing import Column, CommitReport, Importer, RowError, RowRejected, cell_text

from .models import Department, DepartmentKind

KIND_BY_LABEL = {label: value for value, label in DepartmentKind.choices}


@dataclass(frozen=True)
class DepartmentRow:
    name: str
    short_name: str
    kind: str


class DepartmentImporter(Importer):
    kind = "departments"
    label = "部门"
    permission = "department.manage"
    columns = [
        Column(
            "部门名称",
            "name",
            required=True,
            help="本级行政区划内的部门全称",
            example="宽城满族自治县应急管理局",
        ),
        Column("简称", "short_name", help="可不填", example="县应急管理局"),
        Column(
            "部门类别",
            "kind",
            required=True,
            help="可选：" + "、".join(KIND_BY_LABEL),
            example="应急管理",
            aliases=("类别",),
        ),
    ]

    def parse_row(self, values: dict[str, Any], row: int) -> DepartmentRow:
        errors = []
        name = cell_text(values, "name")
        kind_label = cell_text(values, "kind")
        if not name:
            errors.append(RowError(row, "部门名称", "部门名称不能为空"))
        elif len(name) > 100:
            errors.append(
                RowError(row, "部门名称", f"部门名称过长（{len(name)} 字），不能超过 100 字")
            )
        if kind_label not in KIND_BY_LABEL:
            errors.append(RowError(row, "部门类别", f"“{kind_label}”不是有效的部门类别"))
        if errors:
            raise RowRejected(errors)
        return DepartmentRow(name, cell_text(values, "short_name")[:32], KIND_BY_LABEL[kind_label])

    def check_file(self, records: Iterator[tuple[int, Any]]) -> Iterator[RowError]:
        seen: dict[str, int] = {}
        office_rows = []
        errors = []
        for number, record in records:
            if record.name in seen:
                errors.append(RowError(number, "部门名称", f"与第 {seen[record.name]} 行重复"))
            seen.setdefault(record.name, number)
            if record.kind == DepartmentKind.LEADING_OFFICE:
                office_rows.append(number)
        region = self.context.actor.department.region_id if self.context.actor.department else None
        existing_office = (
            Department.objects.filter(region_id=region, kind=DepartmentKind.LEADING_OFFICE)
            .values_list("name", flat=True)
            .first()
        )
        for number in office_rows[1:] if not existing_office else office_rows:
            errors.append(
                RowError(
                    number,
                    "部门类别",
                    "每个行政区划只能有一个双随机领导小组办公室"
                    + (f"（已有：{existing_office}）" if existing_office else ""),
                )
            )
        return iter(errors)

    def preview_row(self, record: DepartmentRow) -> dict[str, Any]:
        return {
            "部门名称": record.name,
            "简称": record.short_name,
            "部门类别": DepartmentKind(record.kind).label,
        }

    def commit(
        self, records: Iterator[DepartmentRow], progress: Callable[[int], None]
    ) -> CommitReport:
        actor = self.context.actor
        assert actor.department is not None
        region = actor.department.region
        report = CommitReport()
        existing = {d.name: d for d in Department.objects.filter(region=region)}
        for done, record in enumerate(records, start=1):
            current = existing.get(record.name)
            if current is None:
                department = Department(
                    name=record.name, short_name=record.short_name, kind=record.kind, region=region
                )
                department.full_clean()
                department.save()
                entry_append(
                    actor=actor,
                    role="import",
                    action="department.create",
                    instance=department,
                    department=department,
                    after=snapshot(department, ["name", "short_name", "kind", "region"]),
                )
                report.created += 1
            elif (current.short_name, current.kind) != (record.short_name, record.kind):
                before = snapshot(current, ["short_name", "kind"])
                current.short_name, current.kind = record.short_name, record.kind
                current.full_clean()
                current.save(update_fields=["short_name", "kind"])
                entry_append(
                    actor=actor,
                    role="import",
                    action="department.update",
                    instance=current,
                    department=current,
                    before=before,
                    after=snapshot(current, ["short_name", "kind"]),
                )
                report.updated += 1
            else:
                report.unchanged += 1
            progress(done)
        return report
