"""Turn input bytes into text: BOM and encoding detection, mojibake repair, binary detection.

Every decision is recorded in a :class:`Decoding`, so the log can say what was done and
``restore`` knows whether the original bytes can be rebuilt exactly.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

import ftfy
from charset_normalizer import from_bytes

# Only repair encoding damage; never restyle text (quotes, widths, ligatures stay as they are).
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False, remove_terminal_escapes=False, fix_encoding=True, restore_byte_a0=True,
    replace_lossy_sequences=True, decode_inconsistent_utf8=True, fix_c1_controls=True,
    fix_latin_ligatures=False, fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
    fix_surrogates=True, remove_control_chars=False, normalization=None, explain=True,
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
# Cheap gate before ftfy (which reads ~2 MB/s): the shapes mojibake takes.  UTF-8 read as
# latin-1/cp1252 (a lead byte then a continuation-range char), C1 controls, lone surrogates,
# UTF-8 Cyrillic read as cp1251 (Р/С then a cp1251 symbol), and U+FFFD.
_SUSPECT_CHAR = re.compile("[\u00c2-\u00f4\u0080-\u009f\ud800-\udfff\u0420\u0421\ufffd]")
_SUSPECT = re.compile(
    r"[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    r"\u2013-\u203a\u20ac\u2122]|[\u0080-\u009f]|[\ud800-\udfff]"
    r"|[\u0420\u0421][\u0402-\u040f\u0452-\u045f\u0490\u0491\u2018-\u203a\u00a0-\u00bf\u2116]"
)
# Among near-equally plausible legacy encodings, prefer the ones scraped pages actually use.
_PREFERRED = ("cp1256", "cp1252", "latin_1", "iso8859_15", "cp1251", "koi8_r", "iso8859_6", "cp1253",
              "cp1250", "gb18030", "big5", "shift_jis", "euc_jp", "euc_kr", "cp1255", "cp1254")


@dataclass(frozen=True)
class Decoding:
    """How bytes became text. ``lossless`` means ``encode(text)`` gives the input bytes back."""

    encoding: str
    bom: bool = False
    repairs: tuple[str, ...] = ()
    lossless: bool = True
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"encoding": self.encoding, "bom": self.bom, "repairs": list(self.repairs),
                "lossless": self.lossless, **({"note": self.note} if self.note else {})}


@dataclass(frozen=True)
class Decoded:
    text: str | None
    decoding: Decoding | None
    skip_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _looks_utf16(data: bytes) -> str | None:
    """Guess BOM-less UTF-16 from the pattern of zero bytes in ASCII-heavy text."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zeros_odd > 0.3 and zeros_even < 0.05:
        return "utf-16-le"
    if zeros_even > 0.3 and zeros_odd < 0.05:
        return "utf-16-be"
    # Arabic/Cyrillic UTF-16 has few zero bytes but a constant high byte (0x06, 0x04...).
    for enc, hi in (("utf-16-le", odd), ("utf-16-be", even)):
        common = max(set(hi[:4096]), key=hi[:4096].count)
        if common in (0x04, 0x05, 0x06) and hi.count(common) / len(hi) > 0.5:
            try:
                data.decode(enc)
                return enc
            except UnicodeDecodeError:
                return None
    return None


def _script_block(ch: str) -> str:
    cp = ord(ch)
    if 0xC0 <= cp <= 0xFF and cp not in (0xD7, 0xF7):
        return "latin1"
    for lo, hi, name in ((0x0600, 0x06FF, "arabic"), (0x0400, 0x04FF, "cyrillic"), (0x0370, 0x03FF, "greek"),
                         (0x0590, 0x05FF, "hebrew"), (0x4E00, 0x9FFF, "cjk"), (0x3040, 0x30FF, "kana"),
                         (0xAC00, 0xD7AF, "hangul"), (0x0E00, 0x0E7F, "thai")):
        if lo <= cp <= hi:
            return name
    return "other"


def _implausibility(text: str) -> float:
    """How unlike real text a decoding looks: non-ASCII letters outside the main script, C1 controls."""
    counts: dict[str, int] = {}
    odd = 0
    for ch in text:
        if ord(ch) < 128:
            continue
        if 0x80 <= ord(ch) <= 0x9F:
            odd += 5
        elif ch.isalpha():
            block = _script_block(ch)
            counts[block] = counts.get(block, 0) + 1
    if counts:
        main = max(counts, key=lambda k: (counts[k], k != "other"))
        odd += sum(n for k, n in counts.items() if k != main) + (counts[main] if main == "other" else 0)
    return odd / max(1, len(text))


