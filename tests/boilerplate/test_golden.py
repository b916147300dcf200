"""Golden tests on the seed pages (fixtures/pages -> fixtures/expected) with the shipped model."""
from __future__ import annotations

from pathlib import Path

import pytest
from helpers import f1, prf

from cleaner.boilerplate import Stripper
from cleaner.document import REASONS, apply_removals

PAGES = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "pages").glob("*.txt"))


def run(stripper: Stripper, name: str) -> tuple[str, str, str, list]:  # type: ignore[type-arg]
    page = next(p for p in PAGES if p.name.startswith(name))
    text = page.read_text(encoding="utf-8")
    expected = (page.parent.parent / "expected" / page.name).read_text(encoding="utf-8")
    out = stripper.strip(text)
    return text, expected, apply_removals(text, out.removals), list(out.removals)


@pytest.mark.parametrize("name", [p.name[:3] for p in PAGES])
def test_seed_page_f1(stripper: Stripper, name: str) -> None:
    _, expected, cleaned, removals = run(stripper, name)
    assert f1(*prf(expected, cleaned)) >= 0.98
    assert all(r.reason in REASONS for r in removals)


@pytest.mark.parametrize("name", [p.name[:3] for p in PAGES])
def test_expected_article_stripped_again_stays_whole(stripper: Stripper, name: str) -> None:
    """A page that holds only its article (a page saved clean, a text stripped before) keeps its text:
    no paragraph is lost at the top or the bottom, pass after pass."""
    _, expected, _, _ = run(stripper, name)
    out = stripper.strip(expected)
    assert f1(*prf(expected, apply_removals(expected, out.removals))) >= 0.98


def test_headline_kept_exactly_once(stripper: Stripper) -> None:
    for name, headline in (("003", "لافروف: روسيا منفتحة على الحوار مع الغرب بشأن الاستقرار الاستراتيجي"),
                           ("004", "لافروف: روسيا تعمل على تشكيل هيكل أمني جديد في أوراسيا"),
                           ("001", "لافروف: سنسعى لرؤية نهج صادق من الولايات المتحدة "
                                   "وحلف الناتو بشأن الضمانات الأمنية")):
        text, _, cleaned, removals = run(stripper, name)
        assert text.count(headline) >= 2
        assert cleaned.count(headline) == 1, name
        assert cleaned.lstrip().startswith(headline)


def test_second_article_cut(stripper: Stripper) -> None:
    text, _, cleaned, removals = run(stripper, "003")
    assert "أرمينيا تعلن اعترافها بدولة فلسطينية" not in cleaned
    assert "باشينيان" not in cleaned
    armenia = text.index("أعلنت وزارة الخارجية الأرمينية")
    assert any(r.reason == "secondary_article" and r.start <= armenia < r.end for r in removals)
    assert {"related_links"} <= {r.reason for r in removals}


def test_split_articles_reports_span(default_model) -> None:  # type: ignore[no-untyped-def]
    page = next(p for p in PAGES if p.name.startswith("003"))
    text = page.read_text(encoding="utf-8")
    out = Stripper(default_model, split_articles=True).strip(text)
    assert len(out.secondary) == 1
    s, e = out.secondary[0]
    assert "أعلنت وزارة الخارجية الأرمينية" in text[s:e]


def test_glued_headline_cut(stripper: Stripper) -> None:
    text, _, cleaned, removals = run(stripper, "000")
    glued = [r for r in removals if r.reason == "glued_headline"]
    assert len(glued) == 1
    assert text[glued[0].start - len("کاسیس."):glued[0].start] == "کاسیس."
    assert cleaned.rstrip().endswith("کاسیس.")
    assert "البحته.وجرت" in cleaned  # a join inside the paragraph stays


def test_bullet_list_kept(stripper: Stripper) -> None:
    _, _, cleaned, removals = run(stripper, "001")
    assert "- لا خطط لأي \"غزو روسي\" لأوكرانيا" in cleaned
    assert "- موسكو تطالب بسحب جميع القوات الأميركية من وسط وشرق أوروبا." in cleaned
    assert "أفكارك وتعليقاتك" not in cleaned
    assert "comments" in {r.reason for r in removals}


def test_attribution_kept(stripper: Stripper) -> None:
    _, expected, cleaned, _ = run(stripper, "004")
    assert "المصدر: نوفوستي" in cleaned
    assert cleaned.rstrip().endswith("المصدر: نوفوستي") and expected.rstrip().endswith("المصدر: نوفوستي")


def test_comments_removed(stripper: Stripper) -> None:
    _, _, cleaned, removals = run(stripper, "004")
    assert "التعليقات" not in cleaned
    assert "ترامب يوجه تحذيرا جديدا لإيران" not in cleaned
    assert "comments" in {r.reason for r in removals}
    assert "دراما رمضان" not in cleaned


def test_captions_removed(stripper: Stripper) -> None:
    _, _, cleaned, removals = run(stripper, "003")
    assert "(يمين) في موسكو (رويترز)" not in cleaned
    _, _, cleaned, _ = run(stripper, "004")
    assert "Ilya Pitalev / Sputnik" not in cleaned


def test_header_lines_removed(stripper: Stripper) -> None:
    text, _, cleaned, removals = run(stripper, "002")
    assert "دار الهلال" not in cleaned
    assert "عرب وعالم1-2-2022 | 21:14" not in cleaned
    for line in ("عرب وعالم1-2-2022 | 21:14", "دار الهلال"):
        at = text.index(line)
        assert any(r.reason == "page_header" and r.start <= at < r.end for r in removals), line
    assert cleaned.lstrip().startswith("لافروف: نتوقع ردا سريعا")
