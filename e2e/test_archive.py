"""立卷归档 end to end, in the demo county (宽城满族自治县): a reviewer opens the task, goes to its
archive, generates it (background job; immediate in tests), downloads it from the page, and the
test recomputes every SHA-256 of the zip against MANIFEST.sha256 and the zip's own digest
against the one the page shows; an inspector is refused."""

import hashlib
import zipfile

import pytest

from conftest import PASSWORD
from inspections.tests.conftest import fill_sheet, joint, media, upload  # noqa: F401

pytestmark = pytest.mark.e2e


def login(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def test_archive_downloads_and_its_manifest_checks_out(
    live_server,
    transactional_db,
    joint,  # noqa: F811  (the fixture imported above)
    page,
    tmp_path,
):
    from archives.models import Archive
    from inspections import services

    j = joint
    task = j["task"]
    assert task.region_id == "130827"
    # One sheet entered with a photo and a refusal to sign, then published.
    fill_sheet(j)
    services.evidence_add(actor=j["leader"], assignment=j["sheet"], **upload())
    services.sheet_submit(actor=j["leader"], assignment=j["sheet"])
    sheet = j["sheet"].result
    services.sheet_review(actor=j["market_rev"], sheet=sheet, approve=True)
    services.sheet_publish(actor=j["market_rev"], sheet=sheet)

    base = live_server.url
    login(page, base, "market_rev")
    page.goto(f"{base}/planning/tasks/{task.pk}/")
    page.locator("#content").get_by_role("link", name="立卷归档").click()
    page.wait_for_url(f"**/archives/tasks/{task.pk}/")
    assert "未结案" in page.locator("#content h2").first.inner_text()
    # The job runs inside the request in tests (immediate backend): ten PDFs take a while.
    page.set_default_timeout(120_000)
    page.get_by_role("button", name="生成卷宗").click()
    page.wait_for_url(f"**/archives/tasks/{task.pk}/")
    link = page.locator("#archive-job").get_by_role("link", name="下载卷宗")
    link.wait_for()
    page.set_default_timeout(15_000)
    shown = page.locator("td[data-sha256]").first.get_attribute("data-sha256")
    with page.expect_download() as info:
        link.click()
    target = tmp_path / "archive.zip"
    info.value.save_as(target)
    data = target.read_bytes()
    archive = Archive.objects.get()
    assert hashlib.sha256(data).hexdigest() == shown == archive.sha256

    with zipfile.ZipFile(target) as z:
        names = z.namelist()
        root = names[0].split("/", 1)[0]
        manifest = z.read(f"{root}/MANIFEST.sha256").decode("utf-8").splitlines()
        listed = {}
        for line in manifest:
            digest, path = line.split("  ", 1)
            listed[path] = digest
        files = {n.removeprefix(f"{root}/") for n in names}
        assert set(listed) == files - {"MANIFEST.sha256"}
        mismatched = [
            p for p, h in listed.items() if hashlib.sha256(z.read(f"{root}/{p}")).hexdigest() != h
        ]
        assert mismatched == []
        assert any(p.startswith("04-证据材料/") and p.endswith("现场照片.png") for p in listed)
        assert any(p.startswith("02-一企一表与通知书/一企一表/") for p in listed)
        assert "案卷状态：未结案" in z.read(f"{root}/目录.txt").decode("utf-8")

    # An inspector is refused, and nothing is generated.
    login(page, base, "insp_leader")
    response = page.goto(f"{base}/archives/tasks/{task.pk}/")
    assert response is not None and response.status == 403
    response = page.goto(f"{base}/archives/{archive.pk}/download/")
    assert response is not None and response.status == 403
    assert Archive.objects.count() == 1
