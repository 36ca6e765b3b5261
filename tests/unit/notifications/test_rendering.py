"""Notice templates: six languages from gettext catalogues, content-free, Arabic right to left."""

from __future__ import annotations

import pytest

from casework.notifications.rendering import (
    LANGUAGES,
    MILESTONE_SUBSTANCE,
    milestone_substance,
    render_alert,
    render_notice,
)

PORTAL = "https://casework.example/portal"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_a_translated_content_free_notice(language: str) -> None:
    notice = render_notice(language, PORTAL)
    assert PORTAL in notice.text and PORTAL in notice.html
    assert f'lang="{language}"' in notice.html
    if language != "en":
        assert notice.text != render_notice("en", PORTAL).text
        assert render_alert(language, PORTAL).text != render_alert("en", PORTAL).text
        for key in MILESTONE_SUBSTANCE:
            assert milestone_substance(key, language) != milestone_substance(key, "en")


def test_arabic_renders_right_to_left() -> None:
    notice = render_notice("ar", PORTAL)
    assert 'dir="rtl"' in notice.html and 'lang="ar"' in notice.html
    assert 'dir="ltr"' in render_notice("fr", PORTAL).html


def test_unknown_language_falls_back_to_english() -> None:
    assert render_notice("xx", PORTAL) == render_notice("en", PORTAL)


def test_english_notice_says_only_that_there_is_an_update() -> None:
    assert render_notice("en", PORTAL).text == (
        f"There is an update on your case. Sign in to read it: {PORTAL}"
    )
