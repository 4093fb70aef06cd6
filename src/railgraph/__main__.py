"""``python -m railgraph``."""

from .cli import main

main()
