"""The hardening suite's shared helpers live in ``hardening_helpers`` (this folder, put on sys.path)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
