from retrieval.entities import EntityRegistry, name_key


def _registry() -> EntityRegistry:
    return EntityRegistry(
        [
            ("attack-apt28", "intrusion-set", ["APT28", "Fancy Bear", "STRONTIUM", "Sednit"]),
            ("misp-sofacy", "threat-actor", ["Sofacy", "APT 28", "Forest Blizzard", "Pawn Storm"]),
            ("misp-lazarus", "threat-actor", ["Lazarus Group", "HIDDEN COBRA"]),
            ("noise", "threat-actor", ["Group", "Bear"]),  # too generic to link anything
        ]
    )


def test_aliases_from_different_sources_resolve_to_one_entity():
    registry = _registry()
    a, b = registry.lookup("Fancy Bear"), registry.lookup("Forest Blizzard")
    assert a is not None and a == b
    assert set(a.doc_ids) == {"attack-apt28", "misp-sofacy"}
    assert "STRONTIUM" in a.names and "Pawn Storm" in a.names
    assert registry.lookup("Lazarus Group") != a
    assert registry.lookup("Bear") is None


def test_find_in_question_matches_multiword_and_ignores_lowercase_single_words():
    registry = _registry()
    found = registry.find_in("What has fancy bear done since the Sednit reports? And hidden cobra?")
    names = {e.name for e in found}
    assert len(found) == 2
    assert any("Lazarus" in n or "HIDDEN" in n for n in names)
    assert registry.find_in("the sofacy question") == []  # lowercase single word: not a mention
    assert name_key("APT-28") == name_key("apt 28") == "apt28"
