"""Property-based run of schemathesis against the app's own OpenAPI document: no server error,
no response that breaks its documented schema, status codes and content types as documented."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from app.users.tokens import create_token

EXAMPLES_PER_OPERATION = 12


@schemathesis.serializer("application/pdf")
def _pdf(ctx, value):  # type: ignore[no-untyped-def]
    """Generated PDF bodies: bytes as they are, text as UTF-8 (mostly not PDFs at all)."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")


def test_it_answers_every_generated_request_without_a_server_error_or_a_schema_violation(
    app, db, personas, submitted, dev_pki
):
    _row, text = create_token(db, user=personas["chair"], name="schemathesis", expires_days=None)
    db.commit()
    headers = {"Authorization": f"Bearer {text}"}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):  # type: ignore[no-untyped-def]
            # Every check runs, also "schema-valid data is accepted": what the document allows
            # is answered 2xx, or refused for a reason the data cannot show (401, 403, 404, 409).
            case.call_and_validate(headers=headers)

        try:
            run()
        except Exception as exc:  # collect all operations' failures, then report them together
            causes = getattr(exc, "exceptions", None) or [exc]
            failures.append(
                f"{operation.label}: {exc}\n" + "\n".join(repr(c)[:1500] for c in causes)
            )
    assert operations >= 15
    assert not failures, "\n\n".join(failures)
