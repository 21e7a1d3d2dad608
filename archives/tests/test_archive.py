"""立卷归档: the archive of a small joint task (conftest fixtures of inspections), its exact file
list, the manifest, a tampered evidence file, the audit excerpt, scope denials."""

import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from archives import services
from archives.models import Archive
from audit import chain
from audit.models import AuditEntry
from inspections import services as results
from inspections.models import Evidence, FollowUp
from inspections.tests.conftest import (  # noqa: F401  (fixtures)
    PDF,
    PNG,
    D,
    category,
    fill_sheet,
    joint,
    media,
    upload,
)
from planning import services as planning

ROOT_SUFFIX = "-立卷归档"


@pytest.fixture
def worked(joint, people):  # noqa: F811
    """Sheet A: entered with a refusal to sign and a photo, submitted, approved, published,
    corrected (approved by another culture reviewer), a follow-up opened and closed. The
    other sheets stay untouched (so the task is still 未结案)."""
    j = joint
    a = j["sheet"]
    fill_sheet(j, problem=True)
    results.evidence_add(actor=j["leader"], assignment=a, **upload())
    results.sheet_submit(actor=j["leader"], assignment=a)
    sheet = a.result
    results.sheet_review(actor=j["market_rev"], sheet=sheet, approve=True)
    results.sheet_publish(actor=j["market_rev"], sheet=sheet)
    culture_item = sheet.items.get(part=j["parts"]["culture"])
    correction = results.correction_create(
        actor=j["culture_rev"],
        item_result=culture_item,
        reason="录入时选错检查结果",
        categories=[category("1")],
    )
    results.correction_review(actor=people["kc_culture_admin"], correction=correction, approve=True)
    market_item = sheet.items.get(part=j["parts"]["market"], item__position=1)
    followup = results.followup_open(
        actor=j["market_rev"],
        item_result=market_item,
        kind="rectify",
        description="责令十日内公示年度报告",
        due_on=timezone.localdate() + dt.timedelta(days=10),
    )
    results.followup_update(actor=j["market_rev"], followup=followup, text="已电话督促")
    results.evidence_add(
        actor=j["market_rev"],
        assignment=a,
        followup=followup,
        **upload(PDF, "整改报告.pdf"),
    )
    results.followup_close(actor=j["market_rev"], followup=followup, note="已按期整改并公示")
    return j


def open_zip(archive: Archive) -> zipfile.ZipFile:
    return zipfile.ZipFile(services.archive_file(archive))


def root_of(z: zipfile.ZipFile) -> str:
    return z.namelist()[0].split("/", 1)[0]


def manifest_entries(z: zipfile.ZipFile) -> dict[str, str]:
    root = root_of(z)
    text = z.read(f"{root}/MANIFEST.sha256").decode("utf-8")
    out = {}
    for line in text.splitlines():
        digest, path = line.split("  ", 1)
        out[path] = digest
    return out


