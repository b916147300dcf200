"""cleaner: scraped plain-text pages in, single clean articles out, near-duplicates found, every removal logged."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .config import CleanerConfig
from .document import REASONS, CleanResult, Document, Removal
from .errors import CleanerError

logging.getLogger(__name__).addHandler(logging.NullHandler())

if TYPE_CHECKING:  # pragma: no cover
    from .api import Cleaner, strip_text

__all__ = ["REASONS", "CleanResult", "Cleaner", "CleanerConfig", "CleanerError", "Document", "Removal", "strip_text"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``Cleaner`` and ``strip_text`` load the pipeline (numpy, models) only when first used."""
    if name in ("Cleaner", "strip_text"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'cleaner' has no attribute {name!r}")
