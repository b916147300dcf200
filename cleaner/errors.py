"""The CleanerError tree.  Each error knows the CLI exit code it maps to."""
from __future__ import annotations


class CleanerError(Exception):
    """Base class for errors a user can act on.  The message says what to do."""

    exit_code: int = 2


class UsageError(CleanerError):
    """Bad arguments or paths: a missing input, an OUT inside the input, an OUT from another run."""

    exit_code = 2


class InputError(CleanerError):
    """An input file or table that cannot be read as a whole (not a single bad record)."""

    exit_code = 3


class ModelError(CleanerError):
    """A model, index or log file that is missing, corrupt, crafted, or of an unsupported version."""

    exit_code = 4


class Interrupted(CleanerError):
    """The run was interrupted (Ctrl-C).  Outputs written so far are complete files; rerun to finish."""

    exit_code = 130
