"""The pseudonym vault: stable within a conversation, never leaves the process."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from guardrails.errors import VaultError
from guardrails.vault import Vault


def test_stable_pseudonyms() -> None:
    vault = Vault()
    first = vault.pseudonym("PERSON", "Jane Citizen")
    assert first == "<PERSON_1>"
    assert vault.pseudonym("PERSON", "JANE  CITIZEN") == first
    assert vault.pseudonym("PERSON", "Citizen") == first  # a surname alone is the same person
    assert vault.pseudonym("PERSON", "Mateo Rinaldi") == "<PERSON_2>"
    assert vault.pseudonym("EMAIL_ADDRESS", "jane@mfa.gov.example") == "<EMAIL_1>"
    assert vault.pseudonym("PHONE_NUMBER", "+1-613-555-0148") == vault.pseudonym(
        "PHONE_NUMBER", "+1 613 555 0148"
    )
    assert vault.pseudonym("SOURCE_CODENAME", "CORMORANT") == "<SOURCE_1>"
    assert vault.pseudonym("INTERNAL_HOST", "exch-02.mfa.internal") == "<HOST_1>"
    assert len(vault) == 6


def test_ambiguous_surname_gets_its_own_pseudonym() -> None:
    vault = Vault()
    vault.pseudonym("PERSON", "Anna Berg")
    vault.pseudonym("PERSON", "Lars Berg")
    assert vault.pseudonym("PERSON", "Berg") == "<PERSON_3>"


def test_reveal_and_restore_are_in_process_only() -> None:
    vault = Vault()
    pseudo = vault.pseudonym("PERSON", "Priya Raman")
    assert vault.reveal(pseudo) == "Priya Raman"
    assert vault.reveal("<PERSON_9>") is None
    assert vault.restore(f"Analyst {pseudo} notes") == "Analyst Priya Raman notes"
    assert "Priya Raman" in vault.values()
    assert pseudo in vault and list(vault) == [pseudo]


def test_never_serialised_or_printed() -> None:
    vault = Vault()
    vault.pseudonym("PERSON", "Priya Raman")
    assert "Priya" not in repr(vault) and "Priya" not in str(vault) and "Priya" not in f"{vault}"
    assert all("Priya" not in repr(e) for e in vault.entries())
    with pytest.raises(VaultError):
        pickle.dumps(vault)
    with pytest.raises(VaultError):
        copy.deepcopy(vault)
    with pytest.raises(TypeError):
        json.dumps(vault)
