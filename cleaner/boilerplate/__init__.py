"""Boilerplate stripping for plain-text pages: corpus templates, trained line model, article assembly.

Public API used by the pipeline (stable contract):

- ``TemplateStats``: per-site document frequency of normalized lines (hashes, bounded memory).
  ``add_page(site, text)``, ``merge(other)``, ``to_dict()`` / ``from_dict()``.
- ``StripModel``: the trained line model plus optional TemplateStats; ``StripModel.load(path | None)``
  (None = the model shipped in ``cleaner/models/``), ``save(path)``.  JSON, never pickle.
- ``Stripper(model, templates=None, split_articles=False).strip(text, site=None) -> StripOutcome``:
  ``removals`` are normalized (sorted, in bounds, non-overlapping) Removal spans of ``text``;
  ``secondary`` lists ``(start, end)`` spans of appended second articles (also covered by removals).
  ``strip_many(texts, sites=None)`` gives the same outcomes for a batch, sharing the array work
  (tokens, line keys, features, the model) across its pages; the pipeline strips in batches.
- ``train(rows) -> StripModel`` from dicts with ``page_text`` and ``gold_text``.
"""
from .model import StripModel, train
from .stripper import StripOutcome, Stripper
from .templates import TemplateStats

__all__ = ["StripModel", "StripOutcome", "Stripper", "TemplateStats", "train"]
