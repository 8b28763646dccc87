"""Handling markings: TLP 2.0 (with TLP 1.0 mapped), PAP and Admiralty codes.

This is the one clearance model of detente. It is a leaf module (no third-party imports) so that retrieval
can enforce clearance inside its queries and guardrails can enforce it on output, with one definition.
"""

from __future__ import annotations

import re
from enum import IntEnum

from guardrails.errors import MarkingError


class TLP(IntEnum):
    """Traffic Light Protocol 2.0, ordered from most to least shareable."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4

    @property
    def label(self) -> str:
        return "TLP:" + self.name.replace("_", "+")

    @classmethod
    def parse(cls, value: str | TLP | None, *, default: TLP | None = None) -> TLP:
        """Accept 'amber+strict', 'TLP:AMBER', 'white' (TLP 1.0), a STIX marking id, or a TLP."""
        if isinstance(value, TLP):
            return value
        if value is None or not str(value).strip():
            if default is not None:
                return default
            raise MarkingError("A TLP level is required: one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED.")
        text = str(value).strip()
        if text in STIX_TLP_MARKINGS:
            return STIX_TLP_MARKINGS[text]
        key = re.sub(r"^TLP\s*[:_-]?\s*", "", text.upper()).replace(" ", "")
        key = key.replace("+", "_").replace("-", "_")
        if key == "WHITE":  # TLP 1.0
            return cls.CLEAR
        try:
            return cls[key]
        except KeyError:
            raise MarkingError(
                f"Unknown TLP level {value!r}: use one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED "
                "(TLP 1.0 WHITE is read as CLEAR)."
            ) from None

    def allows(self, marking: TLP) -> bool:
        """True when a reader cleared to this level may see content marked `marking`."""
        return marking <= self


# STIX 2.1 marking-definition ids, TLP 2.0 extension and TLP 1.0 (as in the stix2 library).
STIX_TLP_MARKINGS: dict[str, TLP] = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": TLP.CLEAR,
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": TLP.GREEN,
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": TLP.AMBER,
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": TLP.AMBER_STRICT,
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": TLP.RED,
    # TLP 1.0
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}


def highest(markings: list[TLP] | tuple[TLP, ...], *, default: TLP = TLP.CLEAR) -> TLP:
    """An answer built from several sources carries the highest marking among them."""
    return max(markings, default=default)


class PAP(IntEnum):
    """Permissible Actions Protocol: what a recipient may do with the information."""

    CLEAR = 0  # no restriction
    GREEN = 1  # active actions allowed (e.g. blocking)
    AMBER = 2  # passive cross-checks only
    RED = 3  # passive use only

    @property
    def label(self) -> str:
        return "PAP:" + self.name

    @classmethod
    def parse(cls, value: str | PAP | None, *, default: PAP | None = None) -> PAP:
        if isinstance(value, PAP):
            return value
        if value is None or not str(value).strip():
            if default is not None:
                return default
            raise MarkingError("A PAP level is required: one of CLEAR, GREEN, AMBER, RED.")
        key = re.sub(r"^PAP\s*[:_-]?\s*", "", str(value).strip().upper())
        if key == "WHITE":
            return cls.CLEAR
        try:
            return cls[key]
        except KeyError:
            raise MarkingError(f"Unknown PAP level {value!r}: use one of CLEAR, GREEN, AMBER, RED.") from None


RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    "1": "confirmed by other sources",
    "2": "probably true",
    "3": "possibly true",
    "4": "doubtful",
    "5": "improbable",
    "6": "truth cannot be judged",
}
# Admiralty credibility mapped onto STIX confidence (0-100), as in the STIX 2.1 specification.
CREDIBILITY_TO_CONFIDENCE = {"1": 90, "2": 70, "3": 50, "4": 30, "5": 10}


def parse_reliability(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    letter = str(value).strip().upper()[:1]
    if letter not in RELIABILITY:
        raise MarkingError(f"Unknown source reliability {value!r}: use an Admiralty letter A-F.")
    return letter


def parse_credibility(value: str | int | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    digit = str(value).strip()[:1]
    if digit not in CREDIBILITY:
        raise MarkingError(f"Unknown information credibility {value!r}: use an Admiralty digit 1-6.")
    return digit


def admiralty_code(reliability: str | None, credibility: str | None) -> str:
    """'B2' style code; unknown parts are shown as F and 6, as the Admiralty scale does."""
    return f"{reliability or 'F'}{credibility or '6'}"


def confidence_words(confidence: int | None) -> str:
    """STIX confidence (0-100) to the STIX None/Low/Med/High scale."""
    if confidence is None:
        return "unknown"
    if confidence <= 0:
        return "none"
    if confidence < 30:
        return "low"
    if confidence < 70:
        return "moderate"
    return "high"
