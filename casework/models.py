"""Imports every model module so that Base.metadata is complete (for Alembic and create_all)."""

from __future__ import annotations

from casework.audit import models as audit_models
from casework.cases import clock_models as case_clock_models
from casework.cases import decision_models as case_decision_models
from casework.cases import evidence_models as case_evidence_models
from casework.cases import models as case_models
from casework.clearcheck import models as clearcheck_models
from casework.identity import models as identity_models
from casework.notifications import models as notification_models
from casework.oversight import models as oversight_models
from casework.receipts import models as receipt_models
from casework.statistics import models as statistics_models
from casework.system import models as system_models

__all__ = [
    "audit_models",
    "case_clock_models",
    "case_decision_models",
    "case_evidence_models",
    "case_models",
    "clearcheck_models",
    "identity_models",
    "notification_models",
    "oversight_models",
    "receipt_models",
    "statistics_models",
    "system_models",
]
