"""`python -m incidents` runs the command line."""

from incidents.cli import app

app()
