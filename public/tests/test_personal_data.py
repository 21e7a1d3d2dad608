"""No personal data on any public response: every page, every download (CSV, JSON), the feed,
the big screen's data and the certificate zip are fetched with ID numbers, phones, addresses
and operator names planted in the registry and the sheets (see conftest.PERSONAL)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from .conftest import OPERATOR, PERSONAL

pytestmark = pytest.mark.django_db


def public_urls(w) -> list[str]:
    r = reverse
    entity_keys = [a.entity_key for a in w["draw"].assignments.all()]
    pages = [
        r("public:home"),
        r("public:lists"),
        r("public:list_version", args=[w["lists"]["current"].pk]),
        r("public:list_version", args=[w["lists"]["old"].pk]),
        r("public:plans"),
        r("public:plan_detail", args=[w["plans"]["plan"].pk]),
        r("public:tasks"),
        r("public:results"),
        r("public:task_detail", args=[w["task"].pk]),
        r("public:task_detail", args=[w["single"]["task"].pk]),
        r("public:task_results", args=[w["task"].pk]),
        r("public:task_results", args=[w["single"]["task"].pk]),
        r("public:how_to_verify"),
        r("public:search") + "?q=宽城",
        r("public:search") + "?q=小吃部",
        r("public:search") + "?q=李小",
        r("public:search") + "?q=9213",
        r("public:screen"),
        r("public:screen_data"),
        *(r("public:entity_detail", args=[k]) for k in entity_keys),
    ]
    downloads = [
        p + ("&" if "?" in p else "?") + f"format={fmt}"
        for p in pages
        if "search" not in p and "screen" not in p and "verify" not in p
        for fmt in ("csv", "json")
    ]
    return pages + downloads + [r("public:feed"), r("public:feed") + "?region=130827"]


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


def test_no_personal_data_in_any_public_response(world, client):
    w = world
    seen_masked = 0
    for url in public_urls(w):
        response = client.get(url)
        assert response.status_code == 200, url
        content = body(response)
        for secret in PERSONAL:
            assert secret not in content, (url, secret)
        seen_masked += "张**小吃部" in content
    # The planted entities are really on the pages (masked), so the test can fail.
    assert seen_masked >= 8
    # The certificate zips: identifiers and grades only, no names or contacts of anyone.
    for draw in [w["draw"], w["single"]["voided"], w["single"]["redraw"]]:
        data = client.get(reverse("public:certificate", args=[draw.pk])).content
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                content = archive.read(name).decode("utf-8")
                for secret in PERSONAL:
                    assert secret not in content, (draw.draw_id, name, secret)


def test_the_search_does_not_find_an_entity_by_its_operators_name(world, client):
    """Searching the operator's name must not reveal the masked entity under it either."""
    content = client.get(reverse("public:search"), {"q": OPERATOR}).content.decode()
    assert "张**小吃部" not in content
    assert f"没有找到“{OPERATOR}”" in content
    # Its own name still finds it, masked.
    content = client.get(reverse("public:search"), {"q": "小吃部"}).content.decode()
    assert "张**小吃部" in content and OPERATOR not in content
