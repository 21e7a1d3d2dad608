"""The import's fast paths stay exact: the spool between validation and commit, the bulk-load
mode (indexes and the FTS trigger rebuilt once, also after a failure), the denormalised current
grade the list filters read, and the tag filter's EXISTS form."""

import csv
import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.db import connection

from core.importing import (
    import_job_commit,
    import_job_confirm,
    import_job_create,
    import_job_validate,
    run_import_cli,
)
from core.models import ImportStatus
from registry import importers, selectors, services
from registry.models import Entity, EntityChange, EntityGrade, EntityTag

from .conftest import make_uscc

HEADERS = ["统一社会信用代码", "企业名称", "所属区域", "信用等级", "标签", "成立日期"]


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def rows(n, start=0, grade="B", tags="netbar"):
    return [
        [make_uscc(start + i), f"宽城县鑫源网吧{start + i}", "龙须门镇", grade, tags, "2019-05-01"]
        for i in range(n)
    ]


def validated(user, path):
    from django.core.files import File

    with open(path, "rb") as handle:
        job = import_job_create(
            actor=user, kind="entities", upload=File(handle), filename=path.name, enqueue=False
        )
    return import_job_validate(job=job)


def spool_path(job):
    return job.file.path + ".spool"


def test_commit_reads_the_spool_and_removes_it(people, townships, levels, tags, tmp_path):
    user = people["kc_market_admin"]
    job = validated(user, write_csv(tmp_path / "a.csv", rows(3)))
    assert job.status == ImportStatus.READY
    with open(spool_path(job), "rb") as handle:
        assert handle.readline() == b"suiji-import-spool/1\n"
    job = import_job_confirm(actor=user, job=job, enqueue=False)
    job = import_job_commit(job=job)
    assert job.report == {"created": 3, "updated": 0, "unchanged": 0}
    assert sorted(Entity.objects.values_list("name", flat=True)) == [
        "宽城县鑫源网吧0",
        "宽城县鑫源网吧1",
        "宽城县鑫源网吧2",
    ]
    assert not Path(spool_path(job)).exists()


@pytest.mark.parametrize("what", ["spool", "upload", "truncated"])
def test_a_changed_spool_or_upload_is_refused_and_nothing_written(
    people, townships, levels, tags, tmp_path, what
):
    user = people["kc_market_admin"]
    job = validated(user, write_csv(tmp_path / "a.csv", rows(3)))
    if what == "spool":
        spool = Path(spool_path(job))
        data = bytearray(spool.read_bytes())
        data[-40] ^= 1  # inside the last record frame or the end frame
        spool.write_bytes(bytes(data))
    elif what == "upload":
        with open(job.file.path, "a", encoding="utf-8") as handle:
            handle.write(f"{make_uscc(99)},宽城县后加网吧,龙须门镇,B,netbar,2019-05-01\n")
    else:
        spool = Path(spool_path(job))
        spool.write_bytes(spool.read_bytes()[:-30])
    job = import_job_confirm(actor=user, job=job, enqueue=False)
    job = import_job_commit(job=job)
    assert job.status == ImportStatus.FAILED
    assert job.report == {
        "error": "暂存的校验结果与上传文件不一致（文件在校验后被改动），导入已取消。请重新上传。"
    }
    assert Entity.objects.count() == 0
    assert EntityChange.objects.count() == 0


def test_an_invalid_file_leaves_no_spool(people, townships, levels, tags, tmp_path):
    bad = rows(2) + [[make_uscc(5)[:-1] + "0", "坏代码网吧", "龙须门镇", "B", "", ""]]
    job = validated(people["kc_market_admin"], write_csv(tmp_path / "bad.csv", bad))
    assert job.status == ImportStatus.INVALID
    assert not Path(spool_path(job)).exists()


def _schema():
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name LIKE 'registry_%' "
            "ORDER BY type, name"
        )
        return cursor.fetchall()


