"""Notifications in the app and by e-mail; `lifecycle` subscribes to the assessments' moves."""
