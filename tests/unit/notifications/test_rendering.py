"""Notice templates: six languages from gettext catalogues, content-free, Arabic right to left."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from casework.notifications.rendering import (
    APPEAL_FORUMS,
    LANGUAGES,
    MILESTONE_SUBSTANCE,
    OTHER_FORUM,
    SUBJECT_NOTICES,
    milestone_substance,
    render_alert,
    render_digest,
    render_notice,
    subject_notice_substance,
    translate,
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


CLOSES = datetime(2027, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize("language", LANGUAGES)
def test_subject_notices_are_translated_with_their_deadline_and_forum(language: str) -> None:
    english = {
        kind: subject_notice_substance("en", kind, "undt", CLOSES) for kind in SUBJECT_NOTICES
    }
    for kind in SUBJECT_NOTICES:
        text = subject_notice_substance(language, kind, "undt", CLOSES)
        assert "%(" not in text
        if language != "en":
            assert text != english[kind]
    window = subject_notice_substance(language, "appeal_window", "undt", CLOSES)
    assert "2027" in window and "28" in window  # the last day is the day before midnight
    assert translate(APPEAL_FORUMS["undt"], language) in window
    for forum in [*APPEAL_FORUMS.values(), OTHER_FORUM]:
        assert language == "en" or translate(forum, language) != forum


def test_subject_notice_wording_in_english_and_fallbacks() -> None:
    assert subject_notice_substance("en", "response_deadline", "", CLOSES) == (
        "Your written response to the allegations is due before March 1, 2027 00:00 (UTC)."
    )
    assert subject_notice_substance("en", "appeal_window", "iloat", CLOSES) == (
        "You may challenge the decision (ILO Administrative Tribunal). "
        "The last day to do so is February 28, 2027."
    )
    assert "competent appeal body" in subject_notice_substance("en", "appeal_window", "x", CLOSES)
    generic = subject_notice_substance("en")
    assert subject_notice_substance("en", "response_deadline") == generic  # no deadline known
    assert subject_notice_substance("en", "unknown_kind") == generic


@pytest.mark.parametrize("language", LANGUAGES)
def test_digest_counts_and_links_only_in_every_language(language: str) -> None:
    links = ["https://casework.example/cases/7", "https://casework.example/cases/9"]
    digest = render_digest(language, PORTAL, {"amber": 3, "red": 1}, links)
    assert "3" in digest.text and "1" in digest.text and "0" in digest.text
    assert all(link in digest.text and link in digest.html for link in links)
    assert PORTAL in digest.text and digest.text.count("\n") == 2
    if language != "en":
        assert digest.subject != render_digest("en", PORTAL, {}, []).subject
    direction = "rtl" if language == "ar" else "ltr"
    assert digest.html.count(f'<p dir="{direction}"') == 3
    assert render_digest(language, PORTAL, {}, []).text.count("\n") == 1
