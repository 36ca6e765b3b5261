"""Turn case stories into table rows: encrypted with each case's own key, deadlines computed.

The cryptography and the deadline arithmetic are the services' own (CaseCipher, the keyring's
wrap, BlindIndex, casework.timelines), so generated rows read back through `read_case` and
recompute to the same deadlines; only the INSERTs are batched.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from casework import timelines
from casework.cases.models import PartyRole, Stage
from casework.cases.records import EMAIL_INDEX, REFERENCE_INDEX
from casework.crypto import CaseCipher, new_data_key
from casework.guidance import GuidanceVersion
from casework.keys.services import Keys
from casework.synthetic.sinks import Row
from casework.synthetic.stories import CaseStory

_GIVEN = ("Amina", "Boris", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ivan", "Jia")
_FAMILY = ("Alvarez", "Banda", "Chowdhury", "Dubois", "Eriksen", "Fofana", "Gupta", "Haddad")
_WORDS = (
    "meeting",
    "office",
    "message",
    "comment",
    "witness",
    "evening",
    "mission",
    "travel",
    "colleague",
    "supervisor",
    "photograph",
    "chat",
    "corridor",
    "training",
    "car",
    "party",
)
_LANGUAGES = ("en", "en", "en", "fr", "fr", "es", "ar", "ru", "zh")
STEP_COLUMNS = ("case_id", "kind", "occurred_at", "recorded_at", "actor_id", "narrative_ct")


@dataclass(frozen=True)
class EntityPlan:
    """What the rows of one entity's cases need: ids, prefix, calendar, staff."""

    entity_id: int
    prefix: str
    calendar: timelines.WorkingCalendar
    investigators: tuple[int, ...]
    supervisor: int
    decision_maker: int


@dataclass
class RowBatch:
    """Rows for many tables, in insertion order (parents before children)."""

    tables: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))


COLUMNS: dict[str, tuple[str, ...]] = {
    "cases": (
        "id",
        "entity_id",
        "reference_ct",
        "reference_index",
        "stage",
        "category",
        "priority",
        "intake_channel",
        "anonymous",
        "guidance_version",
        "opened_at",
        "closed_at",
        "outcome",
        "legal_hold",
    ),
    "case_keys": ("case_id", "kek_version", "wrapped_key", "created_at"),
    "parties": (
        "id",
        "case_id",
        "role",
        "name_ct",
        "email_ct",
        "phone_ct",
        "email_index",
    ),
    "allegations": ("case_id", "summary_ct", "finding"),
    "case_steps": STEP_COLUMNS,
    "stage_changes": ("case_id", "from_stage", "to_stage", "changed_at", "actor_id", "outcome"),
    "case_events": ("case_id", "name", "at", "recorded_at", "actor_id"),
    "case_assignments": ("case_id", "user_id", "role", "assigned_at", "assigned_by"),
    "clock_stops": (
        "case_id",
        "started_at",
        "ended_at",
        "reason",
        "status",
        "requested_by",
        "requested_at",
        "approved_by",
        "approved_at",
    ),
    "extensions": (
        "id",
        "case_id",
        "deadline_key",
        "amount",
        "reason_ct",
        "status",
        "requested_by",
        "requested_at",
        "approved_by",
        "decided_at",
    ),
    "decisions": ("case_id", "measures", "decided_at", "notified_at", "decided_by"),
    "deadlines": (
        "case_id",
        "key",
        "starts_at",
        "due_at",
        "amber_at",
        "red_at",
        "ceiling_at",
        "met_at",
        "next_alert_at",
    ),
    "deadline_alerts": ("case_id", "deadline_key", "threshold", "raised_at"),
    "contact_preferences": (
        "party_id",
        "consent_given_at",
        "channels",
        "language",
        "timezone",
        "email_safe",
        "sms_safe",
        "updated_at",
    ),
    "disclosures": (
        "case_id",
        "party_id",
        "milestone",
        "occurrence",
        "status",
        "channels",
        "language",
        "template_version",
        "due_at",
        "created_at",
        "sent_at",
        "body_ct",
    ),
    "milestone_schedules": (
        "case_id",
        "party_id",
        "milestone",
        "slot",
        "fired_at",
        "next_due_at",
        "last_sent_at",
        "occurrences",
    ),
}


