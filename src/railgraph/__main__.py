"""``python -m railgraph``."""

from .cli import run

run()
