"""The trained line model: a small numpy MLP over line features, saved as JSON (never pickle)."""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from .features import PageArrays, feature_names, token_groups
from .templates import TemplateStats

FORMAT = "cleaner-strip-model"
VERSION = 1
MAX_MODEL_BYTES = 64 * 1024 * 1024


@dataclass
class Decoder:
    """How line probabilities become keep/remove decisions."""

    # chosen by site-grouped CV of the stacked model on wcxb-dev and daniel-dev together (1.0/0.0 before):
    # 0.5/0.45 raised both (0.9178 -> 0.9223 and 0.9049 -> 0.9126 F1 with the same fold models)
    switch_cost: float = 0.5  # Viterbi cost of switching between keep and remove
    bias: float = 0.45  # added to each line's log-odds before decoding


@dataclass
class LineNet:
    """A one-hidden-layer perceptron with standardized inputs."""

    mean: np.ndarray
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float

    _folded: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False, compare=False)

    def logits(self, x: np.ndarray) -> np.ndarray:
        # float64 on purpose: a row's score must not depend on the other rows of the batch. BLAS sums in
        # an order that depends on the matrix shape, and float32 rounding then moved scores between a
        # page stripped alone and in a batch (--jobs and batch sizes must give identical outputs).
        if self._folded is None:  # standardization folded into the first layer: one pass over x, not three
            w = self.w1 / self.std[:, None]
            self._folded = (w, self.b1 - self.mean @ w)
        w1, b1 = self._folded
        h = x @ w1
        h += b1
        np.maximum(h, 0.0, out=h)
        out: np.ndarray = h @ self.w2 + self.b2
        return out

    def to_dict(self) -> dict[str, Any]:
        def r(a: np.ndarray) -> Any:
            return np.round(a.astype(np.float64), 6).tolist()
        return {"mean": r(self.mean), "std": r(self.std), "w1": r(self.w1), "b1": r(self.b1),
                "w2": r(self.w2), "b2": round(float(self.b2), 6)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], n_features: int) -> LineNet:
        def arr(name: str, shape: tuple[int, ...]) -> np.ndarray:
            try:
                a = np.asarray(d[name], dtype=np.float64)
            except (KeyError, TypeError, ValueError) as exc:
                raise ModelError(f"model field net.{name} is missing or not numeric") from exc
            if a.shape != shape or not np.isfinite(a).all():
                raise ModelError(f"model field net.{name} has shape {a.shape}, expected {shape} of finite numbers")
            return a
        w1 = np.asarray(d.get("w1", []), dtype=object)
        hidden = len(d["w1"][0]) if isinstance(d.get("w1"), list) and d["w1"] and isinstance(d["w1"][0], list) else -1
        if hidden <= 0 or hidden > 4096 or w1.shape[0] != n_features:
            raise ModelError("model field net.w1 does not match the feature set of this version")
        std = arr("std", (n_features,))
        if (std <= 0).any():
            raise ModelError("model field net.std must be positive")
        return cls(arr("mean", (n_features,)), std, arr("w1", (n_features, hidden)), arr("b1", (hidden,)),
                   arr("w2", (hidden,)), float(arr("b2", ())))


#: windows (lines each side, within the page) of the first stage's mean log-odds seen by the second stage
CONTEXT_WINDOWS: tuple[int, ...] = (2, 5, 12, 30)
CONTEXT_NAMES: tuple[str, ...] = (
    "z", *(f"z@mean{w}" for w in CONTEXT_WINDOWS), *(f"pos@mean{w}" for w in CONTEXT_WINDOWS),
    "kept_chars_before", "kept_chars_after", "log_dist_sure_above", "log_dist_sure_below", "page_mean_z",
    "z@same_first_token", "pos@same_first_token", "log_same_first_token")
#: log-odds above this make a line "sure" content for the distance features
SURE = 1.0


def first_tokens(pa: PageArrays, idx: np.ndarray) -> np.ndarray:
    """The hash of the first token of each line ``idx`` of a batch (0 for a line without tokens)."""
    line = pa.tokens.line
    if line.size == 0 or idx.size == 0:
        return np.zeros(idx.size, dtype=np.uint64)
    at = np.minimum(np.searchsorted(line, idx), line.size - 1)
    return np.where(line[at] == idx, pa.tokens.hashes[at], np.uint64(0)).astype(np.uint64)