def _detect_legacy(data: bytes) -> str | None:
    """Pick a legacy 8-bit/CJK encoding: charset-normalizer's candidates plus common page encodings,
    ranked by how plausible the decoded text looks, then by how common the encoding is on the web."""
    sample = data[:200_000]
    names = [codecs.lookup(m.encoding).name for m in from_bytes(sample) if m.encoding]
    names += [n for n in _PREFERRED[:9] if n not in names]
    scored = []
    for enc in names:
        try:
            text = sample.decode(enc)
            data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        rank = _PREFERRED.index(enc) if enc in _PREFERRED else len(_PREFERRED)
        scored.append((round(_implausibility(text), 3), rank, enc))
    return min(scored)[2] if scored else None


def _is_binary(text: str) -> bool:
    if not text:
        return False
    sample = text[:65536]
    bad = len(_CONTROLS.findall(sample))
    return bad / len(sample) > 0.05 or sample.count("\x00") / len(sample) > 0.01


def _repair(text: str) -> tuple[str, tuple[str, ...]]:
    if not _SUSPECT_CHAR.search(text) or not _SUSPECT.search(text):
        return text, ()
    fixed, explanation = ftfy.fix_and_explain(text, config=_FTFY)
    if fixed == text or not explanation:
        return text, ()
    return fixed, tuple(f"{step[0]}:{step[1]}" for step in explanation)


def decode_bytes(data: bytes) -> Decoded:
    """Decode raw file bytes.  Binary data gives ``Decoded(text=None, skip_reason=...)``."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(enc)
            except UnicodeDecodeError as exc:
                return Decoded(None, None, f"undecodable: {enc} BOM but invalid data ({exc.reason})")
            return _finish(text, Decoding(enc, bom=True))
    head = data[:65536]
    if any(b < 9 for b in head[:4096]):
        enc16 = _looks_utf16(data)
        if enc16:
            try:
                return _finish(data.decode(enc16), Decoding(enc16))
            except UnicodeDecodeError:
                pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return _finish(text, Decoding("utf-8"))
    if head.count(0) / max(1, len(head)) > 0.01:
        return Decoded(None, None, "binary: NUL bytes in a file that is not UTF-16/32")
    lossy = data.decode("utf-8", errors="replace")
    bad = lossy.count("\ufffd")
    sample = lossy[:65536]
    multibyte = len(sample.encode("utf-8")) - len(sample)  # > 0 when real UTF-8 sequences are present
    if bad <= max(1, len(lossy) // 200) and multibyte > 6 * bad:
        # UTF-8 with a few broken bytes (a truncated download, a bad splice): keep it as UTF-8.
        return _finish(lossy, Decoding("utf-8", lossless=False, note=f"{bad} invalid UTF-8 sequences replaced"))
    legacy = _detect_legacy(data)
    if legacy is not None:
        return _finish(data.decode(legacy), Decoding(legacy, note="detected by charset-normalizer"))
    # Nothing fits: keep every byte decodable, record that the input could not be rebuilt exactly.
    return _finish(lossy, Decoding("utf-8", lossless=False, note="invalid UTF-8 replaced with U+FFFD"))


def decode_text(text: str) -> Decoded:
    """'Decode' a string that arrived already as text (JSONL, Parquet): repair only."""
    return _finish(text, Decoding("unicode"))


def _finish(text: str, decoding: Decoding) -> Decoded:
    if _is_binary(text):
        return Decoded(None, None, f"binary: control characters in {decoding.encoding} text")
    fixed, repairs = _repair(text)
    if repairs:
        decoding = Decoding(decoding.encoding, decoding.bom, repairs, False, decoding.note)
    return Decoded(fixed, decoding)


def encode_like(text: str, decoding: dict[str, Any]) -> bytes:
    """Encode text back the way its input was encoded (BOM included); used by restore."""
    enc = decoding.get("encoding", "utf-8")
    if enc == "unicode":
        enc = "utf-8"
    body = text.encode(enc)
    if decoding.get("bom"):
        bom = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
               "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}.get(enc, b"")
        body = bom + body
    return body
