"""Realistic demo data: two entities, staff in every role, a dozen cases across every stage."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.cases.decision_models import DisciplinaryMeasure
from casework.cases.models import Case, Finding, Outcome, PartyRole, Priority, Stage
from casework.cases.services import NewCase, NewParty, log_step, open_case
from casework.cases.workflow import advance_stage, record_decision
from casework.guidance_defaults import DEFAULT_GUIDANCE_VERSION
from casework.identity.models import (
    AssignmentRole,
    CaseAssignment,
    Entity,
    Role,
    RoleGrant,
    StaffUser,
)
from casework.identity.passwords import hash_password
from casework.identity.signin import set_totp_secret, totp_box
from casework.keys.services import Keys

DEMO_PASSWORD = "casework-demo"  # noqa: S105 (published demo credential, demo data only)
DEMO_ENTITIES = (("UNX", "United Nations Example Office"), ("UNY", "Example Agency of the UN"))
DEMO_LOGINS: tuple[tuple[str, str], ...] = (
    ("unx.intake", "UNX intake officer"),
    ("unx.investigator", "UNX investigator"),
    ("unx.investigator2", "UNX investigator"),
    ("unx.supervisor", "UNX head of investigations"),
    ("unx.decision", "UNX decision maker"),
    ("unx.head", "UNX head of entity"),
    ("uny.investigator", "UNY investigator"),
    ("uny.supervisor", "UNY head of investigations"),
    ("oversight", "oversight body"),
    ("admin", "administrator"),
)
_ROLE_BY_SUFFIX = {
    "intake": Role.INTAKE_OFFICER,
    "investigator": Role.INVESTIGATOR,
    "investigator2": Role.INVESTIGATOR,
    "supervisor": Role.SUPERVISOR,
    "decision": Role.DECISION_MAKER,
    "head": Role.HEAD_OF_ENTITY,
}
# (stage to reach, days ago opened, outcome when closed) for each demo case of an entity.
_CASE_PLAN: tuple[tuple[Stage, int, Outcome | None], ...] = (
    (Stage.INTAKE, 1, None),
    (Stage.INTAKE, 6, None),
    (Stage.ASSESSMENT, 12, None),
    (Stage.ASSESSMENT, 45, None),
    (Stage.INVESTIGATION, 70, None),
    (Stage.INVESTIGATION, 160, None),
    (Stage.REFERRAL, 130, None),
    (Stage.DISCIPLINARY, 200, None),
    (Stage.CLOSED, 260, Outcome.SUBSTANTIATED),
    (Stage.CLOSED, 90, Outcome.RESOLVED_INFORMALLY),
    (Stage.CLOSED, 40, Outcome.NOT_PURSUED),
    (Stage.CLOSED, 150, Outcome.UNSUBSTANTIATED),
)
_PATH = (Stage.ASSESSMENT, Stage.INVESTIGATION, Stage.REFERRAL, Stage.DISCIPLINARY)
_NAMES = ("A. Moreno", "B. Okafor", "C. Lindqvist", "D. Haddad", "E. Nakamura", "F. Petrova")


def demo_loaded(session: Session) -> bool:
    """Tell whether any entity exists (the demo is loaded once, into an empty database)."""
    return (session.scalar(select(func.count()).select_from(Entity)) or 0) > 0


def _staff(
    session: Session, username: str, entity: Entity | None, role: Role, now: datetime
) -> StaffUser:
    user = StaffUser(
        username=username,
        display_name=username.replace(".", " ").title(),
        email=f"{username}@example.org",
        password_hash=hash_password(DEMO_PASSWORD),
        totp_secret_ct=None,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    session.add(RoleGrant(user_id=user.id, entity_id=entity.id if entity else None, role=role))
    return user


def _demo_case(
    session: Session,
    keys: Keys,
    entity: Entity,
    number: int,
    plan: tuple[Stage, int, Outcome | None],
    actor: StaffUser,
    now: datetime,
) -> None:
    target, days_ago, outcome = plan
    opened = now - timedelta(days=days_ago)
    affected, subject = _NAMES[number % len(_NAMES)], _NAMES[(number + 3) % len(_NAMES)]
    case = open_case(
        session,
        keys,
        entity,
        NewCase(
            category=("verbal", "physical", "online", "quid_pro_quo")[number % 4],
            intake_channel=("hotline", "email", "in_person", "portal")[number % 4],
            received_at=opened,
            priority=Priority.URGENT if number % 5 == 0 else Priority.NORMAL,
            parties=(
                NewParty(
                    PartyRole.AFFECTED, affected, f"person{number}@example.org", "+41 22 000 0000"
                ),
                NewParty(PartyRole.SUBJECT, subject),
            ),
            allegations=("Repeated unwelcome comments of a sexual nature in team meetings.",),
        ),
        actor.id,
        now,
    )
    log_step(
        session,
        keys,
        case,
        "acknowledgement",
        "Receipt acknowledged by e-mail.",
        opened + timedelta(days=1),
        actor.id,
        now,
    )
    # Most cases had their safety triage and interim-measures decision on time; a few did not,
    # so the dashboard shows several kinds of lateness.
    if number % 6 != 1:
        log_step(
            session,
            keys,
            case,
            "safety_triage",
            "No immediate risk identified.",
            min(opened + timedelta(hours=12), now),
            actor.id,
            now,
        )
    path = _stages_to(target, outcome)
    if path and number % 6 != 2:
        log_step(
            session,
            keys,
            case,
            "interim_measure",
            "Reporting lines separated.",
            opened + timedelta(days=3),
            actor.id,
            now,
        )
    moment = opened + timedelta(days=2)
    gap = timedelta(days=max(1, (days_ago - 2) // (len(path) + 1)))
    for stage in path:
        if stage is Stage.DISCIPLINARY:
            for allegation in case.allegations:
                allegation.finding = Finding.SUFFICIENT
        advance_stage(session, case, stage, None, actor.id, moment)
        moment += gap
    if target is Stage.CLOSED and outcome is not None:
        if case.stage is Stage.REFERRAL:
            for allegation in case.allegations:
                allegation.finding = Finding.INSUFFICIENT
        closing = min(moment, now)
        if outcome is Outcome.SUBSTANTIATED:
            record_decision(
                session,
                case,
                (DisciplinaryMeasure.WRITTEN_CENSURE,),
                None,
                closing,
                None,
                actor.id,
                now,
            )
        advance_stage(session, case, Stage.CLOSED, outcome, actor.id, closing)


def _stages_to(target: Stage, outcome: Outcome | None) -> tuple[Stage, ...]:
    """Return the open stages a demo case passes through to reach its target."""
    if target is Stage.INTAKE:
        return ()
    if target is not Stage.CLOSED or outcome is None:
        return _PATH[: _PATH.index(target) + 1]
    last = {
        Outcome.SUBSTANTIATED: Stage.DISCIPLINARY,
        Outcome.UNSUBSTANTIATED: Stage.REFERRAL,
        Outcome.RESOLVED_INFORMALLY: Stage.ASSESSMENT,
        Outcome.NOT_PURSUED: Stage.ASSESSMENT,
        Outcome.REFERRED_ELSEWHERE: Stage.INTAKE,
    }[outcome]
    return () if last is Stage.INTAKE else _PATH[: _PATH.index(last) + 1]


def load_demo(session: Session, keys: Keys, now: datetime) -> str:
    """Load the demo data set; returns a one-line summary."""
    entities: dict[str, Entity] = {}
    for code, name in DEMO_ENTITIES:
        entity = Entity(
            code=code,
            name=name,
            reference_prefix=code,
            guidance_version=DEFAULT_GUIDANCE_VERSION,
            created_at=now,
        )
        session.add(entity)
        entities[code] = entity
    session.flush()
    actors: dict[str, StaffUser] = {}
    for username, _label in DEMO_LOGINS:
        prefix, _, suffix = username.partition(".")
        if username == "oversight":
            actors[username] = _staff(session, username, None, Role.OVERSIGHT, now)
        elif username == "admin":
            actors[username] = _staff(session, username, None, Role.ADMINISTRATOR, now)
        else:
            entity = entities[prefix.upper()]
            actors[username] = _staff(session, username, entity, _ROLE_BY_SUFFIX[suffix], now)
    count = 0
    for code, entity in entities.items():
        actor = actors[f"{code.lower()}.supervisor"]
        plans = _CASE_PLAN if code == "UNX" else _CASE_PLAN[::3]
        for number, plan in enumerate(plans):
            _demo_case(session, keys, entity, number, plan, actor, now)
            count += 1
    session.flush()
    _demo_access(session, keys, entities, actors, now)
    return f"{len(entities)} entities, {len(actors)} staff, {count} cases"


def demo_totp_secret(username: str) -> str:
    """Return the known TOTP secret of a demo user (demo data only; `casework demo-code`)."""
    digest = hashlib.sha256(f"casework-demo-totp|{username}".encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


def _demo_access(
    session: Session,
    keys: Keys,
    entities: dict[str, Entity],
    actors: dict[str, StaffUser],
    now: datetime,
) -> None:
    """Give demo users their second factor and assign demo investigators and decision makers."""
    box = totp_box(keys)
    for username, user in actors.items():
        set_totp_secret(user, box, demo_totp_secret(username))
    plan = (
        ("unx.investigator", AssignmentRole.LEAD, (Stage.INVESTIGATION, Stage.REFERRAL)),
        ("unx.investigator2", AssignmentRole.MEMBER, (Stage.INVESTIGATION,)),
        ("unx.decision", AssignmentRole.DECISION_MAKER, (Stage.REFERRAL, Stage.DISCIPLINARY)),
        ("uny.investigator", AssignmentRole.LEAD, (Stage.INVESTIGATION, Stage.REFERRAL)),
    )
    for username, role, stages in plan:
        user = actors[username]
        entity = entities[username[:3].upper()]
        supervisor = actors[f"{username[:3]}.supervisor"]
        case_ids = session.scalars(
            select(Case.id).where(Case.entity_id == entity.id, Case.stage.in_(stages))
        )
        for case_id in case_ids:
            session.add(
                CaseAssignment(
                    case_id=case_id,
                    user_id=user.id,
                    role=role,
                    assigned_at=now,
                    assigned_by=supervisor.id,
                )
            )
    session.flush()
