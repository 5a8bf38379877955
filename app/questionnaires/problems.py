"""What is wrong in a questionnaire file: the file, the line, the path inside it and what."""

from __future__ import annotations

from dataclasses import dataclass

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a questionnaire file."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(file)'}: {self.message}"


class QuestionnaireInvalid(Exception):
    """A questionnaire file has problems; str() lists them all, one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(path: Path_) -> str:
    """`sections[2].questions[4]` from ('sections', 2, 'questions', 4)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out