def context_features(z: np.ndarray, chars: np.ndarray, row_ptr: np.ndarray,
                     first: np.ndarray | None = None) -> np.ndarray:
    """Second-stage inputs over the rows of a batch from the first stage's log-odds ``z`` (page ``p`` owns rows
    ``row_ptr[p]:row_ptr[p + 1]``): window means of the log-odds and of the kept decisions, the share of the
    page's kept characters before and after the line, and the distance to the nearest sure line each side.
    The model then sees each line's score in the light of the article around it (a short item line inside
    a run of kept list text, a lone high score among template lines)."""
    m = z.size
    out = np.zeros((len(CONTEXT_NAMES), m)).T  # column-major, as the feature matrix
    if m == 0:
        return out
    z = np.clip(z, -10.0, 10.0)
    counts = np.diff(row_ptr)
    page = np.repeat(np.arange(counts.size), counts)
    p0, p1 = row_ptr[:-1][page], row_ptr[1:][page]
    i = np.arange(m)
    pos = (z > 0).astype(np.float64)
    out[:, 0] = z
    cz = np.concatenate(([0.0], np.cumsum(z)))
    cp = np.concatenate(([0.0], np.cumsum(pos)))
    for n, w in enumerate(CONTEXT_WINDOWS):
        lo, hi = np.maximum(i - w, p0), np.minimum(i + w + 1, p1)
        out[:, 1 + n] = (cz[hi] - cz[lo]) / (hi - lo)
        out[:, 1 + len(CONTEXT_WINDOWS) + n] = (cp[hi] - cp[lo]) / (hi - lo)
    col = 1 + 2 * len(CONTEXT_WINDOWS)
    kc = chars * pos
    ck = np.concatenate(([0.0], np.cumsum(kc)))
    total = np.maximum(ck[p1] - ck[p0], 1.0)
    out[:, col] = (ck[i] - ck[p0]) / total
    out[:, col + 1] = (ck[p1] - ck[i + 1]) / total
    size = (p1 - p0).astype(np.float64)
    sure = z > SURE
    above = np.full(m, -1, dtype=np.int64)  # the nearest sure row strictly above each row (-1: none)
    above[1:] = np.maximum.accumulate(np.where(sure, i, -1))[:-1]
    out[:, col + 2] = np.log1p(np.where(above >= p0, i - above, size))
    below = np.full(m, m, dtype=np.int64)  # the nearest sure row strictly below (m: none)
    below[:-1] = np.minimum.accumulate(np.where(sure, i, m)[::-1])[::-1][1:]
    out[:, col + 3] = np.log1p(np.where(below < p1, below - i, size))
    out[:, col + 4] = (np.bincount(page, weights=z, minlength=counts.size) / np.maximum(counts, 1))[page]
    if first is not None:
        has = np.flatnonzero(first != 0)
        if has.size:
            grp = token_groups(page[has], first[has])  # the lines of a page with the same first token
            same = np.bincount(grp)[grp].astype(np.float64)  # how many
            others = np.maximum(same - 1.0, 1.0)
            out[has, col + 5] = np.where(same > 1, (np.bincount(grp, weights=z[has])[grp] - z[has]) / others, 0.0)
            out[has, col + 6] = np.where(same > 1, (np.bincount(grp, weights=pos[has])[grp] - pos[has]) / others,
                                         0.0)
            out[has, col + 7] = np.log(same)
    return out


def stacked_inputs(x: np.ndarray, z: np.ndarray, row_ptr: np.ndarray, first: np.ndarray | None) -> np.ndarray:
    """The second stage's inputs: the feature rows ``x`` and the :func:`context_features` of the first stage's
    log-odds ``z``.  When ``x`` has exactly :data:`CONTEXT_NAMES` columns more than the features (``spare``
    columns of :func:`.features.line_features`), they are written there and ``x`` is returned, not copied."""
    names = feature_names()
    n = len(names)
    chars = np.expm1(x[:, names.index("log_chars")])  # log1p of the line's non-space characters
    context = context_features(z, chars, row_ptr, first)
    if x.shape[1] == n + context.shape[1]:
        x[:, n:] = context
        return x
    return np.hstack((x[:, :n], context))


