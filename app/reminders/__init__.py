"""Reminders: conditions due soon or overdue, and re-assessments coming up, recorded once per
recipient and sent in the app and through the durable outbox (run by app.jobs)."""
