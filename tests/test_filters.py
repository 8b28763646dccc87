import pytest

from guardrails.markings import TLP
from retrieval.errors import RetrievalError
from retrieval.filters import Filter, date_key, parse_user_filters


def test_clearance_alone_is_a_single_clause():
    assert Filter(clearance=TLP.GREEN).to_chroma() == {"tlp": {"$lte": 1}}


def test_lists_are_ored_within_and_anded_across():
    flt = (
        Filter(clearance=TLP.AMBER)
        .with_list("ents", ("apt28", "fancybear"))
        .with_list("sectors", ("energy",))
    )
    where = flt.to_chroma()
    assert where["$and"][0] == {"tlp": {"$lte": 2}}
    assert {"$or": [{"ents": {"$contains": "apt28"}}, {"ents": {"$contains": "fancybear"}}]} in where["$and"]
    assert {"sectors": {"$contains": "energy"}} in where["$and"]


@pytest.mark.parametrize(
    ("value", "end", "expected"),
    [
        ("2024", False, 20240101),
        ("2024", True, 20241231),
        ("2024-03", True, 20240331),
        ("2024-03-05", False, 20240305),
        ("2024-03-05T10:00:00Z", False, 20240305),
        ("March", False, None),
        ("", False, None),
    ],
)
def test_date_key(value, end, expected):
    assert date_key(value, end=end) == expected


def test_user_filters_parse_and_reject_unknown_keys():
    flt = parse_user_filters(
        ["country=Iran", "type=kev", "since=2023"],
        clearance=TLP.GREEN,
        normalise={"places": lambda v: [v.lower()]},
    )
    assert ("places", ("iran",)) in flt.lists
    assert ("doc_type", ("kev",)) in flt.scalars
    assert flt.since == 20230101
    with pytest.raises(RetrievalError, match="KEY=VALUE"):
        parse_user_filters(["colour=red"], clearance=TLP.CLEAR, normalise={})
    with pytest.raises(RetrievalError, match="Bad date"):
        parse_user_filters(["since=yesterday"], clearance=TLP.CLEAR, normalise={})
