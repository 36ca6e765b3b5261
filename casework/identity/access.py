"""Need-to-know access to cases: who may see which case, role-based actions, conflicts, break-glass.

Rules (domain.md section 1):

- a user never sees a case of an entity in which they hold no role;
- supervisors and heads of entity see their entity's cases; intake officers see their entity's
  cases in intake or assessment; investigators see cases they are assigned to (lead or member);
  decision makers see cases referred to them (assignment with role decision_maker);
- a supervisor may break the glass on a case of their entity: a written reason, an expiry, an
  audit entry and a `break_glass` case event (the entity head is alerted by its listener);
- a user named as a party (Party.staff_user_id) or excluded (CaseExclusion) never sees the
  case and can never be assigned to it, whatever their role;
- administrators and oversight see no case content.

Every read of a case through `case_for_user` is audited, allowed or denied. A case the user may
not see raises `CaseNotVisible` (a NotFound): boundaries answer 404 and commit the denial entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    or_,
    select,
)
from sqlalchemy.orm import Session, contains_eager

from casework.audit.services import DENIED, record_audit
from casework.cases.events import CaseEvent, emit
from casework.cases.models import Case, CaseKey, Party, Stage
from casework.errors import NotFound, ValidationFailed
from casework.identity.actor import Grantee
from casework.identity.models import (
    AssignmentRole,
    BreakGlassGrant,
    CaseAssignment,
    CaseExclusion,
    Entity,
    Role,
    RoleGrant,
    StaffUser,
)

BREAK_GLASS_HOURS = 24
INTAKE_STAGES = (Stage.INTAKE, Stage.ASSESSMENT)
ENTITY_WIDE_ROLES = (Role.SUPERVISOR, Role.HEAD_OF_ENTITY)

# Role-based actions: which roles, held in the case's entity, may do what (see `can`).
PERMISSIONS: dict[str, frozenset[Role]] = {
    "case.read": frozenset(
        {
            Role.INTAKE_OFFICER,
            Role.INVESTIGATOR,
            Role.SUPERVISOR,
            Role.DECISION_MAKER,
            Role.HEAD_OF_ENTITY,
        }
    ),
    "case.open": frozenset({Role.INTAKE_OFFICER, Role.SUPERVISOR}),
    "case.log_step": frozenset({Role.INTAKE_OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR}),
    "case.advance": frozenset(
        {Role.INTAKE_OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR, Role.DECISION_MAKER}
    ),
    "case.assign": frozenset({Role.SUPERVISOR}),
    "case.exclude": frozenset({Role.SUPERVISOR}),
    "case.break_glass": frozenset({Role.SUPERVISOR}),
    "extension.request": frozenset({Role.INVESTIGATOR, Role.SUPERVISOR}),
    "extension.approve": frozenset({Role.SUPERVISOR}),
    "clock_stop.approve": frozenset({Role.SUPERVISOR}),
    "decision.record": frozenset({Role.DECISION_MAKER}),
    # The case team who deal with the affected person; decision makers and heads do not.
    "portal.reissue": frozenset({Role.INTAKE_OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR}),
    "decision.notify": frozenset({Role.DECISION_MAKER}),
    "admin.manage": frozenset({Role.ADMINISTRATOR}),
    # An entity's timeline settings: no case content, so administrators may; its head may too.
    "guidance.adopt": frozenset({Role.ADMINISTRATOR, Role.HEAD_OF_ENTITY}),
    "holidays.manage": frozenset({Role.ADMINISTRATOR, Role.HEAD_OF_ENTITY}),
}
# Which entity roles may hold which role on a case.
_ASSIGNABLE: dict[AssignmentRole, frozenset[Role]] = {
    AssignmentRole.LEAD: frozenset({Role.INVESTIGATOR, Role.SUPERVISOR}),
    AssignmentRole.MEMBER: frozenset({Role.INVESTIGATOR, Role.SUPERVISOR}),
    AssignmentRole.DECISION_MAKER: frozenset({Role.DECISION_MAKER}),
}


class CaseNotVisible(NotFound):
    """The user may not see the case; carries what the boundary needs to audit the denial."""

    def __init__(
        self, actor_id: int, case_id: int, action: str, source: str, now: datetime
    ) -> None:
        super().__init__(f"case {case_id}")
        self.actor_id, self.case_id, self.action = actor_id, case_id, action
        self.source, self.now = source, now


class AccessRefused(ValidationFailed):
    """An assignment or grant was refused (e.g. a conflict of interest); already audited."""


def roles_in(user: Grantee, entity_id: int | None) -> frozenset[Role]:
    """Return the roles a user holds in one entity (None: the system-wide roles)."""
    return frozenset(g.role for g in user.grants if g.entity_id == entity_id)


def has_role(user: Grantee, role: Role) -> bool:
    """Tell whether a user holds a role in any entity, or system-wide."""
    return any(g.role is role for g in user.grants)


def can(user: Grantee, permission: str, target: Case | Entity | int | None) -> bool:
    """Tell whether a user's roles allow an action on a case or entity (or entity id).

    This checks roles only; call `case_for_user` first to enforce need-to-know on the case.
    `None` as target means system-wide (administration). Unknown permissions are refused.
    """
    allowed = PERMISSIONS.get(permission)
    if allowed is None or not user.is_active:
        return False
    if isinstance(target, Case):
        entity_id: int | None = target.entity_id
    elif isinstance(target, Entity):
        entity_id = target.id
    else:
        entity_id = target
    if entity_id is not None and roles_in(user, None) & allowed:
        return True
    return bool(roles_in(user, entity_id) & allowed)


def _excluded_clause(user_id: int) -> ColumnElement[bool]:
    named = exists().where(Party.case_id == Case.id, Party.staff_user_id == user_id)
    declared = exists().where(CaseExclusion.case_id == Case.id, CaseExclusion.user_id == user_id)
    return or_(named, declared)


def _visibility_clause(
    user: Grantee, now: datetime | BindParameter[datetime] | None
) -> ColumnElement[bool]:
    """The SQL condition selecting the cases a user may see (before exclusions)."""
    clauses: list[ColumnElement[bool]] = []
    for entity_id in {g.entity_id for g in user.grants if g.entity_id is not None}:
        roles = roles_in(user, entity_id)
        in_entity = Case.entity_id == entity_id
        if roles & set(ENTITY_WIDE_ROLES):
            clauses.append(in_entity)
            continue
        if Role.INTAKE_OFFICER in roles:
            clauses.append(and_(in_entity, Case.stage.in_(INTAKE_STAGES)))
        assignable = [a for a, allowed in _ASSIGNABLE.items() if roles & allowed]
        if assignable:
            assigned = exists().where(
                CaseAssignment.case_id == Case.id,
                CaseAssignment.user_id == user.id,
                CaseAssignment.ended_at.is_(None),
                CaseAssignment.role.in_(assignable),
            )
            clauses.append(and_(in_entity, assigned))
        if now is not None and Role.SUPERVISOR in roles:
            glass = exists().where(
                BreakGlassGrant.case_id == Case.id,
                BreakGlassGrant.user_id == user.id,
                BreakGlassGrant.expires_at > now,
            )
            clauses.append(and_(in_entity, glass))
    return or_(*clauses) if clauses else false()


def visible_cases(
    session: Session | None, user: Grantee, now: datetime | BindParameter[datetime] | None = None
) -> Select[Case]:
    """Return a query of the cases a user may see (for lists); add filters and order to it.

    Pass `now` (a time, or a parameter bound at execution) to include cases opened through an
    unexpired break-glass grant.
    """
    del session  # the query is built from the user's grants; callers execute it
    if not user.is_active:
        return select(Case).where(false())
    return select(Case).where(
        _visibility_clause(user, now),
        ~_excluded_clause(user.id),
    )


def may_see(session: Session, user: Grantee, case_id: int, now: datetime) -> bool:
    """Tell whether a user may see a case, without auditing (use case_for_user to read)."""
    statement = visible_cases(session, user, now).where(Case.id == case_id)
    return session.scalar(statement.with_only_columns(Case.id)) is not None


# Built case-read queries by user and grant set (a change of grants or status makes a new key).
_CASE_READS: dict[tuple[int, bool, frozenset[tuple[int | None, Role]]], Select[Case]] = {}
_CASE_READS_KEPT = 256


def _case_read(user: Grantee) -> Select[Case]:
    """The query loading one visible case, built once per user's grants (binds case_id, now).

    Building it walks every grant and its cache key the whole statement: on a case page that
    cost more than running it. The visibility check loads the case itself: one round trip,
    not a check then a get. Its wrapped data key comes along into the session, so opening the
    case's cipher (nearly every read or change does) costs no second query.
    """
    key = (user.id, user.is_active, frozenset((g.entity_id, g.role) for g in user.grants))
    statement = _CASE_READS.get(key)
    if statement is None:
        if len(_CASE_READS) >= _CASE_READS_KEPT:
            _CASE_READS.clear()
        statement = _CASE_READS[key] = (
            visible_cases(None, user, bindparam("now"))
            .outerjoin(CaseKey, CaseKey.case_id == Case.id)
            .options(contains_eager(Case.wrapped_key_row))
            .where(Case.id == bindparam("case_id"))
        )
    return statement


def case_for_user(
    session: Session, user: Grantee, case_id: int, action: str, source: str, now: datetime
) -> Case:
    """Load a case the user may see for `action`, auditing the read; else raise CaseNotVisible.

    `source` is the client address. The denied attempt is audited too (flushed here; web
    boundaries re-record it after rolling back, then commit). Allowed reads are flushed and the
    boundary commits them (the staff app commits audit entries of successful GET requests).
    """
    case = session.scalar(_case_read(user), {"case_id": case_id, "now": now})
    if case is None:
        record_audit(session, user.id, action, case_id, source, now, outcome=DENIED)
        raise CaseNotVisible(user.id, case_id, action, source, now)
    record_audit(session, user.id, action, case_id, source, now)
    return case


def is_excluded(session: Session, user_id: int, case_id: int) -> bool:
    """Tell whether a user is named in the case or has declared a conflict on it."""
    statement = select(Case.id).where(Case.id == case_id, _excluded_clause(user_id))
    return session.scalar(statement) is not None


@dataclass(frozen=True)
class AccessChange:
    """Who does the change and from where (for the audit entry)."""

    actor: Grantee
    source: str
    now: datetime


def _refuse(
    session: Session, change: AccessChange, action: str, case_id: int, errors: dict[str, str]
) -> AccessRefused:
    record_audit(session, change.actor.id, action, case_id, change.source, change.now, DENIED)
    return AccessRefused(errors)


def assign(
    session: Session, change: AccessChange, case: Case, user: StaffUser, role: AssignmentRole
) -> CaseAssignment:
    """Assign a user to a case; refuses (and audits) conflicts and users without a fitting role."""
    action = f"assignment.{role.value}"
    if not can(change.actor, "case.assign", case):
        raise _refuse(session, change, action, case.id, {"actor": "may not assign on this case"})
    if is_excluded(session, user.id, case.id):
        raise _refuse(
            session,
            change,
            action,
            case.id,
            {"user": f"user {user.id} is excluded from case {case.id} (conflict of interest)"},
        )
    if not user.is_active or not roles_in(user, case.entity_id) & _ASSIGNABLE[role]:
        raise _refuse(
            session,
            change,
            action,
            case.id,
            {"user": f"user {user.id} holds no role in the case's entity fit for {role.value}"},
        )
    existing = session.scalar(
        select(CaseAssignment).where(
            CaseAssignment.case_id == case.id,
            CaseAssignment.user_id == user.id,
            CaseAssignment.role == role,
        )
    )
    if existing is None:
        existing = CaseAssignment(
            case_id=case.id,
            user_id=user.id,
            role=role,
            assigned_at=change.now,
            assigned_by=change.actor.id,
        )
        session.add(existing)
    existing.ended_at = None
    session.flush()
    record_audit(session, change.actor.id, action, case.id, change.source, change.now)
    return existing


def unassign(session: Session, change: AccessChange, case: Case, assignment_id: int) -> None:
    """End an assignment of a case."""
    row = session.get(CaseAssignment, assignment_id)
    if row is None or row.case_id != case.id or not can(change.actor, "case.assign", case):
        raise NotFound(f"assignment {assignment_id}")
    row.ended_at = change.now
    session.flush()
    record_audit(session, change.actor.id, "assignment.end", case.id, change.source, change.now)


def exclude(
    session: Session, change: AccessChange, case: Case, user: StaffUser, reason: str
) -> CaseExclusion:
    """Record a conflict of interest: end the user's assignments and grants on the case."""
    if change.actor.id != user.id and not can(change.actor, "case.exclude", case):
        raise NotFound(f"case {case.id}")
    if not reason.strip() or len(reason) > 2000:
        raise ValidationFailed({"reason": "is required (at most 2000 characters)"})
    row = session.scalar(
        select(CaseExclusion).where(
            CaseExclusion.case_id == case.id, CaseExclusion.user_id == user.id
        )
    )
    if row is None:
        row = CaseExclusion(
            case_id=case.id,
            user_id=user.id,
            reason=reason,
            declared_at=change.now,
            declared_by=change.actor.id,
        )
        session.add(row)
    for assignment in session.scalars(
        select(CaseAssignment).where(
            CaseAssignment.case_id == case.id,
            CaseAssignment.user_id == user.id,
            CaseAssignment.ended_at.is_(None),
        )
    ):
        assignment.ended_at = change.now
    for grant in session.scalars(
        select(BreakGlassGrant).where(
            BreakGlassGrant.case_id == case.id,
            BreakGlassGrant.user_id == user.id,
            BreakGlassGrant.expires_at > change.now,
        )
    ):
        grant.expires_at = change.now
    session.flush()
    record_audit(session, change.actor.id, "exclusion.declare", case.id, change.source, change.now)
    return row


