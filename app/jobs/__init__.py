"""The background job runner: the reminder scan and the outbox sender, run by `datawaarden jobs
run` — with procrastinate (a PostgreSQL job queue) on PostgreSQL, as one plain loop on the
embedded SQLite default."""
