"""`python -m app` runs the `datawaarden` command."""

from app.cli import main

main()
