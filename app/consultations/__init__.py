"""Consulting residents on a proposed data project before the committee advises (commitment V3).

The committee (the rapporteur or the chair) writes a public summary in plain language, the
lead checks and corrects it, the committee opens it for a period; residents react without an
account; the committee tags and moderates the reactions and says in its advice how it weighed
them. What is public (the summary, counts, themes and the committee's anonymous summaries)
never holds a respondent's name, address or words; their personal data is deleted after the
retention period (CONSULTATION_RETENTION_DAYS)."""
