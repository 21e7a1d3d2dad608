"""A visitor on the public site (no login): finds an entity by its USCC and sees its published
results, downloads the task's certificate and the verifier, follows 如何核验抽取结果 and gets a
PASS; the search page works on a phone screen."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import zipfile
from pathlib import Path

import pytest

from public.tests.conftest import (  # noqa: F401  (fixtures)
    joint,
    media,
    world,
)

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SUIJI_E2E_SHOTS", "var/e2e"))


def test_visitor_finds_results_and_verifies_the_draw(
    live_server,
    transactional_db,
    world,  # noqa: F811
    page,
    tmp_path,
):
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    key = world["sheet"].entity_key

    page.goto(f"{base}/public/")
    assert page.locator("h1").inner_text() == "宽城满族自治县“双随机、一公开”公示"
    page.get_by_label("查询企业（个体工商户）抽查检查结果").fill(key)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"{base}/public/entities/{key}/")
    assert page.locator("h1").inner_text() == "张**小吃部"
    results = page.locator("table.results tbody tr")
    assert results.count() == 1
    row = results.first.inner_text()
    assert "2026年网吧联合抽查" in row and "2026-11-20" in row and "未发现问题" in row
    assert "更正原因：企业已于检查前公示年报，系系统同步延迟" in row
    assert "张大伟" not in page.content()
    page.screenshot(path=str(SHOTS / "public-entity.png"), full_page=True)

    # The task notice: certificate and verifier downloads.
    page.get_by_role("link", name="2026年网吧联合抽查").click()
    assert page.locator("h1").inner_text() == "2026年网吧联合抽查 抽查任务公告"
    digest = world["draw"].manifest_sha256
    assert digest in page.locator("main").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="下载抽取证书（certificate.zip）").click()
    archive = tmp_path / info.value.suggested_filename
    info.value.save_as(archive)
    with page.expect_download() as info:
        page.get_by_role("link", name="下载验证程序 verify.py").click()
    verifier = tmp_path / "verify.py"
    info.value.save_as(verifier)

    # The instructions page: unzip, then run the command it shows, in the unzipped folder.
    page.get_by_role("link", name="如何核验抽取结果").first.click()
    assert page.locator("h1").inner_text() == "如何核验抽取结果"
    commands = page.locator("ol.steps pre code").all_inner_texts()
    command = next(c for c in commands if c.startswith("python3 verify.py"))
    assert command == "python3 verify.py certificate.json ."
    folder = tmp_path / "证书"
    folder.mkdir()
    with zipfile.ZipFile(archive) as z:
        z.extractall(folder)
    assert (folder / "verify.py").read_bytes() == verifier.read_bytes()
    done = subprocess.run(
        shlex.split(command),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout.strip().splitlines()
    assert re.fullmatch(r"结论 VERDICT: 通过 PASS \(all \d+ checks passed\)", out[-1])
    assert f"通过 PASS  manifest_digest: {digest}" in out


def test_search_page_on_a_phone(live_server, transactional_db, world, page):  # noqa: F811
    base = live_server.url
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{base}/public/search/?q=示例商贸")
    box = page.get_by_label("统一社会信用代码、注册号或名称")
    assert box.is_visible()
    width = box.bounding_box()["width"]
    assert 200 <= width <= 375
    # Nothing wider than the screen: no sideways scrolling of the page itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.get_by_role("link", name="宽城县示例商贸有限公司").is_visible()
    # The menu wraps and stays reachable; the button is a comfortable touch target.
    assert page.get_by_role("link", name="企业查询").is_visible()
    assert page.get_by_role("button", name="查询").bounding_box()["height"] >= 44
    # Keyboard: the skip link is the first stop and leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.screenshot(path=str(SHOTS / "public-search-phone.png"), full_page=True)
