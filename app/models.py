"""Import every table so that the metadata (and Alembic) sees the whole schema."""

from app import wiring  # noqa: F401  (connects the packages, see there)
from app.archive.models import ArchiveEntry  # noqa: F401
from app.assessments.models import (  # noqa: F401
    Answer,
    AnswerRevision,
    Assessment,
    AssessmentEditor,
    ConflictOfInterest,
    ReferenceCounter,
    StateChange,
    Submission,
)
from app.attachments.models import Attachment, Blob  # noqa: F401
from app.audit.models import AuditCheckpoint, AuditEvent  # noqa: F401
from app.consultations.models import Consultation, ConsultationReaction  # noqa: F401
from app.db import metadata  # noqa: F401
from app.jobs.models import JobRun  # noqa: F401
from app.notifications.models import Notification, OutgoingMail  # noqa: F401
from app.questionnaires.models import QuestionnaireVersion  # noqa: F401
from app.reminders.models import Reminder  # noqa: F401
from app.reports.models import Report  # noqa: F401
from app.reviews.models import (  # noqa: F401
    Advice,
    AdviceCondition,
    ConditionFollowUp,
    ConditionUpdate,
    Opinion,
    ReviewComment,
    SectionVerdict,
)
from app.users.models import (  # noqa: F401
    ApiRateWindow,
    ApiToken,
    LoginThrottle,
    ParkedRequest,
    User,
    UserRole,
    WebSession,
)
