"""cleaner: scraped plain-text pages in, single clean articles out, near-duplicates found, every removal logged."""
from __future__ import annotations

import logging

from .config import CleanerConfig
from .document import REASONS, CleanResult, Document, Removal
from .errors import CleanerError

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["REASONS", "CleanResult", "CleanerConfig", "CleanerError", "Document", "Removal"]
__version__ = "0.1.0"
