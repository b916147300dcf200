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
from .features import feature_names
from .templates import TemplateStats

FORMAT = "cleaner-strip-model"
VERSION = 1
MAX_MODEL_BYTES = 64 * 1024 * 1024


@dataclass
class Decoder:
    """How line probabilities become keep/remove decisions."""

    switch_cost: float = 1.0  # Viterbi cost of switching between keep and remove
    bias: float = 0.0  # added to each line's log-odds before decoding


@dataclass
class LineNet:
    """A one-hidden-layer perceptron with standardized inputs."""

    mean: np.ndarray
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float

    _folded: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False,
                                                                      compare=False)

    def logits(self, x: np.ndarray) -> np.ndarray:
        if self._folded is None:  # standardization folded into the first layer: one pass over x, not three
            w = self.w1 / self.std[:, None]
            self._folded = (w.astype(np.float32), (self.b1 - self.mean @ w).astype(np.float32),
                            self.w2.astype(np.float32))
        w1, b1, w2 = self._folded
        h = x.astype(np.float32) @ w1
        h += b1
        np.maximum(h, 0.0, out=h)
        out: np.ndarray = (h @ w2).astype(np.float64) + self.b2
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


@dataclass
class StripModel:
    """Line model, learned function words, decoder settings, and optional site templates."""

    net: LineNet | None = None
    function_words: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    decoder: Decoder = field(default_factory=Decoder)
    templates: TemplateStats | None = None
    training_digest: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

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
        return cls(net, words, Decoder(float(sc), float(bias)), templates, digest, meta)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION, "training_digest": self.training_digest,
            "features": feature_names() if self.net is not None else None,
            "net": self.net.to_dict() if self.net is not None else None,
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
