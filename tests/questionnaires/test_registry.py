"""Questionnaire versions in the database, and the questionnaire CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from app.assessments.models import Assessment
from app.config import ROOT
from app.questionnaires.models import QuestionnaireVersion
from app.questionnaires.problems import QuestionnaireInvalid
from app.questionnaires.registry import definition_of, find_version, sync_questionnaires
from app.questionnaires.schema import json_schema

SAMPLE = Path(__file__).with_name("sample.yaml")


@pytest.fixture
def qdir(tmp_path):
    target = tmp_path / "q"
    target.mkdir()
    shutil.copy(SAMPLE, target / "sample-v1.yaml")
    return target


def _use(db, version, lead_id):
    db.add(
        Assessment(
            reference="DW-TEST-0001",
            title="t",
            department="d",
            description="x",
            questionnaire_version_id=version.id,
            lead_id=lead_id,
        )
    )
    db.flush()


def test_it_stores_a_version_with_its_hash_and_finds_it_back(db, qdir):
    assert sync_questionnaires(db, qdir) == ["sample v1"]
    version = find_version(db, "sample")
    assert len(version.sha256) == 64
    assert definition_of(version).key == "sample"


def test_it_refuses_a_changed_file_for_a_version_that_is_in_use(db, qdir, personas):
    sync_questionnaires(db, qdir)
    _use(db, find_version(db, "sample", 1), personas["lead"].id)
    path = qdir / "sample-v1.yaml"
    path.write_text(path.read_text().replace("Voorbeeld", "Ander voorbeeld"))
    with pytest.raises(QuestionnaireInvalid) as excinfo:
        sync_questionnaires(db, qdir)
    assert "was changed after assessments started using it" in str(excinfo.value)
    assert "raise 'version'" in str(excinfo.value)


def test_it_accepts_a_layout_change_that_does_not_change_the_content(db, qdir, personas):
    sync_questionnaires(db, qdir)
    _use(db, find_version(db, "sample", 1), personas["lead"].id)
    path = qdir / "sample-v1.yaml"
    path.write_text("# a comment added later\n" + path.read_text())
    assert sync_questionnaires(db, qdir) == ["sample v1"]


def test_it_accepts_a_new_version_beside_the_old_one(db, qdir, personas):
    sync_questionnaires(db, qdir)
    _use(db, find_version(db, "sample", 1), personas["lead"].id)
    text = (qdir / "sample-v1.yaml").read_text()
    (qdir / "sample-v2.yaml").write_text(
        text.replace("version: 1", "version: 2").replace("Voorbeeld", "V2")
    )
    sync_questionnaires(db, qdir)
    assert find_version(db, "sample").version == 2
    assert definition_of(find_version(db, "sample", 1)).title.nl == "Voorbeeld"


def test_it_refuses_two_files_with_the_same_key_and_version(db, qdir):
    shutil.copy(qdir / "sample-v1.yaml", qdir / "copy.yaml")
    with pytest.raises(QuestionnaireInvalid) as excinfo:
        sync_questionnaires(db, qdir)
    assert "is also defined in" in str(excinfo.value)


def test_it_ships_questionnaires_that_all_validate(db):
    names = sync_questionnaires(db, ROOT / "questionnaires")
    assert names, "no questionnaire is shipped"
    assert db.exec(select(QuestionnaireVersion)).first() is not None


def test_it_ships_a_json_schema_that_matches_the_models():
    shipped = json.loads((ROOT / "questionnaires" / "schema.json").read_text())
    assert shipped == json.loads(json.dumps(json_schema())), "run `make schema`"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "questionnaire", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_validates_files_on_the_command_line(tmp_path):
    good = _cli("validate", str(SAMPLE))
    assert good.returncode == 0, good.stderr
    assert "valid" in good.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(SAMPLE.read_text().replace("type: number", "type: slider"))
    result = _cli("validate", str(bad), str(SAMPLE))
    assert result.returncode == 1
    assert f"{bad}:" in result.stderr and "sections[0].questions[2].type" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_shows_an_outline_of_a_questionnaire():
    result = subprocess.run(
        [sys.executable, "-m", "app", "questionnaire", "show", "sample", "--locale", "en"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "DATAWAARDEN_QUESTIONNAIRES_DIR": str(SAMPLE.parent)},
    )
    assert result.returncode == 0, result.stderr
    assert "Personal data?" in result.stdout and "dpia_required" in result.stdout


def test_it_finds_the_questionnaire_of_a_version_by_id_and_reuses_the_parsed_one(db, qdir):
    from app.errors import NotFound
    from app.questionnaires.registry import definition_by_id

    sync_questionnaires(db, qdir)
    version = find_version(db, "sample", 1)
    found = definition_by_id(db, version.id)
    assert found.key == "sample" and found.version == 1
    assert definition_by_id(db, version.id) is found
    assert definition_of(version) is found
    with pytest.raises(NotFound):
        definition_by_id(db, 2_000_000_000)
