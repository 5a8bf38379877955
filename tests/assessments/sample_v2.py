"""Version 2 of the test questionnaire (tests/questionnaires/sample.yaml), made from version 1
in a temporary directory and stored in the test's transaction. Against version 1 it:

- adds the question `goal` (required, in the profile section);
- changes `personal`: the option `ordinary` is renamed and `special` is replaced by
  `sensitive` (an answer "special" is no longer valid);
- changes `confidence` from a scale to a choice of low/high (an answer 3 is no longer valid);
- changes `published`: worded differently and no longer required;
- changes when `people` is asked;
- drops the question `site`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session

from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.registry import find_version, sync_questionnaires
from app.questionnaires.yaml_source import Yaml12Loader

SAMPLE = Path(__file__).parents[1] / "questionnaires" / "sample.yaml"


def _question(doc: dict[str, Any], qid: str) -> dict[str, Any]:
    return next(q for s in doc["sections"] for q in s["questions"] if q["id"] == qid)


def sample_v2_document() -> dict[str, Any]:
    doc = copy.deepcopy(yaml.load(SAMPLE.read_text(encoding="utf-8"), Loader=Yaml12Loader))
    doc["version"] = 2
    profile, transparency = doc["sections"]
    profile["questions"].insert(
        1,
        {
            "id": "goal",
            "type": "short_text",
            "label": {"nl": "Doel", "en": "Goal"},
            "help": {"nl": "Waarvoor.", "en": "What for."},
            "required": True,
            "basis": ["T1"],
        },
    )
    personal = _question(doc, "personal")
    personal["options"] = [
        {"id": "none", "label": {"nl": "Geen", "en": "None"}},
        {
            "id": "ordinary",
            "label": {"nl": "Gewone persoonsgegevens", "en": "Ordinary personal data"},
            "risk": {"reliable": 2},
        },
        {
            "id": "sensitive",
            "label": {"nl": "Gevoelige", "en": "Sensitive"},
            "risk": {"reliable": 4, "transparent": 1},
        },
    ]
    _question(doc, "people")["show_if"] = {"equals": {"question": "personal", "value": "ordinary"}}
    published = _question(doc, "published")
    published["label"] = {"nl": "Wordt het gepubliceerd?", "en": "Will it be published?"}
    published["required"] = False
    confidence = _question(doc, "confidence")
    confidence.update(
        type="single_choice",
        options=[
            {"id": "low", "label": {"nl": "Laag", "en": "Low"}, "risk": {"reliable": 2}},
            {"id": "high", "label": {"nl": "Hoog", "en": "High"}},
        ],
    )
    del confidence["option_risk"]
    transparency["questions"] = [q for q in transparency["questions"] if q["id"] != "site"]
    # The rules and obligations that name the option "special" name "sensitive" instead.
    text = json.dumps({"rules": doc["rules"], "obligations": doc["obligations"]})
    doc.update(json.loads(text.replace('"special"', '"sensitive"')))
    return doc


def store_sample_v2(session: Session, directory: Path) -> QuestionnaireVersion:
    """Write version 2 into `directory` and store it (in the caller's transaction)."""
    directory.mkdir(parents=True, exist_ok=True)
    # JSON is YAML too, and quotes every text (so "no" stays a text, not a boolean).
    (directory / "sample-v2.yaml").write_text(
        json.dumps(sample_v2_document(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    sync_questionnaires(session, directory)
    session.commit()  # to the test's savepoint: a refused request does not roll it back
    return find_version(session, "sample", 2)


# Answers to version 1 and what becomes of them on moving to version 2.
V1_ANSWERS = {
    "name": "Verkeerstellingen",
    "personal": "special",  # not an option of version 2
    "people": 50000,
    "published": "yes",
    "purposes": ["policy"],
    "confidence": 3,  # version 2 asks low/high
    "site": "https://example.org/tellingen",  # dropped in version 2
}
CARRIED = {"name", "people", "published", "purposes"}
INVALID = {"personal", "confidence"}
DROPPED = {"site"}