def break_glass(
    session: Session, change: AccessChange, case_id: int, reason: str
) -> BreakGlassGrant:
    """Open a case of the supervisor's entity for BREAK_GLASS_HOURS with a written reason.

    Audited and announced as a `break_glass` case event (the head of entity is alerted).
    Excluded users and users who are not supervisors of the case's entity get CaseNotVisible.
    """
    case = session.get(Case, case_id)
    actor = change.actor
    if (
        case is None
        or not can(actor, "case.break_glass", case)
        or Role.SUPERVISOR not in roles_in(actor, case.entity_id)
        or is_excluded(session, actor.id, case_id)
    ):
        record_audit(session, actor.id, "break_glass", case_id, change.source, change.now, DENIED)
        raise CaseNotVisible(actor.id, case_id, "break_glass", change.source, change.now)
    text = reason.strip()
    if len(text) < 10 or len(text) > 2000:
        raise ValidationFailed({"reason": "write why you need access (10 to 2000 characters)"})
    grant = BreakGlassGrant(
        case_id=case_id,
        user_id=actor.id,
        reason=text,
        granted_at=change.now,
        expires_at=change.now + timedelta(hours=BREAK_GLASS_HOURS),
    )
    session.add(grant)
    session.flush()
    record_audit(session, actor.id, "break_glass", case_id, change.source, change.now)
    emit(
        session,
        CaseEvent(
            name="break_glass",
            case_id=case_id,
            at=change.now,
            actor_id=actor.id,
            details={"grant_id": grant.id, "entity_id": case.entity_id},
        ),
    )
    return grant


def assignments_of(session: Session, case_id: int) -> list[CaseAssignment]:
    """Return the current assignments of a case."""
    return list(
        session.scalars(
            select(CaseAssignment)
            .where(CaseAssignment.case_id == case_id, CaseAssignment.ended_at.is_(None))
            .order_by(CaseAssignment.id)
        )
    )


def exclusions_of(session: Session, case_id: int) -> list[CaseExclusion]:
    """Return the exclusions declared on a case."""
    return list(
        session.scalars(
            select(CaseExclusion).where(CaseExclusion.case_id == case_id).order_by(CaseExclusion.id)
        )
    )


def entity_staff(session: Session, entity_id: int, roles: Iterable[Role]) -> list[StaffUser]:
    """Return active staff holding one of the roles in an entity."""
    return list(
        session.scalars(
            select(StaffUser)
            .join(RoleGrant)
            .where(
                RoleGrant.entity_id == entity_id,
                RoleGrant.role.in_(list(roles)),
                StaffUser.is_active,
            )
            .distinct()
            .order_by(StaffUser.username)
        )
    )
