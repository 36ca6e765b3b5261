"""Helpers for boundaries (views, CLI, tasks) to reach settings, keys and the session."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from flask import Flask, current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from casework.config import Settings
from casework.crypto import LocalKeyring
from casework.extensions import db
from casework.keys.services import Keys


def app_settings(app: Flask | None = None) -> Settings:
    """Return the settings the running app was built with."""
    return cast(Settings, (app or current_app).extensions["casework.settings"])


def app_keys(app: Flask | None = None) -> Keys:
    """Return the key material of the running app."""
    return cast(Keys, (app or current_app).extensions["casework.keys"])


def app_keyring(app: Flask | None = None) -> LocalKeyring:
    """Return the local keyring of the running app."""
    return cast(LocalKeyring, (app or current_app).extensions["casework.keyring"])


def session() -> Session:
    """Return the request- or task-scoped database session."""
    return cast(Session, db.session)


def engine() -> Engine:
    """Return the running app's database engine (for work outside the session)."""
    return db.engine


def now() -> datetime:
    """Return the current UTC time; boundaries pass it to services."""
    return datetime.now(UTC)
