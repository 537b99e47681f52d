"""The package version, in one place: pyproject.toml and ``__init__`` read it here, and
saved models record it (``_persistence.py``)."""

__version__ = "0.2.0.dev0"
