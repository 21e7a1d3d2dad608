"""Loading the division tree. The tree is reference data, so it is written without audit
entries: it is replaced wholesale from the published file, and `load_regions` reports what it did.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .models import Region, RegionLevel

FILES = (
    ("provinces.csv", RegionLevel.PROVINCE, None),
    ("cities.csv", RegionLevel.CITY, "provinceCode"),
    ("areas.csv", RegionLevel.COUNTY, "cityCode"),
    ("streets.csv", RegionLevel.TOWNSHIP, "areaCode"),
)


@dataclass(frozen=True)
class RegionLoadReport:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def regions_load(*, directory: Path, only_province: str | None = None) -> RegionLoadReport:
    """Upsert the whole division tree from the CSV files in `directory`.

    `only_province` (e.g. "13") limits the load to one province, which keeps test databases small.
    """
    existing = {r.code: (r.name, r.level, r.parent_id) for r in Region.objects.all()}
    rows: list[tuple[str, str, int, str | None]] = []
    for filename, region_level, parent_column in FILES:
        with open(directory / filename, encoding="utf-8", newline="") as handle:
            for record in csv.DictReader(handle):
                code = record["code"].strip()
                if only_province and not code.startswith(only_province):
                    continue
                parent = record[parent_column].strip() if parent_column else None
                rows.append((code, record["name"].strip(), int(region_level), parent))

    to_create, to_update, unchanged = [], [], 0
    for code, name, level, parent in rows:
        current = existing.get(code)
        if current is None:
            to_create.append(Region(code=code, name=name, level=level, parent_id=parent))
        elif current != (name, level, parent):
            to_update.append(Region(code=code, name=name, level=level, parent_id=parent))
        else:
            unchanged += 1
    # Parents come first in FILES order, so creating in that order satisfies the FK at once.
    Region.objects.bulk_create(to_create, batch_size=2000)
    Region.objects.bulk_update(to_update, ["name", "level", "parent"], batch_size=2000)
    return RegionLoadReport(created=len(to_create), updated=len(to_update), unchanged=unchanged)
