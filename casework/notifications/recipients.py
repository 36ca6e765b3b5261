"""Who receives staff alerts: the case owner, the entity's supervisors, its head."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.db import id_in
from casework.identity.models import AssignmentRole, CaseAssignment, Role, RoleGrant, StaffUser


def staff_by_entity_role(
    session: Session, entity_ids: Iterable[int], roles: Iterable[Role]
) -> dict[tuple[int, Role], list[int]]:
    """`staff_with_role` for many entities and roles in one query: (entity, role) -> user ids."""
    wanted, wanted_roles = sorted(set(entity_ids)), list(set(roles))
    found: dict[tuple[int, Role], list[int]] = {}
    if not wanted or not wanted_roles:
        return found
    rows = session.execute(
        select(RoleGrant.entity_id, RoleGrant.role, RoleGrant.user_id)
        .join(StaffUser, StaffUser.id == RoleGrant.user_id)
        .where(
            RoleGrant.entity_id.in_(wanted), RoleGrant.role.in_(wanted_roles), StaffUser.is_active
        )
        .order_by(RoleGrant.user_id)
    )
    for entity_id, role, user_id in rows:
        if entity_id is not None:
            found.setdefault((entity_id, role), []).append(user_id)
    return found


def leads_by_case(session: Session, case_ids: Iterable[int]) -> dict[int, list[int]]:
    """The active lead investigators of many cases in one query: case id -> user ids."""
    wanted = sorted(set(case_ids))
    found: dict[int, list[int]] = {}
    if not wanted:
        return found
    rows = session.execute(
        select(CaseAssignment.case_id, CaseAssignment.user_id)
        .join(StaffUser, StaffUser.id == CaseAssignment.user_id)
        .where(
            id_in(CaseAssignment.case_id, wanted, session),
            CaseAssignment.role == AssignmentRole.LEAD,
            CaseAssignment.ended_at.is_(None),
            StaffUser.is_active,
        )
        .order_by(CaseAssignment.user_id)
    )
    for case_id, user_id in rows:
        found.setdefault(case_id, []).append(user_id)
    return found


# The same rules run in SQL on PostgreSQL (alert_scan._RAISE_ALERTS_BODY): change both together;
# tests/integration/notifications/test_alert_recipients.py holds them to one behaviour.
_ROLE_BY_LEVEL = {"red": Role.SUPERVISOR, "ceiling": Role.HEAD_OF_ENTITY}


def recipients_of_alerts(
    session: Session, alerts: Sequence[tuple[int, int, str]]
) -> list[list[int]]:
    """Amber to the case's leads (else the supervisors), red to supervisors, ceiling to heads."""
    leads = leads_by_case(session, [case for case, _entity, level in alerts if level == "amber"])
    # Entities whose supervisors or heads are needed: amber alerts on cases with a lead need none.
    needed = [
        (entity, _ROLE_BY_LEVEL.get(level, Role.SUPERVISOR))
        for case, entity, level in alerts
        if level != "amber" or not leads.get(case)
    ]
    staff = staff_by_entity_role(
        session, [entity for entity, _role in needed], [role for _entity, role in needed]
    )
    recipients = []
    for case_id, entity_id, level in alerts:
        if level == "amber":
            owners = leads.get(case_id) or staff.get((entity_id, Role.SUPERVISOR), [])
            recipients.append(owners)
        else:
            recipients.append(
                staff.get((entity_id, _ROLE_BY_LEVEL.get(level, Role.SUPERVISOR)), [])
            )
    return recipients
