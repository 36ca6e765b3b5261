"""Entities, staff users, entity-scoped roles, sign-in state and need-to-know access rows."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, enum_by_value


class Role(enum.Enum):
    """Staff roles of domain.md section 1, each held within one entity."""

    INTAKE_OFFICER = "intake_officer"
    INVESTIGATOR = "investigator"
    SUPERVISOR = "supervisor"
    DECISION_MAKER = "decision_maker"
    HEAD_OF_ENTITY = "head_of_entity"
    OVERSIGHT = "oversight"
    ADMINISTRATOR = "administrator"


class AssignmentRole(enum.Enum):
    """A user's role on one case."""

    LEAD = "lead"
    MEMBER = "member"
    DECISION_MAKER = "decision_maker"


class Entity(Base):
    """An organisation of the UN system; its cases are invisible to other entities' staff."""

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    reference_prefix: Mapped[str] = mapped_column(String(8), unique=True)
    guidance_version: Mapped[str] = mapped_column(String(32))
    retention_years: Mapped[int] = mapped_column(default=7)
    weekend_days: Mapped[str] = mapped_column(String(16), default="5,6")
    created_at: Mapped[datetime]

    holidays: Mapped[list[EntityHoliday]] = relationship(
        back_populates="entity", cascade="all, delete-orphan", order_by="EntityHoliday.day"
    )


class EntityHoliday(Base):
    """A non-working day in an entity's calendar (working-day clocks skip it)."""

    __tablename__ = "entity_holidays"
    __table_args__ = (UniqueConstraint("entity_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    day: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(120), default="")

    entity: Mapped[Entity] = relationship(back_populates="holidays")


class StaffUser(Base):
    """A member of staff who signs in; names here are work identities, not case parties."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret_ct: Mapped[bytes | None]
    # The last TOTP time step accepted, so a code cannot be replayed within its window.
    totp_last_step: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class RoleGrant(Base):
    """One role held by a user within one entity (system-wide roles have no entity)."""

    __tablename__ = "role_grants"
    # (entity, role): who is supervisor or head of an entity, looked up for every alert raised.
    __table_args__ = (
        UniqueConstraint("user_id", "entity_id", "role"),
        Index("ix_role_grants_entity_id_role", "entity_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_by_value(Role, "role"))

    user: Mapped[StaffUser] = relationship(back_populates="grants")
    entity: Mapped[Entity | None] = relationship()


class StaffSession(Base):
    """A server-side sign-in session; the cookie holds a random token, the row only its hash."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    # NULL until the second factor is given: such a session reaches nothing but the code form.
    second_factor_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(40))
    client_address: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[StaffUser] = relationship()


class LoginAttempt(Base):
    """One sign-in attempt, kept for throttling per account and per client address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "client_address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    client_address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    succeeded: Mapped[bool] = mapped_column(default=False)


class RecoveryCode(Base):
    """A single-use second-factor recovery code, stored as a SHA-256 hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class CaseAssignment(Base):
    """A user given need-to-know access to one case, with their role on it."""

    __tablename__ = "case_assignments"
    __table_args__ = (UniqueConstraint("case_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[AssignmentRole] = mapped_column(enum_by_value(AssignmentRole, "assignment_role"))
    assigned_at: Mapped[datetime]
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    ended_at: Mapped[datetime | None]


class CaseExclusion(Base):
    """A declared conflict of interest: the user can never be given access to the case."""

    __tablename__ = "case_exclusions"
    __table_args__ = (UniqueConstraint("case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime]
    declared_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))


class BreakGlassGrant(Base):
    """Emergency access to one case by a supervisor, with a written reason and an expiry."""

    __tablename__ = "break_glass_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime]