def test_archive_of_a_small_task_has_exactly_these_files(worked, people):
    j = worked
    task, draw = j["task"], j["draw"]
    archive = services.archive_generate(actor=j["market_rev"], task=task)
    root = f"{task.number}{ROOT_SUFFIX}"
    assignments = list(draw.assignments.order_by("sheet_number"))
    assert len(assignments) == 5
    cert = f"01-抽取证书/{draw.draw_id}"
    evidence = list(Evidence.objects.order_by("pk"))
    sheet_number = j["sheet"].sheet_number
    expected = sorted(
        [
            "MANIFEST.sha256",
            "manifest.json",
            "index.html",
            "目录.txt",
            "校验说明.txt",
            f"{cert}/README.txt",
            f"{cert}/certificate.json",
            f"{cert}/verify.py",
            *[f"{cert}/{name}" for name in sorted(planning_files(draw))],
            *[
                f"02-一企一表与通知书/一企一表/{a.sheet_number}-{a.entity.name}.pdf"
                for a in assignments
            ],
            *[
                f"02-一企一表与通知书/通知书/{a.sheet_number}-{a.entity.name}.pdf"
                for a in assignments
            ],
            "03-检查结果/检查结果.xlsx",
            "03-检查结果/results.json",
            f"04-证据材料/{sheet_number}/{evidence[0].pk}-现场照片.png",
            f"04-证据材料/{sheet_number}/{evidence[1].pk}-整改报告.pdf",
            "05-后续处置/后续处置.xlsx",
            "05-后续处置/followups.json",
            "06-履职记录/履职记录.xlsx",
            "06-履职记录/accountability.json",
            "07-行为日志/audit-excerpt.jsonl",
            "07-行为日志/verify_audit.py",
            "07-行为日志/说明.txt",
        ]
    )
    with open_zip(archive) as z:
        names = sorted(n.removeprefix(f"{root}/") for n in z.namelist())
        assert all(n.startswith(f"{root}/") for n in z.namelist())
        assert names == expected
        index = z.read(f"{root}/目录.txt").decode("utf-8")
        assert "案卷状态：未结案" in index
        for a in assignments[1:]:
            assert f"检查表 {a.sheet_number} {a.entity.name}：未录入" in index
        data = json.loads(z.read(f"{root}/03-检查结果/results.json"))
        sheet = data["sheets"][0]
        assert sheet["sheet_number"] == sheet_number
        assert sheet["state_label"] == "已公示"
        assert sheet["signature"]["refusal_witness"] == "村委会主任 张三"
        culture = [i for i in sheet["items"] if i["item"] == "网吧接纳未成年人"][0]
        assert [c["state_label"] for c in culture["corrections"]] == ["已更正公示"]
        followups = json.loads(z.read(f"{root}/05-后续处置/followups.json"))["followups"]
        assert [(f["status"], f["closing_note"]) for f in followups] == [
            ("已完结", "已按期整改并公示")
        ]
        assert [n["text"] for n in followups[0]["notes"]] == ["已电话督促"]
        photo = z.read(f"{root}/04-证据材料/{sheet_number}/{evidence[0].pk}-现场照片.png")
        assert photo == PNG
    assert archive.counts == {
        "draws": 1,
        "sheets": 5,
        "results": 1,
        "published": 1,
        "documents": 10,
        "corrections": 1,
        "followups": 1,
        "followups_open": 0,
        "evidence": 2,
        "evidence_problems": 0,
        "audit_entries": archive.counts["audit_entries"],
        "files": len(expected),
    }
    assert archive.is_closed is False
    assert archive.sha256 == hashlib.sha256(services.archive_file(archive).read_bytes()).hexdigest()
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "archive.generate"
    assert entry.object_id == str(archive.pk)
    assert entry.after["sha256"] == archive.sha256
    assert entry.after["manifest_sha256"] == archive.manifest_sha256


def planning_files(draw) -> list[str]:
    from planning.draw_bridge import load_files

    return list(load_files(draw.files_dir))


