from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.conftest import on_both_databases
from tests.dashboard import data

engine = on_both_databases()


@pytest.fixture
def known(db: Session, personas, sample_version) -> list[int]:  # type: ignore[no-untyped-def]
    """The small archive of tests/dashboard/data.py, on the sample questionnaire."""
    ids = data.seed(
        db,
        lead_id=personas["lead"].id,
        version_id=sample_version.id,
        questionnaire_key="sample",
        value_ids=("transparent", "reliable"),
        obligation_ids=("dpo", "dpia_recommended", "dpia_required"),
    )
    db.commit()
    return ids
