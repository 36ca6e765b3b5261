"""Imports every model module so that Base.metadata is complete (for Alembic and create_all)."""

from __future__ import annotations

from casework.cases import models as case_models
from casework.identity import models as identity_models
from casework.system import models as system_models

__all__ = ["case_models", "identity_models", "system_models"]