@dataclass(frozen=True)
class IdBlock:
    """Explicit ids for the rows other rows point at, unique per case index."""

    case_id: int
    first_party_id: int
    extension_id: int


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}"


def _sentences(count: int, words: int) -> tuple[str, ...]:
    rng = random.Random(words)
    return tuple(
        " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "." for _ in range(count)
    )


# Drawing each word per row cost a third of the generator's time; a pool reads the same.
_SHORT = _sentences(512, 14)
_LONG = _sentences(2048, 20)


class RowBuilder:
    """Builds the rows of stories for one guidance version and one set of keys."""

    def __init__(self, keys: Keys, guidance: GuidanceVersion, now: datetime) -> None:
        self._keys = keys
        self._guidance = guidance
        self._now = now

    def add(self, batch: RowBatch, story: CaseStory, ids: IdBlock, entity: EntityPlan) -> None:
        """Append every row of one story to the batch."""
        rng = random.Random(story.index * 7919 + 17)
        case_id = ids.case_id
        data_key = new_data_key()
        wrapped = self._keys.provider.wrap_data_key(case_id, data_key)
        cipher = CaseCipher(case_id, data_key)
        lead = entity.investigators[story.index % len(entity.investigators)]
        reference = f"{entity.prefix}-{story.received_at.year}-S{story.index:07d}"
        out = batch.tables
        out["cases"].append(
            (
                case_id,
                entity.entity_id,
                cipher.encrypt("cases", "reference", reference),
                self._keys.blind_index.compute(REFERENCE_INDEX, reference),
                story.stage.value,
                story.category,
                story.priority.value,
                story.channel,
                story.anonymous,
                self._guidance.version,
                story.received_at,
                story.closed_at,
                None if story.outcome is None else story.outcome.value,
                False,
            )
        )
        out["case_keys"].append((case_id, wrapped.kek_version, wrapped.blob, story.received_at))
        affected_id = self._parties(out, rng, story, ids, cipher)
        for finding in story.findings:
            summary = cipher.encrypt("allegations", "summary", rng.choice(_SHORT))
            out["allegations"].append(
                (case_id, summary, None if finding is None else finding.value)
            )
        for step in story.steps:
            narrative = cipher.encrypt("case_steps", "narrative", rng.choice(_LONG))
            out["case_steps"].append((case_id, step.kind.value, step.at, step.at, lead, narrative))
        for move in story.moves:
            outcome = None if move.outcome is None else move.outcome.value
            source = None if move.from_stage is None else move.from_stage.value
            out["stage_changes"].append(
                (case_id, source, move.to_stage.value, move.at, lead, outcome)
            )
        for name, at in story.events.items():
            out["case_events"].append((case_id, name, at, at, lead))
        out["case_assignments"].append(
            (case_id, lead, "lead", story.received_at, entity.supervisor)
        )
        self._clocks(out, story, ids, entity, cipher)
        self._deadlines(out, story, case_id, entity)
        self._communications(out, rng, story, case_id, affected_id, cipher)

    def _parties(
        self,
        out: dict[str, list[Row]],
        rng: random.Random,
        story: CaseStory,
        ids: IdBlock,
        cipher: CaseCipher,
    ) -> int:
        roles = [PartyRole.AFFECTED, PartyRole.SUBJECT] + [PartyRole.WITNESS] * (
            story.party_count - 2
        )
        for offset, role in enumerate(roles):
            party_id = ids.first_party_id + offset
            anonymous = story.anonymous and role is PartyRole.AFFECTED
            name = None if anonymous else _name(rng)
            email = None if anonymous else f"p{story.index}.{offset}@example.org"
            phone = (
                None if anonymous or rng.random() < 0.5 else f"+4122{rng.randrange(10**6, 10**7)}"
            )
            out["parties"].append(
                (
                    party_id,
                    ids.case_id,
                    role.value,
                    cipher.encrypt_optional("parties", "name", name),
                    cipher.encrypt_optional("parties", "email", email),
                    cipher.encrypt_optional("parties", "phone", phone),
                    None if email is None else self._keys.blind_index.compute(EMAIL_INDEX, email),
                )
            )
        return ids.first_party_id

    def _clocks(
        self,
        out: dict[str, list[Row]],
        story: CaseStory,
        ids: IdBlock,
        entity: EntityPlan,
        cipher: CaseCipher,
    ) -> None:
        for stop in story.stops:
            out["clock_stops"].append(
                (
                    ids.case_id,
                    stop.started_at,
                    stop.ended_at,
                    stop.reason,
                    "approved",
                    entity.investigators[0],
                    stop.started_at,
                    entity.supervisor,
                    stop.started_at,
                )
            )
        for extension in story.extensions:
            reason = cipher.encrypt("extensions", f"reason:{ids.extension_id}", "Witness abroad.")
            out["extensions"].append(
                (
                    ids.extension_id,
                    ids.case_id,
                    extension.deadline_key,
                    extension.amount,
                    reason,
                    "approved",
                    entity.investigators[0],
                    extension.granted_at,
                    entity.supervisor,
                    extension.granted_at,
                )
            )
        if story.decided_at is not None:
            notified = story.decided_at + timedelta(days=3)
            out["decisions"].append(
                (
                    ids.case_id,
                    "written_censure",
                    story.decided_at,
                    notified if notified <= self._now else None,
                    entity.decision_maker,
                )
            )

    def _deadlines(
        self, out: dict[str, list[Row]], story: CaseStory, case_id: int, entity: EntityPlan
    ) -> None:
        stops = [
            timelines.ClockStop(
                s.started_at, s.ended_at, timelines.StopReason(s.reason), "supervisor"
            )
            for s in story.stops
        ]
        extensions = [
            timelines.Extension(e.deadline_key, e.amount, "reason", "supervisor", e.granted_at)
            for e in story.extensions
        ]
        computed = timelines.compute_deadlines(
            self._guidance, entity.calendar, story.events, self._now, stops, extensions
        )
        # Alerts for thresholds passed before today were raised back then: store them, so the
        # scan only finds what falls due from now on, as in a live system.
        until = min(self._now, story.closed_at or self._now)
        holding = [stop.started_at for stop in story.stops if stop.ended_at is None]
        for deadline in computed:
            crossed = timelines.crossed_thresholds(deadline, until)
            for threshold in crossed:
                at = timelines.threshold_instants(deadline)[threshold]
                out["deadline_alerts"].append((case_id, deadline.key, threshold.value, at))
            out["deadlines"].append(
                (
                    case_id,
                    deadline.key,
                    deadline.starts_at,
                    deadline.due_at,
                    deadline.amber_at,
                    deadline.red_at,
                    deadline.ceiling_at,
                    deadline.met_at,
                    None
                    if story.closed_at is not None or timelines.held_by_stop(deadline, holding)
                    else timelines.next_alert_at(deadline, crossed),
                )
            )

    def _communications(
        self,
        out: dict[str, list[Row]],
        rng: random.Random,
        story: CaseStory,
        case_id: int,
        affected_id: int,
        cipher: CaseCipher,
    ) -> None:
        language = rng.choice(_LANGUAGES)
        received = story.received_at
        channels = "" if story.anonymous else "email"
        out["contact_preferences"].append(
            (affected_id, received, channels, language, "UTC", True, True, received)
        )
        body = cipher.encrypt("disclosures", "body", "Your report has been received.")
        acknowledged = story.events.get("acknowledged", received)
        out["disclosures"].append(
            (
                case_id,
                affected_id,
                "M1",
                1,
                "sent",
                channels,
                language,
                self._guidance.version,
                acknowledged,
                acknowledged,
                acknowledged,
                body,
            )
        )
        if story.stage is not Stage.CLOSED:
            last = max(acknowledged, self._now - timedelta(days=rng.uniform(0, 30)))
            out["milestone_schedules"].append(
                (case_id, affected_id, "M4", 0, received, last + timedelta(days=30), last, 1)
            )
