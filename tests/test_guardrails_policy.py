"""Clearance policy: YAML parsing, defaults, and the RED-never-in-channel rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails.errors import PolicyError
from guardrails.markings import TLP
from guardrails.policy import CHANNEL_MAX, ClearancePolicy

EXAMPLE = Path(__file__).resolve().parents[1] / "guardrails" / "data" / "policy.example.yaml"


@pytest.fixture
def policy(tmp_path: Path) -> ClearancePolicy:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "default: CLEAR\n"
        "channels:\n  C_AMBER: AMBER\n  C_STRICT: amber+strict\n  C_GREEN: TLP:GREEN\n  C_WHITE: white\n"
        "users:\n  U_RED: RED\n  U_GREEN: GREEN\n"
        "shared_channels:\n  C_SHARED_GREEN: GREEN\n",
        encoding="utf-8",
    )
    return ClearancePolicy.load(path)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"channel": "C_AMBER", "user": None}, TLP.AMBER),
        ({"channel": "C_STRICT", "user": None}, TLP.AMBER_STRICT),
        ({"channel": "C_WHITE", "user": None}, TLP.CLEAR),  # TLP 1.0 mapped
        ({"channel": "C_UNKNOWN", "user": None}, TLP.CLEAR),  # unknown channel: default
        ({"channel": None, "user": None}, TLP.CLEAR),
        ({"channel": "C_AMBER", "user": "U_GREEN"}, TLP.GREEN),  # a listed user lowers the channel
        ({"channel": "C_GREEN", "user": "U_RED"}, TLP.GREEN),  # ... and never raises it
        ({"channel": "C_AMBER", "user": "U_UNLISTED"}, TLP.AMBER),
        ({"channel": "C_STRICT", "user": "U_RED"}, TLP.AMBER_STRICT),  # RED never reaches a channel
        ({"channel": "D1", "user": "U_RED", "is_dm": True}, TLP.RED),  # a DM: named recipient
        ({"channel": "D1", "user": "U_GREEN", "is_dm": True}, TLP.GREEN),
        ({"channel": "D1", "user": "U_UNLISTED", "is_dm": True}, TLP.CLEAR),
        ({"channel": "C_AMBER", "user": None, "is_shared": True}, TLP.CLEAR),  # Slack Connect: CLEAR
        ({"channel": "C_SHARED_GREEN", "user": None, "is_shared": True}, TLP.GREEN),  # explicitly cleared
        (
            {"channel": "C_SHARED_GREEN", "user": None},
            TLP.GREEN,
        ),  # listed as shared even if the flag is missing
        ({"channel": "C_SHARED_GREEN", "user": "U_RED", "is_shared": True}, TLP.GREEN),
    ],
)
def test_ceiling(policy: ClearancePolicy, kwargs: dict, expected: TLP) -> None:
    assert policy.ceiling(**kwargs) == expected


def test_red_is_never_a_channel_ceiling(policy: ClearancePolicy) -> None:
    for channel in ("C_AMBER", "C_STRICT", "C_GREEN", "C_UNKNOWN", None):
        for user in ("U_RED", "U_GREEN", None):
            for shared in (False, True):
                assert policy.ceiling(channel=channel, user=user, is_shared=shared) <= CHANNEL_MAX


def test_defaults_without_a_file() -> None:
    assert ClearancePolicy().ceiling(channel="C1", user="U1") == TLP.CLEAR


def test_example_file_loads() -> None:
    policy = ClearancePolicy.load(EXAMPLE)
    assert policy.ceiling(channel="C0DIPLOMATS", user=None) == TLP.AMBER
    assert policy.ceiling(channel="C0FIVEEYES", user=None, is_shared=True) == TLP.GREEN
    assert policy.ceiling(channel=None, user="U0HEADCTI", is_dm=True) == TLP.RED


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("channels:\n  C1: PURPLE\n", "channels.C1"),
        ("channels:\n  C1: RED\n", "channels.C1"),
        ("shared_channels:\n  C9: RED\n", "shared_channels.C9"),
        ("default: RED\n", "default"),
        ("default: [AMBER\n", "not valid YAML"),
        ("channel:\n  C1: AMBER\n", "unknown key"),
        ("users: [U1, U2]\n", "users"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_malformed_files_name_the_file_and_key(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        ClearancePolicy.load(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="policy.example.yaml"):
        ClearancePolicy.load(tmp_path / "nope.yaml")


def test_shared_channels_may_be_a_plain_list() -> None:
    policy = ClearancePolicy.from_dict({"channels": {"C1": "AMBER"}, "shared_channels": ["C1"]})
    assert policy.ceiling(channel="C1", user=None) == TLP.CLEAR
