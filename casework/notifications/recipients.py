"""Who receives staff alerts: the case owner, the entity's supervisors, its head."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.identity.models import AssignmentRole, CaseAssignment, Role, RoleGrant, StaffUser


def staff_with_role(session: Session, entity_id: int, role: Role) -> list[int]:
    """Ids of active staff holding a role in an entity."""
    rows = session.scalars(
        select(RoleGrant.user_id)
        .join(StaffUser, StaffUser.id == RoleGrant.user_id)
        .where(RoleGrant.entity_id == entity_id, RoleGrant.role == role, StaffUser.is_active)
        .order_by(RoleGrant.user_id)
    )
    return list(rows)


def case_owners(session: Session, entity_id: int, case_id: int) -> list[int]:
    """The case's lead investigator(s); without one, the entity's supervisors stand in."""
    leads = list(
        session.scalars(
            select(CaseAssignment.user_id)
            .join(StaffUser, StaffUser.id == CaseAssignment.user_id)
            .where(
                CaseAssignment.case_id == case_id,
                CaseAssignment.role == AssignmentRole.LEAD,
                CaseAssignment.ended_at.is_(None),
                StaffUser.is_active,
            )
            .order_by(CaseAssignment.user_id)
        )
    )
    return leads or staff_with_role(session, entity_id, Role.SUPERVISOR)


def threshold_recipients(session: Session, entity_id: int, case_id: int, level: str) -> list[int]:
    """Amber goes to the owner, red to supervisors, the ceiling to the head of entity."""
    if level == "amber":
        return case_owners(session, entity_id, case_id)
    if level == "ceiling":
        return staff_with_role(session, entity_id, Role.HEAD_OF_ENTITY)
    return staff_with_role(session, entity_id, Role.SUPERVISOR)
