"""The App Home risk picture from catalog facts: window, trend, severity order, and the clearance cap."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.risk_picture import DocFacts, build_picture, read_docs, trend
from guardrails.markings import TLP


def _doc(n, day, actors=("A",), tlp=TLP.CLEAR, doc_type="report", sectors=("Water",)):
    return DocFacts(f"d{n}", doc_type, tlp, day, tuple(actors), tuple(sectors))


@pytest.mark.parametrize(
    ("recent", "previous", "expected"),
    [
        (3, 0, "new"),
        (0, 0, "steady"),
        (6, 2, "rising"),
        (3, 2, "steady"),
        (1, 3, "falling"),
        (10, 9, "steady"),
    ],
)
def test_trend(recent, previous, expected):
    assert trend(recent, previous) == expected


def test_window_ends_at_the_newest_report_and_counts_trend():
    docs = [
        _doc(1, date(2026, 7, 1), ("A",)),
        _doc(2, date(2026, 6, 1), ("A", "B")),
        _doc(3, date(2026, 3, 1), ("B",)),
        _doc(4, date(2026, 2, 1), ("B",)),
        _doc(5, date(2027, 1, 1), ("FUTURE",)),  # dated after today: ignored for the window
    ]
    picture = build_picture(docs=docs, ceiling=TLP.CLEAR, today=date(2026, 11, 28))
    assert picture.as_of == date(2026, 7, 1)
    threats = {t.name: t for t in picture.threats}
    assert (threats["A"].recent, threats["A"].previous, threats["A"].trend) == (2, 0, "new")
    assert (threats["B"].recent, threats["B"].previous, threats["B"].trend) == (1, 2, "steady")
    assert "FUTURE" not in threats
    assert picture.by_sector == {"Water": 2}


def test_documents_above_the_ceiling_are_not_counted_at_all():
    docs = [_doc(1, date(2026, 7, 1), ("SECRET ACTOR",), tlp=TLP.AMBER), _doc(2, date(2026, 6, 1), ("A",))]
    low = build_picture(docs=docs, ceiling=TLP.GREEN, today=date(2026, 11, 1))
    assert [t.name for t in low.threats] == ["A"] and low.by_tlp == {"TLP:CLEAR": 1} and low.documents == 1
    assert low.as_of == date(2026, 6, 1)  # not even the date of the AMBER report shows
    high = build_picture(docs=docs, ceiling=TLP.AMBER, today=date(2026, 11, 1))
    assert {t.name for t in high.threats} == {"A", "SECRET ACTOR"} and high.by_tlp["TLP:AMBER"] == 1


def test_reference_objects_are_not_reporting():
    docs = [_doc(1, date(2026, 7, 1), ("A",), doc_type="attack-pattern"), _doc(2, date(2026, 7, 1), ("B",))]
    picture = build_picture(docs=docs, ceiling=TLP.CLEAR, today=date(2026, 11, 1))
    assert [t.name for t in picture.threats] == ["B"]
    assert picture.documents == 2  # still counted by TLP


def test_equal_counts_are_ordered_by_severity_and_top_is_respected():
    docs = [_doc(i, date(2026, 7, 1), (name,)) for i, name in enumerate("ABCDEFG")]
    severity = {"A": 1, "B": None, "C": 4, "D": 2}.get
    picture = build_picture(docs=docs, ceiling=TLP.CLEAR, today=date(2026, 11, 1), top=3, severity=severity)
    assert [(t.name, t.severity_word) for t in picture.threats] == [
        ("C", "critical"),
        ("D", "moderate"),
        ("A", "low"),
    ]


def test_empty_or_missing_catalog(tmp_path):
    assert read_docs(tmp_path / "nope.sqlite") == ([], None)
    picture = build_picture(docs=[], ceiling=TLP.RED)
    assert picture.threats == () and picture.as_of is None and picture.documents == 0
