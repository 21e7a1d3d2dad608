"""The organiser's path through the pages, and the doors others find closed."""

import io
import subprocess
import sys
import zipfile

import pytest
from django.urls import reverse

from planning.models import Draw, DrawStatus, InspectionTask, TaskKind


def _setup_task(client, people, depts):
    client.force_login(people["kc_market_org"])
    response = client.post(
        reverse("planning:task_create"),
        {
            "name": "网吧专项抽查",
            "kind": TaskKind.SINGLE,
            "lead_department": depts["kc_market"].pk,
            "window_start": "2026-12-01",
            "window_end": "2026-12-31",
            "inspectors_per_group": 2,
            "result_deadline_workdays": 5,
            "notes": "",
        },
    )
    assert response.status_code == 302
    task = InspectionTask.objects.get()
    response = client.post(
        reverse("planning:task_strata", args=[task.pk]),
        {
            "A_0_ratio": "10",
            "B_0_ratio": "10",
            "C_0_ratio": "20",
            "D_0_ratio": "50",
            "E_0_count": "4",
        },
    )
    assert response.status_code == 302
    return task


def test_organiser_runs_a_ceremony_through_the_pages(client, people, depts, county, tmp_path):
    task = _setup_task(client, people, depts)
    preview = client.get(reverse("planning:task_preview", args=[task.pk])).content.decode()
    assert "将组成 3 个检查组" in preview
    response = client.post(
        reverse("planning:draw_commit", args=[task.pk]),
        {
            "as_of": "2026-11-26",
            "name_0": "王公证",
            "role_0": "notary",
            "org_0": "县公证处",
            "name_1": "李监督",
            "role_1": "supervisor",
            "org_1": "县司法局",
        },
    )
    draw = Draw.objects.get()
    assert response["Location"] == reverse("planning:draw_detail", args=[draw.pk])
    page = client.get(response["Location"]).content.decode()
    assert draw.manifest_sha256 in page and draw.server_nonce not in page
    for witness, digits in zip(draw.witnesses.order_by("id"), ["314159", "271828"], strict=True):
        client.post(
            reverse("planning:draw_digits", args=[draw.pk]),
            {"witness": witness.pk, "digits": digits},
        )
    response = client.post(reverse("planning:draw_run", args=[draw.pk]))
    assert response.status_code == 302
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN
    page = client.get(reverse("planning:draw_detail", args=[draw.pk])).content.decode()
    assert "一企一表（13 户）" in page
    archive = client.get(reverse("planning:draw_certificate", args=[draw.pk]))
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        z.extractall(tmp_path)
        assert {"certificate.json", "verify.py", "README.txt", "candidates.csv"} <= set(
            z.namelist()
        )
    result = subprocess.run(
        [sys.executable, "verify.py", "certificate.json", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:]


@pytest.mark.parametrize("viewer", ["kc_culture_admin", "xl_market_admin", "kc_market_insp"])
def test_other_users_cannot_change_the_task(client, people, depts, county, viewer):
    task = _setup_task(client, people, depts)
    client.force_login(people[viewer])
    status = client.post(
        reverse("planning:task_strata", args=[task.pk]), {"A_0_ratio": "100"}
    ).status_code
    assert status in {403, 404}
    status = client.post(
        reverse("planning:draw_commit", args=[task.pk]),
        {
            "as_of": "2026-11-26",
            "name_0": "甲",
            "role_0": "notary",
            "name_1": "乙",
            "role_1": "notary",
        },
    ).status_code
    assert status in {403, 404}
    assert Draw.objects.count() == 0
    assert [r.ratio_bp for r in task.strata.order_by("grade")] == [1000, 1000, 2000, 5000, None]


def test_upper_level_reads_but_cannot_draw(client, people, depts, county):
    task = _setup_task(client, people, depts)
    client.force_login(people["cd_market_admin"])
    assert client.get(reverse("planning:task_detail", args=[task.pk])).status_code == 200
    assert client.get(reverse("planning:draw_commit", args=[task.pk])).status_code == 403
