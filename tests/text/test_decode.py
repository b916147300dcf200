from __future__ import annotations

import codecs

import pytest

from cleaner.text.decode import decode_bytes, encode_like

ARABIC = "أعلن وزير الخارجية الروسي، سيرغي لافروف، اليوم الجمعة، أن موسكو ستسعى إلى الحوار."
LATIN = "Le café était très agréable à côté de la gare, déjà célèbre pour ses crêpes."


@pytest.mark.parametrize("data,encoding,bom", [
    (ARABIC.encode("utf-8"), "utf-8", False),
    (codecs.BOM_UTF8 + ARABIC.encode("utf-8"), "utf-8", True),
    (codecs.BOM_UTF16_LE + ARABIC.encode("utf-16-le"), "utf-16-le", True),
    (codecs.BOM_UTF16_BE + LATIN.encode("utf-16-be"), "utf-16-be", True),
    (ARABIC.encode("utf-16-le"), "utf-16-le", False),
    (LATIN.encode("utf-16-le"), "utf-16-le", False),
    (ARABIC.encode("cp1256"), "cp1256", False),
])
def test_encodings_decode_and_encode_back(data: bytes, encoding: str, bom: bool) -> None:
    decoded = decode_bytes(data)
    assert decoded.decoding is not None
    assert decoded.decoding.encoding == encoding
    assert decoded.decoding.bom is bom
    assert decoded.text in (ARABIC, LATIN)
    assert encode_like(decoded.text, decoded.decoding.to_dict()) == data


def test_latin1_is_read_as_western_text() -> None:
    decoded = decode_bytes(LATIN.encode("latin-1"))
    assert decoded.text == LATIN
    assert decoded.decoding is not None and decoded.decoding.lossless


def test_mojibake_is_repaired_and_recorded() -> None:
    broken = LATIN.encode("utf-8").decode("latin-1").encode("utf-8")
    decoded = decode_bytes(broken)
    assert decoded.text == LATIN
    assert decoded.decoding is not None and decoded.decoding.repairs and not decoded.decoding.lossless


def test_binary_is_skipped_with_reason() -> None:
    decoded = decode_bytes(bytes(range(256)) * 50)
    assert decoded.text is None and decoded.skip_reason and "binary" in decoded.skip_reason


def test_invalid_utf8_is_kept_lossy_not_dropped() -> None:
    decoded = decode_bytes(ARABIC.encode("utf-8")[:-1] + b"\xff more text")
    assert decoded.text is not None
    assert decoded.decoding is not None and not decoded.decoding.lossless
