"""Sentence splitting, shortening by cutting only, noise removal and offline readability."""

from __future__ import annotations

import re

import pytest

import assistant  # noqa: F401 - offline start-up first
from assistant.plain import readability, shorten, split_sentences, strip_noise, word_count


def _words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[A-Za-z0-9][\w'’-]*", text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The group sent emails. Staff opened two.", ["The group sent emails.", "Staff opened two."]),
        ("Dr. Miriam Okafor spoke. She was brief.", ["Dr. Miriam Okafor spoke.", "She was brief."]),
        ("Upgrade to OpenSSL 3.0.7 now. It is fixed.", ["Upgrade to OpenSSL 3.0.7 now.", "It is fixed."]),
        (
            "Tools, e.g. AnyDesk, were used. Then data left.",
            ["Tools, e.g. AnyDesk, were used.", "Then data left."],
        ),
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
        ("Is it safe? Yes, it is.", ["Is it safe?", "Yes, it is."]),
        ("About 2.5 million people were affected.", ["About 2.5 million people were affected."]),
        ("", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "The group sent emails (Citation: CERT 2026); staff opened two of them.",
            ["The group sent emails.", "Staff opened two of them."],
        ),
        (
            "Opening the attachment installs a small downloader (tracked by industry as QUILLDROP).",
            ["Opening the attachment installs a small downloader."],
        ),
        (
            "See the [vendor advisory](https://example.com/a) and patch **immediately**.",
            ["See the vendor advisory and patch immediately."],
        ),
        (  # a mid-sentence "which" clause stays: cutting it at a list comma would change the meaning
            "A ransomware attack disrupted systems at the network, which runs two hospitals, and six clinics.",
            [
                "A ransomware attack disrupted systems at the network, which runs two hospitals, and six clinics."
            ],
        ),
        ("Too short; ok.", []),
    ],
)
def test_shorten(sentence: str, expected: list[str]) -> None:
    assert shorten(sentence) == expected


LONG = [
    "Adversaries may send spearphishing emails with a malicious attachment in an attempt to gain access to "
    "victim systems; spearphishing attachment is a specific variant of spearphishing, and it is different "
    "from other forms because it employs the use of malware attached to an email.(Citation: Example 2020)",
    "Exploitation of this vulnerability could allow a malicious actor to gain remote code execution rights "
    "on the host running OpenSSL and perform unauthorised actions, which could lead to a full compromise of "
    "the server and of any data that it holds for the organisation.",
    "The attackers sent about 60 emails to a small number of officials: the emails pretended to come from "
    "the trade ministry, and they carried an attached document said to be a revised delegation list.",
]


@pytest.mark.parametrize("sentence", LONG)
def test_shorten_never_invents_words_and_cuts_long_sentences(sentence: str) -> None:
    pieces = shorten(sentence, max_words=25)
    assert pieces
    assert _words(" ".join(pieces)) <= _words(sentence)
    assert all(word_count(p) <= 25 for p in pieces)
    assert all(p[0].isupper() and p.endswith(".") for p in pieces)


def test_strip_noise_handles_markdown_links_escaped_brackets_and_templates() -> None:
    line = (
        r"The actors use stolen certificates \[[T1588.003](https://attack.mitre.org/techniques/T1588/003/ "
        r'"Obtain Capabilities")\] to sign **payloads**. See [blog](https://x.example/y). {% include "a.md" %}'
    )
    assert strip_noise(line) == "The actors use stolen certificates [T1588.003] to sign payloads. See blog."
    assert strip_noise("- 1. **How they got in.** Through a flaw.") == "How they got in. Through a flaw."


def test_readability_runs_offline_and_orders_texts_sensibly() -> None:
    # The network guard in conftest.py would raise if textstat tried to download NLTK's CMU dictionary.
    simple = readability("The attackers sent about 60 emails. Two staff opened them. No data was lost.")
    hard = readability(
        "Exploitation of this authentication vulnerability could allow unauthenticated adversaries to "
        "execute arbitrary instructions on internet-facing infrastructure, potentially compromising "
        "organisational confidentiality, integrity and availability."
    )
    assert simple.grade < 6 < hard.grade
    assert simple.sentences == 3 and simple.avg_sentence_words == pytest.approx(14 / 3, abs=0.01)


def test_readability_ignores_citation_markers_and_reads_lists_item_by_item() -> None:
    with_marks = readability(["The group sent emails [1].", "Staff opened two [2][3]"])
    without = readability("The group sent emails. Staff opened two.")
    assert with_marks == without
    assert readability([]).sentences == 0