@dataclass
class StripModel:
    """Line model, learned function words, decoder settings, and optional site templates."""

    net: LineNet | None = None
    function_words: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    decoder: Decoder = field(default_factory=Decoder)
    templates: TemplateStats | None = None
    training_digest: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    #: optional second stage: a net over the features and :func:`context_features` of the first stage's scores
    net2: LineNet | None = None

    def line_logits(self, x: np.ndarray, row_ptr: np.ndarray, first: np.ndarray | None = None) -> np.ndarray:
        """Log-odds of each feature row (page ``p`` owns rows ``row_ptr[p]:row_ptr[p + 1]``; ``first``: the
        hash of each row's first token, see :func:`first_tokens`).

        ``x`` may hold :attr:`spare_columns` more columns after the features (``line_features(spare=...)``):
        the second stage's inputs are then written there rather than into a copy of the matrix.
        """
        assert self.net is not None
        n = self.net.mean.size
        z = self.net.logits(x[:, :n])
        if self.net2 is None or z.size == 0:
            return z
        return self.net2.logits(stacked_inputs(x, z, row_ptr, first))

    @property
    def spare_columns(self) -> int:
        """Columns to leave after the features for :meth:`line_logits` (the second stage's own inputs)."""
        return len(CONTEXT_NAMES) if self.net2 is not None else 0

    @classmethod
    def load(cls, path: str | Path | None = None) -> StripModel:
        """Load a model JSON; ``None`` loads the default model shipped in ``cleaner/models/``.

        A file holding only templates (from ``cleaner fit``) gets the default line model.
        """
        if path is None:
            ref = resources.files("cleaner.models").joinpath("default.json")
            try:
                raw = ref.read_bytes()
            except OSError as exc:
                raise ModelError("the default model cleaner/models/default.json is missing; reinstall") from exc
            return cls.from_json(raw, "default model")
        p = Path(path)
        try:
            if p.stat().st_size > MAX_MODEL_BYTES:
                raise ModelError(f"{p}: model file is larger than {MAX_MODEL_BYTES} bytes")
            raw = p.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read model {p}: {exc.strerror or exc}") from exc
        model = cls.from_json(raw, str(p))
        if model.net is None:
            default = cls.load(None)
            default.templates = model.templates
            return default
        return model

    @classmethod
    def from_json(cls, raw: bytes, where: str) -> StripModel:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"{where}: not a JSON model file ({exc})") from exc
        except RecursionError as exc:
            raise ModelError(f"{where}: not a model file (JSON nested too deeply)") from exc
        return cls.from_dict(data, where)

    @classmethod
    def from_dict(cls, data: Any, where: str = "model") -> StripModel:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ModelError(f"{where}: not a cleaner strip model (missing \"format\": \"{FORMAT}\")")
        if data.get("version") != VERSION:
            raise ModelError(f"{where}: unsupported model version {data.get('version')!r}; "
                             f"this cleaner reads version {VERSION}, retrain or refit the model")
        try:
            names = feature_names()
            net = None
            if data.get("net") is not None:
                if data.get("features") != names:
                    raise ModelError("the model's feature list does not match this version; retrain it")
                if not isinstance(data["net"], dict):
                    raise ModelError("field net must be an object")
                net = LineNet.from_dict(data["net"], len(names))
            net2 = None
            if net is not None and data.get("net2") is not None:
                if not isinstance(data["net2"], dict):
                    raise ModelError("field net2 must be an object")
                net2 = LineNet.from_dict(data["net2"], len(names) + len(CONTEXT_NAMES))
            fw = data.get("function_words", [])
            if not isinstance(fw, list) or len(fw) > 100_000 or not all(isinstance(w, str) and len(w) <= 16
                                                                          for w in fw):
                raise ModelError("field function_words must be a list of hex strings")
            words = np.sort(np.array([int(w, 16) for w in fw], dtype=np.uint64))
            dec = data.get("decoder", {})
            if not isinstance(dec, dict):
                raise ModelError("field decoder must be an object")
            sc, bias = dec.get("switch_cost", 1.0), dec.get("bias", 0.0)
            if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (sc, bias)) or sc < 0:
                raise ModelError("decoder switch_cost/bias must be finite numbers (switch_cost >= 0)")
            templates = TemplateStats.from_dict(data["templates"]) if data.get("templates") is not None else None
            digest = data.get("training_digest", "")
            meta = data.get("meta", {})
            if not isinstance(digest, str) or not isinstance(meta, dict):
                raise ModelError("fields training_digest/meta have the wrong type")
        except ModelError as exc:
            raise ModelError(f"{where}: {exc}") from None
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            raise ModelError(f"{where}: corrupt model ({exc.__class__.__name__}: {exc})") from exc
        return cls(net, words, Decoder(float(sc), float(bias)), templates, digest, meta, net2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION, "training_digest": self.training_digest,
            "features": feature_names() if self.net is not None else None,
            "net": self.net.to_dict() if self.net is not None else None,
            "net2": self.net2.to_dict() if self.net is not None and self.net2 is not None else None,
            "function_words": [format(int(w), "x") for w in self.function_words.tolist()],
            "decoder": {"switch_cost": self.decoder.switch_cost, "bias": self.decoder.bias},
            "templates": self.templates.to_dict() if self.templates is not None else None,
            "meta": self.meta,
        }

    def save(self, path: str | Path) -> None:
        """Write the model as JSON (atomically: a temporary file renamed into place)."""
        p = Path(path)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        tmp.replace(p)


def training_digest(rows: Iterable[Mapping[str, Any]]) -> str:
    """sha256 over the training rows' page and gold texts, in order."""
    h = hashlib.sha256()
    for row in rows:
        for key in ("page_text", "gold_text"):
            b = str(row.get(key, "")).encode("utf-8")
            h.update(len(b).to_bytes(8, "little"))
            h.update(b)
    return h.hexdigest()


def train(rows: Iterable[Mapping[str, Any]], **kwargs: Any) -> StripModel:
    """Train a StripModel from dicts with ``page_text`` and ``gold_text`` (see :mod:`.train`)."""
    from .train import train_model

    return train_model(list(rows), **kwargs)
