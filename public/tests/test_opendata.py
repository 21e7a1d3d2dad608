"""Open data (CSV with BOM, JSON), the Atom feed, the certificate download and the verifier run
exactly as the 如何核验抽取结果 page tells a visitor to run it."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from public.privacy import public_name

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def download(client, name, *args, fmt, query=""):
    sep = "&" if query else "?"
    response = client.get(reverse(f"public:{name}", args=args) + query + f"{sep}format={fmt}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60"
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    return b"".join(response.streaming_content)


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_result_notice_as_csv_and_json(world, client):
    w = world
    key = w["sheet"].entity_key
    rows = csv_rows(download(client, "task_results", w["task"].pk, fmt="csv"))
    assert rows[0] == [
        "表号",
        "检查对象名称",
        "统一社会信用代码/注册号",
        "检查完成日期",
        "检查结果",
        "分项结果",
        "更正",
    ]
    correction = w["published"].corrections.get(state="published")
    assert rows[1:] == [
        [
            w["sheet"].sheet_number,
            "张**小吃部",
            key,
            "2026-11-20",
            "未发现问题",
            "、".join(
                [
                    "宽城县市场监督管理局·营业执照公示情况：未发现问题",
                    "宽城县市场监督管理局·食品经营许可：未发现问题",
                    "宽城县旅游和文化广电局·网吧接纳未成年人：未发现问题",
                ]
            ),
            f"{correction.reviewed_at.date().isoformat()} 宽城县市场监督管理局·营业执照公示情况："
            "原结果“未按规定公示应当公示的信息”更正为“未发现问题”，"
            "更正原因：企业已于检查前公示年报，系系统同步延迟",
        ]
    ]
    doc = json.loads(download(client, "task_results", w["task"].pk, fmt="json"))
    assert doc["title"] == "2026年网吧联合抽查 检查结果公告"
    assert [f["key"] for f in doc["fields"]] == [
        "sheet_number",
        "name",
        "key",
        "completed_on",
        "result",
        "items",
        "corrections",
    ]
    assert len(doc["rows"]) == 1
    row = doc["rows"][0]
    assert (row["name"], row["key"], row["completed_on"], row["result"]) == (
        "张**小吃部",
        key,
        "2026-11-20",
        "未发现问题",
    )
    assert len(row["items"]) == 3 and len(row["corrections"]) == 1


def test_every_list_downloads(world, client):
    w = world
    lists = csv_rows(download(client, "lists", fmt="csv"))
    assert lists[0][:4] == ["清单名称", "清单类别", "所属部门", "版本号"]
    market = [r for r in lists[1:] if r[0] == "宽城县市场监督管理局抽查事项清单"]
    assert [(r[3], r[5], r[7]) for r in market] == [
        ("2", "现行版本", "新增食品经营许可事项"),
        ("1", "已被替代", ""),
    ]
    items = json.loads(download(client, "list_version", w["lists"]["current"].pk, fmt="json"))
    assert [r["name"] for r in items["rows"]] == ["营业执照公示情况", "食品经营许可"]
    plans = csv_rows(download(client, "plans", fmt="csv"))
    assert [(r[3], r[4], r[5], r[7]) for r in plans[1:]] == [
        ("2", "2026年度随机抽查工作计划", "已公示", "增加网吧联合抽查批次"),
        ("1", "2026年度随机抽查工作计划", "已调整（旧版本）", ""),
    ]
    batches = json.loads(download(client, "plan_detail", w["plans"]["plan"].pk, fmt="json"))
    assert [(r["version"], r["name"]) for r in batches["rows"]] == [
        (2, "第一批食品经营抽查"),
        (2, "第二批网吧联合抽查"),
        (1, "第一批食品经营抽查"),
    ]
    tasks = csv_rows(download(client, "tasks", fmt="csv"))
    assert sorted(r[1] for r in tasks[1:]) == ["2026年网吧联合抽查", "2026年食品经营单部门抽查"]
    assert all(r[6].startswith("http://testserver/public/tasks/") for r in tasks[1:])
    results = csv_rows(download(client, "results", fmt="csv"))
    assert [r[1] for r in results[1:]] == ["2026年网吧联合抽查"]
    drawn = json.loads(download(client, "task_detail", w["task"].pk, fmt="json"))
    expected = [
        (a.sheet_number, public_name(a.entity), a.entity_key)
        for a in w["draw"].assignments.select_related("entity").order_by("sheet_number")
    ]
    assert [(r["sheet_number"], r["name"], r["key"]) for r in drawn["rows"]] == expected
    entity = json.loads(download(client, "entity_detail", w["sheet"].entity_key, fmt="json"))
    assert [(r["task"], r["result"]) for r in entity["rows"]] == [
        ("2026年网吧联合抽查", "未发现问题")
    ]
    # Filtering by department narrows the download as it narrows the page.
    culture = w["parts"]["culture"].department_id
    lists = csv_rows(download(client, "lists", fmt="csv", query=f"?region=130827&dept={culture}"))
    assert {r[0] for r in lists[1:]} == {"宽城县旅游和文化广电局抽查事项清单"}


def test_atom_feed_lists_new_notices(world, client):
    response = client.get(reverse("public:feed"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    categories = {
        e.findtext(f"{ATOM}title"): e.find(f"{ATOM}category").get("term") for e in entries
    }
    expected = {
        "宽城县市场监督管理局：2026年度随机抽查工作计划": "抽查计划",
        "宽城县市场监督管理局：2026年度随机抽查工作计划（第 2 版，调整原因：增加网吧联合抽查批次）": (
            "抽查计划"
        ),
        "抽查任务公告：2026年网吧联合抽查（宽城县市场监督管理局）": "抽查任务公告",
        "抽查任务公告：2026年食品经营单部门抽查（宽城县市场监督管理局）": "抽查任务公告",
        "抽取结果作废：2026年食品经营单部门抽查": "抽取作废",
        "检查结果公示：2026年网吧联合抽查": "检查结果公告",
        "检查结果更正：2026年网吧联合抽查": "检查结果更正",
        "宽城县市场监督管理局抽查事项清单（第 2 版）": "抽查事项清单",
        "宽城县市场监督管理局抽查事项清单（第 1 版）": "抽查事项清单",
    }
    for title, term in expected.items():
        assert title in titles, title
        assert categories[title] == term
    assert not [t for t in titles if "不应公示" in t]
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(ids) == len(set(ids))
    links = {e.findtext(f"{ATOM}title"): e.find(f"{ATOM}link").get("href") for e in entries}
    task = world["task"]
    assert links["检查结果公示：2026年网吧联合抽查"] == (
        f"http://testserver/public/tasks/{task.pk}/results/"
    )
    # Per region: a region without anything has an empty feed; an unknown one is 404.
    empty = ET.fromstring(client.get(reverse("public:feed") + "?region=130822").content)
    assert empty.findall(f"{ATOM}entry") == []
    assert client.get(reverse("public:feed") + "?region=77").status_code == 404


def run_instructions(zip_bytes: bytes, folder: Path) -> subprocess.CompletedProcess[str]:
    """What the 如何核验抽取结果 page says: unzip, then `python3 verify.py certificate.json .`
    inside the folder (sys.executable stands in for python3: same interpreter family)."""
    folder.mkdir()
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        archive.extractall(folder)
    return subprocess.run(
        [sys.executable, "verify.py", "certificate.json", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "SUIJI_VERIFY_WORKERS": "1"},
        check=False,
    )


def test_the_verification_instructions_work_on_a_real_certificate(world, client, tmp_path):
    w = world
    page = client.get(reverse("public:how_to_verify")).content.decode()
    assert "<code>python3 verify.py certificate.json .</code>" in page
    for draw in [w["draw"], w["single"]["voided"], w["single"]["redraw"]]:
        draw.refresh_from_db()
        response = client.get(reverse("public:certificate", args=[draw.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert response["Cache-Control"] == "public, max-age=60"
        done = run_instructions(response.content, tmp_path / draw.draw_id)
        assert done.returncode == 0, done.stdout + done.stderr
        lines = done.stdout.strip().splitlines()
        assert lines[-1].startswith("结论 VERDICT: 通过 PASS (all ")
        # The digest the task page published before the draw is the one the verifier derives.
        assert f"通过 PASS  manifest_digest: {draw.manifest_sha256}" in lines
    # The separately downloadable verify.py is the one inside the zip.
    alone = b"".join(client.get(reverse("public:verify_py")).streaming_content)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.read("verify.py") == alone


def test_a_tampered_certificate_fails_the_same_instructions(world, client, tmp_path):
    draw = world["draw"]
    data = client.get(reverse("public:certificate", args=[draw.pk])).content
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "certificate.json":
                doc = json.loads(content)
                first, second = doc["assignments"][0], doc["assignments"][1]
                first["group"], second["group"] = second["group"], first["group"]
                if first["group"] == second["group"]:
                    first["uscc"] = second["uscc"]
                content = json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()
            dst.writestr(info.filename, content)
    done = run_instructions(buffer.getvalue(), tmp_path / "tampered")
    assert done.returncode == 1
    assert re.search(r"结论 VERDICT: 失败 FAIL", done.stdout)


def test_times_in_downloads_are_beijing_time_as_on_the_pages():
    import datetime as dt

    from public.opendata import _json_value, _text

    moment = dt.datetime(2026, 11, 26, 15, 16, 21, tzinfo=dt.UTC)
    assert _text(moment) == "2026-11-26T23:16:21+08:00"
    assert _json_value({"at": moment}) == {"at": "2026-11-26T23:16:21+08:00"}