def test_bulk_load_rebuilds_indexes_and_search_finds_new_names(
    people, townships, levels, tags, tmp_path, monkeypatch
):
    monkeypatch.setattr(importers, "BULK_LOAD_MIN", 10)
    monkeypatch.setattr(importers, "COMMIT_BATCH", 7)  # several batches
    before = _schema()
    user = people["kc_market_admin"]
    job, out = _cli(user, write_csv(tmp_path / "a.csv", rows(30, grade="E")))
    assert job.report == {"created": 30, "updated": 0, "unchanged": 0}, out
    assert _schema() == before
    found = selectors.entity_search(
        user=user, filters=selectors.EntityFilter(q="鑫源网吧17")
    ).values_list("name", flat=True)
    assert list(found) == ["宽城县鑫源网吧17"]
    assert Entity.objects.filter(current_level=levels["E"]).count() == 30
    assert EntityGrade.objects.filter(valid_to__isnull=True, level=levels["E"]).count() == 30
    assert EntityTag.objects.filter(tag=tags["netbar"]).count() == 30
    assert EntityChange.objects.filter(action="import.create").count() == 30
    ids = sorted(Entity.objects.values_list("pk", flat=True))
    assert ids == list(range(ids[0], ids[0] + 30))
    # the same file again changes nothing
    job, out = _cli(user, write_csv(tmp_path / "b.csv", rows(30, grade="E")))
    assert job.report == {"created": 0, "updated": 0, "unchanged": 30}, out


def test_a_failure_during_a_bulk_load_restores_indexes_and_writes_nothing(
    people, townships, levels, tags, tmp_path, monkeypatch
):
    monkeypatch.setattr(importers, "BULK_LOAD_MIN", 10)
    before = _schema()
    original = importers.EntityImporter._tags

    def failing(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(importers.EntityImporter, "_tags", failing)
    with pytest.raises(RuntimeError):
        _cli(people["kc_market_admin"], write_csv(tmp_path / "a.csv", rows(20)))
    assert _schema() == before
    assert Entity.objects.count() == 0
    assert EntityTag.objects.count() == 0


def test_reimport_with_changes_updates_grade_level_and_history(
    clock, people, townships, levels, tags, tmp_path
):
    user = people["kc_market_admin"]
    _cli(user, write_csv(tmp_path / "a.csv", rows(4, grade="B", tags="")))
    changed = rows(4, grade="B", tags="")
    changed[1][3] = "D"
    changed[2][1] = "宽城县改名网吧"
    job, out = _cli(user, write_csv(tmp_path / "b.csv", changed))
    assert job.report == {"created": 0, "updated": 2, "unchanged": 2}, out
    second = Entity.objects.get(uscc=make_uscc(1))
    assert second.current_level == levels["D"]
    assert list(
        EntityGrade.objects.filter(entity=second)
        .order_by("id")
        .values_list("level__code", "valid_to")
    ) == [("B", clock.today()), ("D", None)]  # Beijing's date, also before 08:00
    assert list(
        EntityChange.objects.filter(action="import.update")
        .order_by("entity_id")
        .values_list("entity__uscc", "fields")
    ) == [(make_uscc(1), ["grade"]), (make_uscc(2), ["name"])]
    found = selectors.entity_search(user=user, filters=selectors.EntityFilter(q="改名网吧"))
    assert [e.uscc for e in found] == [make_uscc(2)]


def test_list_filters_grade_and_every_tag(people, entity_factory, levels, tags):
    user = people["kc_market_admin"]
    a, b, c = entity_factory(1), entity_factory(2), entity_factory(3)
    services.grade_assign(actor=user, entity=a, level=levels["E"], valid_from=dt.date(2025, 1, 1))
    services.grade_assign(actor=user, entity=b, level=levels["E"], valid_from=dt.date(2025, 1, 1))
    services.grade_assign(actor=user, entity=b, level=levels["A"], valid_from=dt.date(2025, 6, 1))
    services.grade_assign(actor=user, entity=c, level=levels["E"], valid_from=dt.date(2025, 1, 1))
    services.entity_tags_set(actor=user, entity=a, tags=[tags["netbar"], tags["food"]])
    services.entity_tags_set(actor=user, entity=c, tags=[tags["netbar"]])

    def search(**kw):
        found = selectors.entity_search(user=user, filters=selectors.EntityFilter(**kw))
        return [e.pk for e in found]

    assert search(level=levels["E"]) == [c.pk, a.pk]
    assert search(level=levels["A"]) == [b.pk]
    assert search(tags=(tags["netbar"].pk,)) == [c.pk, a.pk]
    assert search(tags=(tags["netbar"].pk, tags["food"].pk)) == [a.pk]
    assert search(level=levels["E"], tags=(tags["food"].pk,), region="130827101") == [a.pk]
    # the denormalised column agrees with the history it is computed from
    assert services.current_grades_refresh() == 3
    assert search(level=levels["E"]) == [c.pk, a.pk]


def _cli(user, path):
    out = StringIO()
    job = run_import_cli(kind="entities", path=path, actor=user, stdout=out)
    job.refresh_from_db()
    return job, out.getvalue()
