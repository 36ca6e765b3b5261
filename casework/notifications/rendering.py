"""Notice rendering from gettext catalogues (.po read directly, so no compile step is needed).

E-mail and SMS bodies are content-free: no names, no category, no stage, no reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from html import escape
from pathlib import Path

from babel.dates import format_date
from babel.messages.pofile import read_po

LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
RTL_LANGUAGES = frozenset({"ar"})
TEMPLATE_VERSION = "2026.1"
_CATALOGUES = Path(__file__).resolve().parent / "translations"

NOTICE_SUBJECT = "Update on your case"
NOTICE_BODY = "There is an update on your case. Sign in to read it: %(url)s"
ALERT_SUBJECT = "A case needs your attention"
ALERT_BODY = "A deadline needs your attention. Sign in to see it: %(url)s"
SUBJECT_NOTICE_SUBSTANCE = (
    "A procedural notice concerns you. Sign in to read it and any deadline it sets."
)
# The subject's due-process notices, by SubjectNotice.kind; shown only inside the portal.
SUBJECT_NOTICES = {
    "allegations_memorandum": "You have been issued an allegations memorandum. You may respond "
    "to the allegations in writing and be assisted by counsel.",
    "response_deadline": "Your written response to the allegations is due before "
    "%(deadline)s (UTC).",
    "decision": "A decision has been taken in the disciplinary process that concerns you.",
    "appeal_window": "You may challenge the decision (%(forum)s). The last day to do so is "
    "%(last_day)s.",
}
# Appeal forums, by the key of the guidance's appeal window.
APPEAL_FORUMS = {
    "management_evaluation": "request for management evaluation",
    "undt": "UN Dispute Tribunal",
    "unat": "UN Appeals Tribunal",
    "iloat": "ILO Administrative Tribunal",
}
OTHER_FORUM = "the competent appeal body"
DIGEST_SUBJECT = "Your daily summary of deadline alerts"
DIGEST_COUNTS = (
    "Deadline alerts for you since your last summary: %(amber)s amber, %(red)s red, "
    "%(ceiling)s hard ceiling. Red and hard-ceiling alerts were also sent when raised."
)
DIGEST_CASES = "Cases: %(links)s"
DIGEST_SIGN_IN = "Sign in to see them: %(url)s"
MILESTONE_SUBSTANCE = {
    "M1": "We have received your report and opened a case. Your focal point will contact you; "
    "you can report retaliation at any time.",
    "M2": "A decision has been taken on how your report will be handled.",
    "M3": "Interim measures that affect you have been decided.",
    "M4": "Your case is still being handled. This is your regular progress update.",
    "M5": "The time needed to handle your case has been extended.",
    "M6": "The investigation has been concluded; the next step has started.",
    "M7": "A decision has been taken on your case.",
    "M8": "The decision on your case is final, or proceedings continue.",
    "M9": "We are checking in: are you experiencing retaliation, and do you need support?",
}


@dataclass(frozen=True)
class RenderedNotice:
    """A content-free notice ready for a channel."""

    language: str
    subject: str
    text: str
    html: str


def language_or_default(language: str | None) -> str:
    """Return a supported language code, English if the preference is unknown."""
    return language if language in LANGUAGES else "en"


@cache
def _catalogue(language: str) -> dict[str, str]:
    path = _CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    return {
        str(message.id): str(message.string)
        for message in catalogue
        if message.id and message.string
    }


def translate(message: str, language: str) -> str:
    """Translate an English message id into a supported language (English if missing)."""
    return _catalogue(language_or_default(language)).get(message, message)


def _html(language: str, text: str) -> str:
    direction = "rtl" if language in RTL_LANGUAGES else "ltr"
    paragraphs = "".join(
        f'<p dir="{direction}" lang="{language}">{escape(line)}</p>' for line in text.split("\n")
    )
    return (
        f'<!DOCTYPE html><html dir="{direction}" lang="{language}"><body>{paragraphs}</body></html>'
    )


# Notices depend only on the language and a configured URL: rendered once per process.
@lru_cache(maxsize=64)
def render_notice(language: str, portal_url: str) -> RenderedNotice:
    """The content-free notice to an affected person or subject, in their language."""
    language = language_or_default(language)
    text = translate(NOTICE_BODY, language) % {"url": portal_url}
    return RenderedNotice(
        language, translate(NOTICE_SUBJECT, language), text, _html(language, text)
    )


@lru_cache(maxsize=64)
def render_alert(language: str, sign_in_url: str) -> RenderedNotice:
    """The content-free deadline alert to a member of staff."""
    language = language_or_default(language)
    text = translate(ALERT_BODY, language) % {"url": sign_in_url}
    return RenderedNotice(language, translate(ALERT_SUBJECT, language), text, _html(language, text))


def milestone_substance(milestone: str, language: str) -> str:
    """The substance of a milestone message, shown only inside the portal."""
    return translate(MILESTONE_SUBSTANCE[milestone], language)


def _deadline_words(closes_at: datetime, language: str) -> str:
    moment = closes_at.astimezone(UTC)
    return f"{format_date(moment.date(), 'long', locale=language)} {moment:%H:%M}"


def subject_notice_substance(
    language: str, kind: str = "", key: str = "", closes_at: datetime | None = None
) -> str:
    """The substance of a due-process notice to the subject, shown only inside the portal."""
    language = language_or_default(language)
    message = SUBJECT_NOTICES.get(kind)
    if message is None or (closes_at is None and kind in ("response_deadline", "appeal_window")):
        return translate(SUBJECT_NOTICE_SUBSTANCE, language)
    values: dict[str, str] = {}
    if closes_at is not None and kind == "response_deadline":
        values["deadline"] = _deadline_words(closes_at, language)
    if closes_at is not None and kind == "appeal_window":
        # An appeal window closes at midnight: its last day is the day before.
        last_day = (closes_at.astimezone(UTC) - timedelta(microseconds=1)).date()
        values["last_day"] = format_date(last_day, "long", locale=language)
        values["forum"] = translate(APPEAL_FORUMS.get(key, OTHER_FORUM), language)
    return translate(message, language) % values if values else translate(message, language)


def render_digest(
    language: str, sign_in_url: str, counts: dict[str, int], case_links: Sequence[str]
) -> RenderedNotice:
    """A staff member's daily digest: counts by threshold and links to cases; no names."""
    language = language_or_default(language)
    lines = [
        translate(DIGEST_COUNTS, language)
        % {
            "amber": counts.get("amber", 0),
            "red": counts.get("red", 0),
            "ceiling": counts.get("ceiling", 0),
        }
    ]
    if case_links:
        lines.append(translate(DIGEST_CASES, language) % {"links": " ".join(case_links)})
    lines.append(translate(DIGEST_SIGN_IN, language) % {"url": sign_in_url})
    text = "\n".join(lines)
    return RenderedNotice(
        language, translate(DIGEST_SUBJECT, language), text, _html(language, text)
    )
