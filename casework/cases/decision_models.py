"""The decision maker's decision on a case: disciplinary and non-disciplinary measures."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, enum_by_value


class DisciplinaryMeasure(enum.Enum):
    """Disciplinary measures of Staff Rule 10.2(a) (domain.md section 2)."""

    WRITTEN_CENSURE = "written_censure"
    LOSS_OF_STEPS = "loss_of_steps"
    DEFERMENT_OF_INCREMENT = "deferment_of_increment"
    SUSPENSION_WITHOUT_PAY = "suspension_without_pay"
    FINE = "fine"
    DEFERMENT_OF_PROMOTION = "deferment_of_promotion"
    DEMOTION = "demotion"
    SEPARATION_WITH_NOTICE = "separation_with_notice"
    SEPARATION_WITHOUT_NOTICE = "separation_without_notice"
    DISMISSAL = "dismissal"


class NonDisciplinaryMeasure(enum.Enum):
    """Administrative, non-disciplinary measures."""

    WRITTEN_REPRIMAND = "written_reprimand"
    TRAINING = "training"
    OTHER = "other"


# Measures that end employment: they put the subject on the ClearCheck screening list.
SEPARATING_MEASURES = frozenset(
    {
        DisciplinaryMeasure.SEPARATION_WITH_NOTICE,
        DisciplinaryMeasure.SEPARATION_WITHOUT_NOTICE,
        DisciplinaryMeasure.DISMISSAL,
    }
)


class Decision(Base):
    """The decision on a case: measures as a comma-separated list of DisciplinaryMeasure values."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    measures: Mapped[str] = mapped_column(String(400), default="")
    non_disciplinary: Mapped[NonDisciplinaryMeasure | None] = mapped_column(
        enum_by_value(NonDisciplinaryMeasure, "non_disciplinary_measure")
    )
    decided_at: Mapped[datetime]
    notified_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    def measure_list(self) -> tuple[DisciplinaryMeasure, ...]:
        """Return the disciplinary measures decided, in stored order."""
        return tuple(DisciplinaryMeasure(v) for v in self.measures.split(",") if v)
