"""Versioned guidance data (timelines, milestones, checklists, appeal windows) and its loader."""

from casework.guidance.errors import GuidanceError
from casework.guidance.loader import load_guidance_file, parse_guidance
from casework.guidance.model import (
    AppealWindow,
    Checklist,
    ChecklistItem,
    GuidanceNote,
    GuidanceVersion,
    Milestone,
    TimelineRule,
)
from casework.guidance.registry import (
    DEFAULT_VERSION_ID,
    available_versions,
    default_version,
    load_version,
    register_version,
)
from casework.guidance.vocabulary import AppealAnchor, CaseEvent, ClockUnit, Stage

__all__ = [
    "DEFAULT_VERSION_ID",
    "AppealAnchor",
    "AppealWindow",
    "CaseEvent",
    "Checklist",
    "ChecklistItem",
    "ClockUnit",
    "GuidanceError",
    "GuidanceNote",
    "GuidanceVersion",
    "Milestone",
    "Stage",
    "TimelineRule",
    "available_versions",
    "default_version",
    "load_guidance_file",
    "load_version",
    "parse_guidance",
    "register_version",
]