def test_manifest_lists_every_file_and_every_hash_checks_out(worked, tmp_path):
    j = worked
    archive = services.archive_generate(actor=j["market_rev"], task=j["task"])
    with open_zip(archive) as z:
        root = root_of(z)
        entries = manifest_entries(z)
        files = {n.removeprefix(f"{root}/") for n in z.namelist()}
        assert set(entries) == files - {"MANIFEST.sha256"}
        for path, digest in entries.items():
            assert hashlib.sha256(z.read(f"{root}/{path}")).hexdigest() == digest, path
        manifest_bytes = z.read(f"{root}/MANIFEST.sha256")
        assert hashlib.sha256(manifest_bytes).hexdigest() == archive.manifest_sha256
        doc = json.loads(z.read(f"{root}/manifest.json"))
        assert {f["path"] for f in doc["files"]} == files - {"MANIFEST.sha256", "manifest.json"}
        for f in doc["files"]:
            data = z.read(f"{root}/{f['path']}")
            assert (len(data), hashlib.sha256(data).hexdigest()) == (f["size"], f["sha256"])
        z.extractall(tmp_path)
    folder = tmp_path / root
    if shutil.which("sha256sum"):
        run = subprocess.run(
            ["sha256sum", "-c", "--quiet", "MANIFEST.sha256"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stdout + run.stderr
    # The python3 one-liner of 校验说明.txt, verbatim.
    readme = (folder / "校验说明.txt").read_text(encoding="utf-8")
    one_liner = next(line.strip() for line in readme.splitlines() if "python3 -c" in line)
    code = one_liner.split('"', 1)[1].rsplit('"', 1)[0]
    run = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True)
    assert run.stdout.strip() == "全部一致"
    # The certificate verifies on its own, as certificate.zip does.
    draw_folder = folder / "01-抽取证书" / j["draw"].draw_id
    run = subprocess.run(
        [sys.executable, "verify.py", "certificate.json", "."],
        cwd=draw_folder,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout
    # A changed byte shows up.
    target = folder / "03-检查结果" / "results.json"
    target.write_bytes(target.read_bytes().replace(b"\xe5\xb7\xb2", b"\xe6\x9c\xaa", 1))
    run = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True)
    assert run.stdout.strip() == "不一致：03-检查结果/results.json"


def test_tampered_evidence_is_reported_and_not_archived(worked):
    j = worked
    photo = Evidence.objects.get(original_name="现场照片.png")
    stored = Path(services.uploads.absolute(photo.path))
    stored.write_bytes(PNG + b"tampered")
    archive = services.archive_generate(actor=j["market_rev"], task=j["task"])
    actual = hashlib.sha256(PNG + b"tampered").hexdigest()
    assert archive.counts["evidence"] == 1
    assert archive.counts["evidence_problems"] == 1
    with open_zip(archive) as z:
        root = root_of(z)
        names = z.namelist()
        assert not [n for n in names if n.endswith("现场照片.png")]
        report = z.read(f"{root}/04-证据材料/校验异常.txt").decode("utf-8")
        assert (
            f"证据 #{photo.pk} 现场照片.png：登记的 SHA-256 {photo.sha256}，实际 SHA-256 {actual}"
            in report
        )
        assert "证据校验异常（未收入本卷宗）" in z.read(f"{root}/目录.txt").decode("utf-8")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.after["evidence_problems"] == [
        {"evidence": photo.pk, "sha256": photo.sha256, "actual": actual}
    ]
    # A missing file is reported the same way.
    stored.unlink()
    archive = services.archive_generate(actor=j["market_rev"], task=j["task"])
    with open_zip(archive) as z:
        report = z.read(f"{root_of(z)}/04-证据材料/校验异常.txt").decode("utf-8")
    assert "文件缺失；未收入本卷宗" in report


def test_audit_excerpt_holds_exactly_the_tasks_entries(worked, people, depts, scheme):
    j = worked
    # Another task's entries must stay out.
    other = planning.task_create(
        actor=people["kc_market_org"],
        lead_department=depts["kc_market"],
        name="另一个任务",
        kind="single",
        window_start=D(2026, 12, 1),
        window_end=D(2026, 12, 31),
        grading_scheme=scheme,
    )
    first = services.archive_generate(actor=j["market_rev"], task=j["task"])
    archive = services.archive_generate(actor=j["market_rev"], task=j["task"])
    c = services.Contents.load(j["task"])
    object_ids = {
        "planning.inspectiontask": {j["task"].pk},
        "planning.draw": {j["draw"].pk},
        "inspections.sheetresult": {j["sheet"].result.pk},
        "inspections.itemresult": {i.pk for i in c.items},
        "inspections.resultcorrection": {x.pk for x in c.corrections},
        "inspections.followup": {f.pk for f in FollowUp.objects.all()},
        "inspections.evidence": set(Evidence.objects.values_list("pk", flat=True)),
        "inspections.creditproposal": {p.pk for p in c.proposals},
        "archives.archive": {first.pk},
    }
    expected = [
        e.seq
        for e in AuditEntry.objects.order_by("seq")
        if int(e.object_id or 0) in object_ids.get(e.object_type, set())
    ]
    other_entry = AuditEntry.objects.get(
        object_type="planning.inspectiontask", object_id=str(other.pk)
    )
    assert other_entry.seq not in expected
    with open_zip(archive) as z:
        root = root_of(z)
        lines = z.read(f"{root}/07-行为日志/audit-excerpt.jsonl").decode("utf-8").splitlines()
        z.extractall(Path(services.archive_file(archive)).parent / "x")
    rows = [json.loads(line) for line in lines]
    assert [r["seq"] for r in rows] == expected
    assert archive.counts["audit_entries"] == len(expected)
    assert {r["action"] for r in rows} >= {
        "task.create",
        "draw.commit",
        "draw.run",
        "result.item_save",
        "result.publish",
        "result.correction_publish",
        "result.followup_close",
        "result.evidence_add",
        "archive.generate",
    }
    live = {e.seq: e for e in AuditEntry.objects.filter(seq__in=expected)}
    for r in rows:
        payload = {k: v for k, v in r.items() if k not in {"before", "after", "entry_hash"}}
        assert chain.entry_hash(payload) == r["entry_hash"] == live[r["seq"]].entry_hash
        assert r["prev_hash"] == live[r["seq"]].prev_hash
        assert chain.digest(r["after"]) == r["after_digest"]
    # The bundled checker agrees.
    folder = Path(services.archive_file(archive)).parent / "x" / root / "07-行为日志"
    run = subprocess.run(
        [sys.executable, "verify_audit.py", "audit-excerpt.jsonl"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0
    assert run.stdout.strip().endswith("全部一致，通过 PASS")


def test_a_voided_draw_keeps_its_certificate_folder(joint, people):  # noqa: F811
    j = joint
    planning.draw_void(
        actor=people["kc_market_admin"], draw=j["draw"], reason="data_error", detail="名录有误"
    )
    archive = services.archive_generate(actor=people["kc_market_admin"], task=j["task"])
    with open_zip(archive) as z:
        root = root_of(z)
        names = [n.removeprefix(f"{root}/") for n in z.namelist()]
        index = z.read(f"{root}/目录.txt").decode("utf-8")
    assert f"01-抽取证书/{j['draw'].draw_id}/certificate.json" in names
    assert f"01-抽取证书/{j['draw'].draw_id}/verify.py" in names
    assert not [n for n in names if n.startswith("02-")]
    assert f"{j['draw'].draw_id}：已作废" in index
    assert "任务没有有效的抽取结果" in index


# --- scope -------------------------------------------------------------------------------------


def nothing_changed(before_entries: int) -> None:
    assert AuditEntry.objects.count() == before_entries
    assert Archive.objects.count() == 0


@pytest.mark.parametrize(
    "username", ["xl_market_admin", "kc_justice_org", "insp_leader", "kc_culture_insp"]
)
def test_denials_create_nothing(joint, make_user, people, client, media, username):  # noqa: F811
    from conftest import PASSWORD

    j = joint
    if username == "kc_justice_org":
        make_user("kc_justice_org", "kc_justice", "organizer")
    from accounts.models import User

    user = User.objects.get(username=username)
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        services.archive_generate(actor=user, task=j["task"])
    with pytest.raises(CommandError):
        call_command("archive_task", j["task"].number, "--user", username, stdout=io.StringIO())
    client.login(username=username, password=PASSWORD)
    inspector = username in {"insp_leader", "kc_culture_insp"}
    expected = 403 if inspector else 404
    page = client.get(reverse("archives:task_archive", args=[j["task"].pk]))
    assert page.status_code == expected
    post = client.post(reverse("archives:generate", args=[j["task"].pk]))
    assert post.status_code == expected
    status = client.get(reverse("archives:status", args=[j["task"].pk]))
    assert status.status_code == expected
    listing = client.get(reverse("archives:task_list"))
    if inspector:
        assert listing.status_code == 403
    else:
        assert j["task"].number not in listing.content.decode()
    nothing_changed(before)
    assert not (Path(media) / "archives").exists()


def test_download_of_another_departments_archive_is_refused(worked, people, client, make_user):
    from conftest import PASSWORD

    j = worked
    archive = services.archive_generate(actor=j["market_rev"], task=j["task"])
    make_user("kc_justice_org", "kc_justice", "organizer")
    for username, code in [
        ("xl_market_admin", 404),
        ("kc_justice_org", 404),
        ("insp_leader", 403),
    ]:
        client.login(username=username, password=PASSWORD)
        assert client.get(reverse("archives:download", args=[archive.pk])).status_code == code
    assert Archive.objects.count() == 1


def test_page_generate_and_download_for_participant_and_city(
    worked, people, client, django_capture_on_commit_callbacks
):
    from conftest import PASSWORD

    j = worked
    # The culture bureau takes part in the joint task; the city market bureau is above.
    client.login(username="kc_culture_admin", password=PASSWORD)
    url = reverse("archives:task_archive", args=[j["task"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "未结案" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("archives:generate", args=[j["task"].pk]))
    assert response.status_code == 302
    archive = Archive.objects.get()
    assert archive.generated_by == people["kc_culture_admin"]
    status = client.get(reverse("archives:status", args=[j["task"].pk])).content.decode()
    assert archive.sha256 in status
    assert archive.sha256 in client.get(url).content.decode()
    download = client.get(reverse("archives:download", args=[archive.pk]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == archive.sha256
    assert "存储文件校验一致" in client.get(url).content.decode()
    # A stored zip changed on disk is reported on the page.
    stored = services.archive_file(archive)
    stored.write_bytes(stored.read_bytes() + b"x")
    page = client.get(url).content.decode()
    assert "存储文件缺失或与登记的 SHA-256 不符" in page and "存储文件校验一致" not in page
    client.login(username="cd_market_admin", password=PASSWORD)
    assert client.get(url).status_code == 200
    download = client.get(reverse("archives:download", args=[archive.pk]))
    assert download.status_code == 403  # generated with personal data the city may not see
    # ... and neither the job status nor the list offers the city a link it cannot use
    status = client.get(reverse("archives:status", args=[j["task"].pk])).content.decode()
    assert "含个人信息，无权下载" in status
    assert reverse("archives:download", args=[archive.pk]) not in status
    assert reverse("archives:download", args=[archive.pk]) not in client.get(url).content.decode()


def test_command_prints_the_digest(worked, people):
    out = io.StringIO()
    call_command("archive_task", worked["task"].number, "--user", "kc_market_admin", stdout=out)
    archive = Archive.objects.get()
    assert f"SHA-256 {archive.sha256}" in out.getvalue()
    assert archive.generated_by == people["kc_market_admin"]
    assert "未结案" in out.getvalue()
