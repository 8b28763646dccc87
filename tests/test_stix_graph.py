"""The STIX graph turns relationships into facts in both endpoints' documents, across files and ingests."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from guardrails.markings import PAP, TLP
from retrieval.documents import Document
from retrieval.loaders.base import IngestOptions, SourceFile
from retrieval.loaders.stix import load_stix
from retrieval.stix_graph import StixGraph
from retrieval.stix_render import clean_prose

SHARED_CTI = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cti"
NO_OPTIONS = IngestOptions()
TLP1 = {
    "white": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
}
TLP2 = {
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def sid(stix_type: str, n: int) -> str:
    return f"{stix_type}--00000000-0000-4000-8000-{n:012d}"


IDENTITY = sid("identity", 1)


def obj(stix_type: str, n: int, name: str | None = None, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": stix_type,
        "spec_version": "2.1",
        "id": sid(stix_type, n),
        "created": "2020-01-02T03:04:05.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "created_by_ref": IDENTITY,
    }
    if name is not None:
        base["name"] = name
    return base | extra


def attack(ext_id: str, path: str) -> list[dict[str, str]]:
    return [
        {"source_name": "Some Blog", "url": "https://blog.example/post"},
        {"source_name": "mitre-attack", "external_id": ext_id, "url": f"https://attack.mitre.org/{path}"},
    ]


def rel(n: int, kind: str, src: dict[str, Any], dst: dict[str, Any], description: str = "", **extra: Any):
    return (
        obj("relationship", n, relationship_type=kind, source_ref=src["id"], target_ref=dst["id"])
        | ({"description": description} if description else {})
        | extra
    )


IDENT = obj("identity", 1, "ACME CTI", identity_class="organization")
TACTIC = obj("x-mitre-tactic", 1, "Initial Access", x_mitre_shortname="initial-access")
GROUP = obj(
    "intrusion-set",
    1,
    "Fancy Goose",
    description="[Fancy Goose](https://attack.mitre.org/groups/G9001) is a group.(Citation: Report 2020)",
    aliases=["Fancy Goose", "Goose Team"],
    external_references=attack("G9001", "groups/G9001"),
)
PARENT = obj("attack-pattern", 1, "Phishing", external_references=attack("T9566", "techniques/T9566"))
TECHNIQUE = obj(
    "attack-pattern",
    2,
    "Spearphishing Attachment",
    description="Adversaries send <code>evil.doc</code>.",
    kill_chain_phases=[{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}],
    x_mitre_platforms=["Windows", "macOS"],
    external_references=attack("T9566.001", "techniques/T9566/001"),
)
SOFTWARE = obj(
    "malware",
    1,
    "GooseDropper",
    x_mitre_aliases=["GooseDropper", "GDrop"],
    external_references=attack("S9001", "software/S9001"),
)
CAMPAIGN = obj(
    "campaign",
    1,
    "Operation Goose",
    first_seen="2021-05-01T00:00:00.000Z",
    external_references=attack("C9001", "campaigns/C9001"),
)
MITIGATION = obj(
    "course-of-action", 1, "User Training", external_references=attack("M9017", "mitigations/M9017")
)
OBJECTS = [IDENT, TACTIC, GROUP, PARENT, TECHNIQUE, SOFTWARE, CAMPAIGN, MITIGATION]
LONG = "Fancy Goose " + "did many things. " * 30
RELATIONSHIPS = [
    rel(
        1,
        "uses",
        GROUP,
        TECHNIQUE,
        "[Fancy Goose](https://attack.mitre.org/groups/G9001) sent lures.(Citation: X)",
    ),
    rel(2, "uses", GROUP, SOFTWARE, "Fancy Goose deployed GooseDropper."),
    rel(3, "attributed-to", CAMPAIGN, GROUP),
    rel(4, "uses", CAMPAIGN, TECHNIQUE, LONG),
    rel(5, "uses", SOFTWARE, TECHNIQUE, "GooseDropper arrives as an attachment."),
    rel(6, "mitigates", MITIGATION, TECHNIQUE, "Train users to spot lures."),
    rel(7, "subtechnique-of", TECHNIQUE, PARENT),
]


@pytest.fixture
def graph(tmp_path: Path) -> Iterator[StixGraph]:
    with StixGraph(tmp_path / "stix.sqlite") as g:
        yield g


def doc_of(graph: StixGraph, stix_obj: dict[str, Any]) -> Document:
    docs = graph.render({stix_obj["id"]})
    assert [d.doc_id for d in docs] == [stix_obj["id"]]
    return docs[0]


def loaded(graph: StixGraph, options: IngestOptions = NO_OPTIONS) -> StixGraph:
    graph.add(OBJECTS, options=options, origin="core.json")
    graph.add(RELATIONSHIPS, options=options, origin="relationships.json")
    return graph


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("APT28 used X.(Citation: FireEye APT28)(Citation: ESET)", "APT28 used X."),
        ("It ran (Citation: Vendor (2020) Blog) quickly.", "It ran quickly."),
        (
            "[APT28](https://attack.mitre.org/groups/G0007) used [Mimikatz](https://attack.mitre.org/software/S0002)",
            "APT28 used Mimikatz",
        ),
        ("[a blog](https://example.com/x) stays", "[a blog](https://example.com/x) stays"),
        ("Runs <code>net  user</code> and <CODE>whoami</CODE>", "Runs net user and whoami"),
        ("a\t b  \n\n\n\n c ", "a b\n\nc"),
        (None, ""),
    ],
)
def test_clean_prose(raw: str | None, expected: str) -> None:
    assert clean_prose(raw) == expected


def test_relationships_from_a_later_file_update_both_endpoints(graph: StixGraph) -> None:
    first = graph.add(OBJECTS, options=NO_OPTIONS, origin="core.json")
    assert first == {o["id"] for o in OBJECTS if o["type"] not in ("identity", "x-mitre-tactic")}
    assert "Techniques used" not in doc_of(graph, GROUP).text

    changed = graph.add(RELATIONSHIPS[:1], options=NO_OPTIONS, origin="relationships.json")

    assert changed == {GROUP["id"], TECHNIQUE["id"]}
    group_doc = doc_of(graph, GROUP)
    assert (
        "## Techniques used\n- Spearphishing Attachment (T9566.001): Fancy Goose sent lures."
        in group_doc.text
    )
    assert "T9566.001" in group_doc.entities.attack_ids
    technique_doc = doc_of(graph, TECHNIQUE)
    assert "### Groups\n- Fancy Goose (G9001): Fancy Goose sent lures." in technique_doc.text
    assert technique_doc.entities.actors == ("Fancy Goose",)


def test_relationships_added_in_a_later_ingest_are_resolved_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "stix.sqlite"
    with StixGraph(path) as first_ingest:
        first_ingest.add(RELATIONSHIPS[:1], options=NO_OPTIONS, origin="relationships.json")
    with StixGraph(path) as second_ingest:
        changed = second_ingest.add(OBJECTS, options=NO_OPTIONS, origin="core.json")
        assert {GROUP["id"], TECHNIQUE["id"]} <= changed
        assert "Spearphishing Attachment (T9566.001)" in doc_of(second_ingest, GROUP).text


def test_pending_keeps_changed_ids_until_marked_rendered(tmp_path: Path) -> None:
    path = tmp_path / "stix.sqlite"
    with StixGraph(path) as graph:
        changed = graph.add(OBJECTS, options=NO_OPTIONS, origin="core.json")
        changed |= graph.add(RELATIONSHIPS, options=NO_OPTIONS, origin="relationships.json")
    with StixGraph(path) as graph:  # e.g. the process stopped before indexing
        assert graph.pending() == changed
        graph.mark_rendered({GROUP["id"], TECHNIQUE["id"]})
        assert graph.pending() == changed - {GROUP["id"], TECHNIQUE["id"]}
        graph.mark_rendered(graph.pending())
        assert graph.pending() == set()
        assert graph.add(OBJECTS, options=NO_OPTIONS, origin="core.json") == set()
        assert graph.pending() == set()


def test_adding_the_same_objects_again_changes_nothing(graph: StixGraph) -> None:
    loaded(graph)
    assert graph.add(OBJECTS, options=NO_OPTIONS, origin="core.json") == set()
    assert graph.add(RELATIONSHIPS, options=NO_OPTIONS, origin="relationships.json") == set()
    assert graph.add(OBJECTS + RELATIONSHIPS, options=NO_OPTIONS, origin="elsewhere.json") == set()


def test_newer_modified_wins_and_older_is_ignored(graph: StixGraph) -> None:
    loaded(graph)
    renamed = GROUP | {"name": "Fancier Goose", "modified": "2025-01-01T00:00:00Z"}
    changed = graph.add([renamed], options=NO_OPTIONS, origin="update.json")
    # The group and every document that shows its name.
    assert changed == {GROUP["id"], TECHNIQUE["id"], SOFTWARE["id"], CAMPAIGN["id"]}
    assert "Fancier Goose (G9001)" in doc_of(graph, TECHNIQUE).text

    older = GROUP | {"name": "Ancient Goose", "modified": "2019-01-01T00:00:00.000Z"}
    assert graph.add([older], options=NO_OPTIONS, origin="old.json") == set()
    group_doc = doc_of(graph, GROUP)
    assert group_doc.title == "Fancier Goose"
    assert group_doc.origin == "update.json"
    # Versions compare as instants, not strings: '00.001Z' is newer than '00Z' although '.' < 'Z'.
    newest = renamed | {"name": "Fanciest Goose", "modified": "2025-01-01T00:00:00.001Z"}
    assert GROUP["id"] in graph.add([newest], options=NO_OPTIONS, origin="newest.json")
    assert doc_of(graph, GROUP).title == "Fanciest Goose"


def test_reingesting_with_other_options_rerenders(graph: StixGraph) -> None:
    graph.add([IDENT, GROUP], options=NO_OPTIONS, origin="core.json")
    changed = graph.add([IDENT, GROUP], options=IngestOptions(tlp=TLP.AMBER), origin="core.json")
    assert changed == {GROUP["id"]}
    assert doc_of(graph, GROUP).tlp is TLP.AMBER


def test_group_document(graph: StixGraph) -> None:
    doc = doc_of(loaded(graph), GROUP)
    assert doc.title == "Fancy Goose"
    assert doc.doc_type == "intrusion-set"
    assert doc.text.startswith("Fancy Goose is a group.\n\nAlso known as: Goose Team\n\n## Techniques used")
    assert "## Software used\n- GooseDropper (S9001)" in doc.text
    assert "## Campaigns attributed\n- Operation Goose (C9001)" in doc.text
    assert doc.subject == ("Fancy Goose", "Goose Team")
    assert doc.entities.actors == ("Fancy Goose",)
    assert doc.entities.aliases == ("Goose Team",)
    assert doc.entities.malware == ("GooseDropper",)
    assert set(doc.entities.attack_ids) == {"G9001", "T9566.001", "S9001"}


def test_technique_document(graph: StixGraph) -> None:
    doc = doc_of(loaded(graph), TECHNIQUE)
    assert doc.title == "Spearphishing Attachment (T9566.001)"
    assert doc.url == "https://attack.mitre.org/techniques/T9566/001"
    for expected in (
        "Adversaries send evil.doc.",
        "Tactics: Initial Access",
        "Platforms: Windows, macOS",
        "Sub-technique of: Phishing (T9566)",
        "## Used by\n\n### Groups\n- Fancy Goose (G9001): Fancy Goose sent lures.",
        "### Software\n- GooseDropper (S9001)\n",
        "### Campaigns\n- Operation Goose (C9001)\n",
        "## Mitigations\n- User Training (M9017): Train users to spot lures.",
    ):
        assert expected in doc.text
    assert "did many things" not in doc.text  # procedure examples longer than ~300 characters are left out
    assert set(doc.entities.attack_ids) == {"T9566.001", "T9566"}
    parent = doc_of(graph, PARENT)
    assert "## Sub-techniques\n- Spearphishing Attachment (T9566.001)" in parent.text


def test_campaign_software_and_mitigation_documents(graph: StixGraph) -> None:
    loaded(graph)
    campaign = doc_of(graph, CAMPAIGN)
    assert "First seen: 2021-05-01" in campaign.text
    assert "## Attributed to\n- Fancy Goose (G9001)" in campaign.text
    assert campaign.text.endswith("## Techniques used\n- Spearphishing Attachment (T9566.001)")
    assert campaign.entities.actors == ("Fancy Goose",)

    software = doc_of(graph, SOFTWARE)
    assert "Also known as: GDrop" in software.text
    assert "## Used by\n- Fancy Goose (G9001): Fancy Goose deployed GooseDropper." in software.text
    assert "## Techniques used\n- Spearphishing Attachment (T9566.001): GooseDropper arrives" in software.text
    assert software.entities.malware == ("GooseDropper", "GDrop")
    assert software.entities.actors == ("Fancy Goose",)

    mitigation = doc_of(graph, MITIGATION)
    assert (
        "## Mitigates\n- Spearphishing Attachment (T9566.001): Train users to spot lures." in mitigation.text
    )
    assert "T9566.001" in mitigation.entities.attack_ids


def test_common_metadata(graph: StixGraph) -> None:
    doc = doc_of(loaded(graph), GROUP)
    assert doc.source == "ACME CTI"
    assert doc.created_by == "ACME CTI"
    assert doc.url == "https://attack.mitre.org/groups/G9001"  # a catalogue url beats the first url
    assert (doc.published, doc.modified) == ("2020-01-02", "2024-01-01")
    assert doc.tlp is TLP.CLEAR
    assert doc.origin == "core.json"

    graph.add(
        [GROUP | {"modified": "2025-01-01T00:00:00.000Z"}],
        options=IngestOptions(source="Partner feed", reliability="B"),
        origin="partner.json",
    )
    doc = doc_of(graph, GROUP)
    assert (doc.source, doc.created_by, doc.reliability) == ("Partner feed", "ACME CTI", "B")


def test_identity_arriving_later_rerenders_the_objects_it_created(graph: StixGraph) -> None:
    graph.add([GROUP], options=NO_OPTIONS, origin="core.json")
    assert doc_of(graph, GROUP).source == "core.json"
    assert graph.add([IDENT], options=NO_OPTIONS, origin="identity.json") == {GROUP["id"]}
    assert doc_of(graph, GROUP).source == "ACME CTI"


MARKING_DEFS = [
    obj("marking-definition", 1, definition_type="tlp", definition={"tlp": "amber"}),
    obj(
        "marking-definition",
        2,
        "TLP:AMBER+STRICT",
        extensions={
            "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {"tlp_2_0": "amber+strict"}
        },
    ),
    obj(
        "marking-definition",
        3,
        "PAP:AMBER",
        definition_type="statement",
        definition={"statement": "PAP:AMBER"},
    ),
    obj("marking-definition", 4, definition_type="statement", definition={"statement": "Copyright ACME"}),
]


@pytest.mark.parametrize(
    ("markings", "options", "tlp", "pap"),
    [
        ([], NO_OPTIONS, TLP.CLEAR, PAP.CLEAR),
        ([TLP1["white"]], NO_OPTIONS, TLP.CLEAR, PAP.CLEAR),
        ([TLP1["amber"]], NO_OPTIONS, TLP.AMBER, PAP.CLEAR),
        ([TLP2["amber+strict"]], NO_OPTIONS, TLP.AMBER_STRICT, PAP.CLEAR),
        ([TLP2["green"], TLP2["red"], TLP1["amber"]], NO_OPTIONS, TLP.RED, PAP.CLEAR),
        ([sid("marking-definition", 1)], NO_OPTIONS, TLP.AMBER, PAP.CLEAR),
        ([sid("marking-definition", 2)], NO_OPTIONS, TLP.AMBER_STRICT, PAP.CLEAR),
        ([sid("marking-definition", 3), TLP2["green"]], NO_OPTIONS, TLP.GREEN, PAP.AMBER),
        ([sid("marking-definition", 4)], NO_OPTIONS, TLP.CLEAR, PAP.CLEAR),
        ([], IngestOptions(tlp=TLP.GREEN, pap=PAP.RED), TLP.GREEN, PAP.RED),
        ([TLP2["red"]], IngestOptions(tlp=TLP.CLEAR), TLP.RED, PAP.CLEAR),  # options never lower a marking
    ],
)
def test_markings(graph: StixGraph, markings: list[str], options: IngestOptions, tlp: TLP, pap: PAP) -> None:
    graph.add(MARKING_DEFS, options=NO_OPTIONS, origin="markings.json")
    graph.add([GROUP | {"object_marking_refs": markings}], options=options, origin="feed.json")
    doc = doc_of(graph, GROUP)
    assert (doc.tlp, doc.pap) == (tlp, pap)


def test_marking_definition_arriving_later_rerenders_what_it_marks(graph: StixGraph) -> None:
    graph.add(
        [GROUP | {"object_marking_refs": [sid("marking-definition", 1)]}], options=NO_OPTIONS, origin="a"
    )
    assert doc_of(graph, GROUP).tlp is TLP.CLEAR
    assert graph.add(MARKING_DEFS[:1], options=NO_OPTIONS, origin="markings.json") == {GROUP["id"]}
    assert doc_of(graph, GROUP).tlp is TLP.AMBER


def test_more_restricted_content_stays_out_of_less_restricted_documents(graph: StixGraph) -> None:
    secret_group = obj("intrusion-set", 2, "Quiet Heron", object_marking_refs=[TLP1["amber"]])
    amber_rel = rel(
        20, "uses", GROUP, TECHNIQUE, "Fancy Goose used a secret lure.", object_marking_refs=[TLP2["red"]]
    )
    graph.add(OBJECTS + [secret_group], options=NO_OPTIONS, origin="core.json")
    graph.add(
        [rel(21, "uses", secret_group, TECHNIQUE, "Quiet Heron mailed lures."), amber_rel],
        options=NO_OPTIONS,
        origin="private.json",
    )

    technique = doc_of(graph, TECHNIQUE)
    assert technique.tlp is TLP.CLEAR
    assert "Quiet Heron" not in technique.text and "Quiet Heron" not in technique.entities.actors
    assert "secret lure" not in technique.text and "Fancy Goose" not in technique.text
    heron = doc_of(graph, secret_group)
    assert heron.tlp is TLP.AMBER
    assert "- Spearphishing Attachment (T9566.001): Quiet Heron mailed lures." in heron.text


def test_pap_of_shown_relationships_applies_to_the_document(graph: StixGraph) -> None:
    graph.add(MARKING_DEFS, options=NO_OPTIONS, origin="markings.json")
    graph.add(OBJECTS, options=NO_OPTIONS, origin="core.json")
    graph.add(
        [rel(1, "uses", GROUP, TECHNIQUE, "x", object_marking_refs=[sid("marking-definition", 3)])],
        options=NO_OPTIONS,
        origin="rels.json",
    )
    assert doc_of(graph, GROUP).pap is PAP.AMBER
    assert doc_of(graph, PARENT).pap is PAP.CLEAR


def test_revoked_by_withdraws_the_old_object_everywhere(graph: StixGraph) -> None:
    old = obj("attack-pattern", 9, "Old Lure", external_references=attack("T9999", "techniques/T9999"))
    graph.add(OBJECTS + [old], options=NO_OPTIONS, origin="v1.json")
    graph.add(
        [rel(30, "uses", GROUP, old, "Fancy Goose used the old lure.")], options=NO_OPTIONS, origin="v1"
    )
    assert "Old Lure (T9999)" in doc_of(graph, GROUP).text

    changed = graph.add([rel(31, "revoked-by", old, TECHNIQUE)], options=NO_OPTIONS, origin="v2.json")

    assert changed == {old["id"], TECHNIQUE["id"], GROUP["id"]}
    assert graph.render({old["id"]}) == []
    assert graph.withdrawn(changed) == {old["id"]}
    assert "Old Lure" not in doc_of(graph, GROUP).text
    assert "Replaces: Old Lure (T9999)" in doc_of(graph, TECHNIQUE).text


def test_revoked_or_deprecated_objects_given_directly_have_no_document(graph: StixGraph) -> None:
    loaded(graph)
    deprecated = SOFTWARE | {"modified": "2025-01-01T00:00:00.000Z", "x_mitre_deprecated": True}
    changed = graph.add([deprecated], options=NO_OPTIONS, origin="v2.json")
    assert {SOFTWARE["id"], GROUP["id"], TECHNIQUE["id"]} <= changed
    assert graph.withdrawn(changed) == {SOFTWARE["id"]}
    assert "GooseDropper" not in doc_of(graph, GROUP).text
    assert SOFTWARE["id"] not in {d.doc_id for d in graph.render(changed)}


def test_tactic_arriving_later_renames_the_tactic(graph: StixGraph) -> None:
    graph.add([TECHNIQUE], options=NO_OPTIONS, origin="a")
    assert "Tactics: Initial Access" in doc_of(graph, TECHNIQUE).text  # fallback from the phase name
    renamed = TACTIC | {"name": "Getting In"}
    assert graph.add([renamed], options=NO_OPTIONS, origin="tactics.json") == {TECHNIQUE["id"]}
    assert "Tactics: Getting In" in doc_of(graph, TECHNIQUE).text


def test_report_note_vulnerability_and_indicator(graph: StixGraph) -> None:
    loaded(graph)
    vuln = obj(
        "vulnerability",
        1,
        "Goose RCE",
        description="Remote code execution.",
        external_references=[
            {
                "source_name": "cve",
                "external_id": "CVE-2024-12345",
                "url": "https://www.cve.org/CVERecord?id=CVE-2024-12345",
            }
        ],
    )
    report = obj(
        "report",
        1,
        "Goose campaign report",
        published="2024-03-04T00:00:00Z",
        confidence=70,
        object_refs=[GROUP["id"], SOFTWARE["id"], vuln["id"], RELATIONSHIPS[0]["id"], sid("malware", 99)],
    )
    note = obj(
        "note",
        1,
        abstract="Analyst note",
        content="Seen again in **March**.",
        authors=["Ann"],
        object_refs=[GROUP["id"]],
    )
    indicator = obj(
        "indicator",
        1,
        "Goose hash",
        pattern="[file:hashes.MD5 = 'abc']",
        pattern_type="stix",
        valid_from="2024-01-01T00:00:00Z",
    )
    changed = graph.add(
        [
            vuln,
            report,
            note,
            indicator,
            rel(40, "indicates", indicator, SOFTWARE),
            rel(41, "targets", GROUP, vuln),
        ],
        options=NO_OPTIONS,
        origin="report.json",
    )
    assert {vuln["id"], report["id"], note["id"], indicator["id"], SOFTWARE["id"], GROUP["id"]} <= changed

    docs = {d.doc_type: d for d in graph.render(changed)}
    assert docs["vulnerability"].title == "Goose RCE (CVE-2024-12345)"
    assert docs["vulnerability"].entities.cves == ("CVE-2024-12345",)
    assert (
        "## Related\n- Fancy Goose (G9001) targets Goose RCE (CVE-2024-12345)" in docs["vulnerability"].text
    )
    assert docs["vulnerability"].entities.actors == ("Fancy Goose",)

    rep = docs["report"]
    assert (rep.published, rep.confidence) == ("2024-03-04", 70)
    for line in (
        "- Fancy Goose (G9001) (intrusion-set)",
        "- GooseDropper (S9001) (malware)",
        "- Fancy Goose (G9001) uses Spearphishing Attachment (T9566.001)",
    ):
        assert line in rep.text
    assert rep.entities.actors == ("Fancy Goose",)
    assert rep.entities.malware == ("GooseDropper",)
    assert rep.entities.cves == ("CVE-2024-12345",)

    assert docs["note"].title == "Analyst note"
    assert "Seen again in **March**." in docs["note"].text and "Authors: Ann" in docs["note"].text
    assert "## About\n- Fancy Goose (G9001) (intrusion-set)" in docs["note"].text

    ind = docs["indicator"]
    assert "Pattern (stix): `[file:hashes.MD5 = 'abc']`" in ind.text and "Valid from: 2024-01-01" in ind.text
    assert "## Indicates\n- GooseDropper (S9001)" in ind.text
    assert ind.entities.malware == ("GooseDropper",)
    assert "- Goose hash indicates GooseDropper" in docs["malware"].text


def test_render_ignores_unknown_and_non_indexable_ids(graph: StixGraph) -> None:
    loaded(graph)
    assert graph.render({IDENTITY, TACTIC["id"], RELATIONSHIPS[0]["id"], sid("malware", 77)}) == []
    assert graph.withdrawn({IDENTITY, sid("malware", 77)}) == {sid("malware", 77)}


@pytest.mark.integration
def test_full_attack_enterprise(tmp_path: Path) -> None:
    folder = SHARED_CTI / "mitre-attack"
    core, rels = (
        folder / "enterprise-attack-18.1-core.json",
        folder / "enterprise-attack-18.1-relationships.json.gz",
    )
    if not (core.exists() and rels.exists()):
        pytest.skip(f"ATT&CK bundles not found under {folder}: the shared CTI data set is not mounted")

    start = time.perf_counter()
    core_result = load_stix(SourceFile(core, core.name, core.read_bytes()), NO_OPTIONS)
    rel_result = load_stix(SourceFile(rels, rels.name, gzip.decompress(rels.read_bytes())), NO_OPTIONS)
    with StixGraph(tmp_path / "stix.sqlite") as graph:
        changed = graph.add(core_result.stix_objects, options=NO_OPTIONS, origin=core.name)
        changed |= graph.add(rel_result.stix_objects, options=NO_OPTIONS, origin=rels.name)
        docs = graph.render(changed)
        elapsed = time.perf_counter() - start
        assert graph.add(rel_result.stix_objects, options=NO_OPTIONS, origin=rels.name) == set()

    assert (len(core_result.stix_objects), core_result.skipped) == (2145, 386)
    assert (len(rel_result.stix_objects), rel_result.skipped) == (19357, 0)
    assert len(docs) == 1743  # 2,145 objects minus 386 revoked/deprecated, identity, marking, 14 tactics
    assert elapsed < 30, f"load + add + render of ATT&CK took {elapsed:.1f}s"

    by_title = {d.title: d for d in docs}
    apt28 = by_title["APT28"]
    assert "- Spearphishing Attachment (T1566.001): APT28 sent spearphishing emails" in apt28.text
    assert "- Mimikatz (S0002)" in apt28.text
    assert {"T1566.001", "S0002", "G0007"} <= set(apt28.entities.attack_ids)
    assert "Fancy Bear" in apt28.subject and apt28.source == "The MITRE Corporation"
    assert "(Citation:" not in apt28.text and "](https://attack.mitre.org" not in apt28.text

    phishing = by_title["Spearphishing Attachment (T1566.001)"]
    assert "- APT28 (G0007)" in phishing.text and "APT28" in phishing.entities.actors
    assert "## Mitigations" in phishing.text and "- User Training (M1017)" in phishing.text
    assert "Sub-technique of: Phishing (T1566)" in phishing.text

    user_training = by_title["User Training"]
    assert (
        "## Mitigates" in user_training.text
        and "- Spearphishing Attachment (T1566.001)" in user_training.text
    )

    dream_job = by_title["Operation Dream Job"]
    assert "## Attributed to\n- Lazarus Group (G0032)" in dream_job.text
    assert "- Operation Dream Job (C0022)" in by_title["Lazarus Group"].text

    raw = json.loads(core.read_bytes())["objects"]
    withdrawn = {o["id"] for o in raw if o.get("revoked") or o.get("x_mitre_deprecated")}
    assert len(withdrawn) == 386
    assert withdrawn.isdisjoint(d.doc_id for d in docs)
    assert "Password Filter DLL Mitigation" not in by_title  # a deprecated course-of-action
