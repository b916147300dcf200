"""The dedup suite's shared texts live in ``dedup_helpers`` (this folder, put on sys.path)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
