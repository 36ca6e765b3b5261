"""Errors of the deadline arithmetic; messages carry keys and field names, never case content."""


class TimelineError(ValueError):
    """Inputs to the deadline arithmetic are invalid (naive datetimes, unknown events, ...)."""


class ExtensionRejected(TimelineError):
    """An extension lacks a reason or approver, or the guidance does not allow it."""


class InvalidClockStop(TimelineError):
    """A clock stop lacks a reason or approver, or ends before it starts."""
