"""Evidence uploads (content sniffing, size), corrections of published results, follow-ups."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from inspections import services, uploads
from inspections.models import (
    CorrectionState,
    Evidence,
    FollowUp,
    FollowUpStatus,
    SheetState,
)
from inspections.selectors import sheet_categories

from .conftest import PDF, PNG, D, category, fill_sheet, upload


def stored_files():
    root = Path(settings.MEDIA_ROOT) / "evidence"
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "a.JPG", "jpg"),
        (b"\xff\xd8\xff\xe1" + b"\x00" * 20, "a.jpeg", "jpg"),
        (PNG, "照片.png", "png"),
        (PDF, "笔录.pdf", "pdf"),
        (b"ID3\x03\x00" + b"\x00" * 20, "录音.mp3", "mp3"),
        (b"\xff\xfb\x90\x00" + b"\x00" * 20, "录音.mp3", "mp3"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00" + b"\x00" * 20, "录音.m4a", "m4a"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00" + b"\x00" * 20, "视频.mp4", "mp4"),
    ],
)
def test_allowed_types_are_read_from_the_content(content, name, kind):
    assert uploads.check(name, len(content), content[:16])[0] == kind


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 20, "照片.jpg", uploads.TYPE_ERROR),
        (PNG, "照片.exe", uploads.TYPE_ERROR),
        (b"GIF89a" + b"\x00" * 20, "动图.gif", uploads.TYPE_ERROR),
        (PDF, "照片.jpg", "文件内容与扩展名不符（文件内容是 PDF），请上传原始文件。"),
        (b"", "空.png", "文件是空的，请重新选择。"),
    ],
)
def test_refused_uploads_store_nothing(joint, content, name, message):
    j = joint
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(
            actor=j["leader"],
            assignment=j["sheet"],
            name=name,
            size=len(content),
            stream=io.BytesIO(content),
        )
    assert exc.value.messages == [message]
    assert not Evidence.objects.exists()
    assert stored_files() == []
    assert AuditEntry.objects.count() == before


def test_type_error_message_is_exact():
    assert (
        uploads.TYPE_ERROR
        == "不支持的文件类型：只能上传 jpg、jpeg、png、pdf、mp3、m4a、mp4 格式的文件。"
    )
    assert uploads.SIZE_ERROR == "文件过大：单个文件不能超过 20 MB。"


def test_too_large_is_refused_even_if_the_declared_size_lies(joint, monkeypatch):
    j = joint
    monkeypatch.setattr(uploads, "MAX_EVIDENCE_BYTES", 100)
    big = PNG + b"\x00" * 200
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(actor=j["leader"], assignment=j["sheet"], **upload(big))
    assert exc.value.messages == ["文件过大：单个文件不能超过 20 MB。"]
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(
            actor=j["leader"],
            assignment=j["sheet"],
            name="a.png",
            size=10,
            stream=io.BytesIO(big),
        )
    assert exc.value.messages == ["文件过大：单个文件不能超过 20 MB。"]
    assert not Evidence.objects.exists()
    assert stored_files() == []


def test_evidence_is_stored_with_its_digest(joint):
    import hashlib

    j = joint
    evidence = services.evidence_add(actor=j["leader"], assignment=j["sheet"], **upload())
    digest = hashlib.sha256(PNG).hexdigest()
    assert (evidence.kind, evidence.content_type, evidence.size, evidence.sha256) == (
        "png",
        "image/png",
        len(PNG),
        digest,
    )
    assert evidence.path == f"evidence/{digest[:2]}/{digest}.png"
    assert uploads.absolute(evidence.path).read_bytes() == PNG
    entry = AuditEntry.objects.filter(action="result.evidence_add").get()
    assert entry.after["sha256"] == digest


def test_outsiders_cannot_upload(joint, people):
    j = joint
    for actor in (j["other_market"], j["market_rev"], people["kc_market_insp"]):
        with pytest.raises(PermissionDenied):
            services.evidence_add(actor=actor, assignment=j["sheet"], **upload())
    assert not Evidence.objects.exists()


def published(j, problem=True):
    fill_sheet(j, problem=problem)
    sheet = services.sheet_submit(actor=j["leader"], assignment=j["sheet"])
    services.sheet_review(actor=j["market_rev"], sheet=sheet, approve=True)
    return services.sheet_publish(actor=j["market_rev"], sheet=sheet)


def test_a_correction_is_reviewed_then_shown_beside_the_original(joint, make_user):
    j = joint
    sheet = published(j)
    result = sheet.items.get(part=j["parts"]["market"], item__position=1)
    assert sheet_categories(sheet) == ["未发现问题", "未按规定公示应当公示的信息"]
    # The culture department cannot correct the market department's item.
    with pytest.raises(PermissionDenied):
        services.correction_create(
            actor=j["culture_rev"], item_result=result, reason="x", categories=[category("1")]
        )
    with pytest.raises(ValidationError) as exc:
        services.correction_create(actor=j["leader"], item_result=result, reason=" ", categories=[])
    assert exc.value.message_dict == {
        "reason": ["请写明更正原因"],
        "categories": ["请选择更正后的检查结果"],
    }
    correction = services.correction_create(
        actor=j["leader"],
        item_result=result,
        reason="企业已于检查前公示年报，系系统同步延迟",
        categories=[category("1")],
    )
    assert correction.state == CorrectionState.SUBMITTED
    with pytest.raises(ValidationError, match="已有待审核的更正"):
        services.correction_create(
            actor=j["leader"], item_result=result, reason="再次", categories=[category("1")]
        )
    # Not yet published: the result is unchanged.
    assert services.effective_item(result)[0] == [category("B")]
    with pytest.raises(PermissionDenied):
        services.correction_review(actor=j["culture_rev"], correction=correction, approve=True)
    reviewer2 = make_user("market_rev2", "kc_market", "reviewer")
    correction = services.correction_review(actor=reviewer2, correction=correction, approve=True)
    assert correction.state == CorrectionState.PUBLISHED
    categories, problems = services.effective_item(result)
    assert (categories, problems) == ([category("1")], "")
    # The original stays as it was.
    result.refresh_from_db()
    assert list(result.categories.all()) == [category("B")]
    assert result.problems == "未按规定公示年度报告"
    sheet.refresh_from_db()
    assert sheet.state == SheetState.PUBLISHED
    assert sheet_categories(sheet) == ["未发现问题"]
    assert list(
        AuditEntry.objects.filter(object_type="inspections.resultcorrection")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["result.correction_create", "result.correction_publish"]


def test_nobody_reviews_their_own_correction_and_rejection_needs_a_reason(joint):
    j = joint
    sheet = published(j)
    result = sheet.items.get(part=j["parts"]["market"], item__position=1)
    correction = services.correction_create(
        actor=j["market_rev"],
        item_result=result,
        reason="笔误",
        categories=[category("E")],
        problems="未按规定公示年度报告，已责令改正",
    )
    with pytest.raises(PermissionDenied, match="不能审核自己"):
        services.correction_review(actor=j["market_rev"], correction=correction, approve=True)
    correction.refresh_from_db()
    assert correction.state == CorrectionState.SUBMITTED


def test_corrections_only_after_publication(joint):
    j = joint
    fill_sheet(j, problem=True)
    from inspections.models import ItemResult

    result = ItemResult.objects.filter(part=j["parts"]["market"])[0]
    with pytest.raises(ValidationError, match="直接修改"):
        services.correction_create(
            actor=j["leader"], item_result=result, reason="x", categories=[category("1")]
        )


def test_follow_up_from_open_to_closed(joint, people):
    j = joint
    sheet = published(j)
    result = sheet.items.get(part=j["parts"]["market"], item__position=1)
    clean = sheet.items.get(part=j["parts"]["market"], item__position=2)
    due = timezone.localdate() + dt.timedelta(days=15)
    with pytest.raises(ValidationError, match="未发现问题"):
        services.followup_open(
            actor=j["market_rev"], item_result=clean, kind="rectify", description="x", due_on=due
        )
    for actor in (j["culture_rev"], j["leader"], people["cd_market_admin"]):
        with pytest.raises(PermissionDenied):
            services.followup_open(
                actor=actor, item_result=result, kind="rectify", description="x", due_on=due
            )
    assert not FollowUp.objects.exists()
    followup = services.followup_open(
        actor=j["market_rev"],
        item_result=result,
        kind="rectify",
        description="责令 15 日内补报 2025 年度报告",
        due_on=due,
    )
    assert (
        followup.status == FollowUpStatus.OPEN
        and followup.department == j["parts"]["market"].department
    )
    services.followup_update(actor=j["market_rev"], followup=followup, text="已电话督促")
    assert [n.text for n in followup.notes.all()] == ["已电话督促"]
    with pytest.raises(ValidationError) as exc:
        services.followup_close(actor=j["market_rev"], followup=followup, note="")
    assert exc.value.messages == [
        "请填写办结情况；办结须上传处置结果材料（如整改报告、立案决定书、移送函）"
    ]
    services.evidence_add(
        actor=j["market_rev"],
        assignment=j["sheet"],
        followup=followup,
        **upload(PDF, "整改报告.pdf"),
    )
    followup = services.followup_close(
        actor=j["market_rev"], followup=followup, note="企业已补报年报并公示"
    )
    assert followup.status == FollowUpStatus.CLOSED and followup.closed_by == j["market_rev"]
    with pytest.raises(ValidationError, match="已办结"):
        services.followup_update(actor=j["market_rev"], followup=followup, text="x")
    with pytest.raises(ValidationError, match="已办结"):
        services.evidence_add(
            actor=j["market_rev"], assignment=j["sheet"], followup=followup, **upload()
        )
    assert list(
        AuditEntry.objects.filter(object_type="inspections.followup")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["result.followup_open", "result.followup_update", "result.followup_close"]
    # The published result itself did not change.
    sheet.refresh_from_db()
    assert sheet.state == SheetState.PUBLISHED
    assert D(2026, 11, 20) == sheet.completed_on
