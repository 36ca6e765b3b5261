"""Notice rendering from gettext catalogues (.po read directly, so no compile step is needed).

E-mail and SMS bodies are content-free: no names, no category, no stage, no reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

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
    return (
        f'<!DOCTYPE html><html dir="{direction}" lang="{language}"><body>'
        f'<p dir="{direction}" lang="{language}">{escape(text)}</p></body></html>'
    )


def render_notice(language: str, portal_url: str) -> RenderedNotice:
    """The content-free notice to an affected person or subject, in their language."""
    language = language_or_default(language)
    text = translate(NOTICE_BODY, language) % {"url": portal_url}
    return RenderedNotice(
        language, translate(NOTICE_SUBJECT, language), text, _html(language, text)
    )


def render_alert(language: str, sign_in_url: str) -> RenderedNotice:
    """The content-free deadline alert to a member of staff."""
    language = language_or_default(language)
    text = translate(ALERT_BODY, language) % {"url": sign_in_url}
    return RenderedNotice(language, translate(ALERT_SUBJECT, language), text, _html(language, text))


def milestone_substance(milestone: str, language: str) -> str:
    """The substance of a milestone message, shown only inside the portal."""
    return translate(MILESTONE_SUBSTANCE[milestone], language)


def subject_notice_substance(language: str) -> str:
    """The substance of a due-process notice to the subject, shown only inside the portal."""
    return translate(SUBJECT_NOTICE_SUBSTANCE, language)
