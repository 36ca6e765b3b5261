"""Entities (organisations), staff users and their entity-scoped roles."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
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
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime]

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class RoleGrant(Base):
    """One role held by a user within one entity."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "entity_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_by_value(Role, "role"))

    user: Mapped[StaffUser] = relationship(back_populates="grants")
    entity: Mapped[Entity] = relationship()
