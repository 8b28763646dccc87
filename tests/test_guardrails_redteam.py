"""Red-team probes (tests/data/guardrails/redteam.yaml): above-clearance questions, source fishing, injected
documents, disguised identifiers. Every attack must be stopped; every benign look-alike must pass."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from guardrails.allowlist import AllowList
from guardrails.checks import check_leakage, clearance_gate, run_output_checks
from guardrails.injection import screen, screen_question
from guardrails.markings import TLP
from guardrails.policy import ClearancePolicy
from guardrails.redact import redact, rescan
from guardrails.vault import Vault

ROOT = Path(__file__).resolve().parents[1]
PROBES = yaml.safe_load(
    (Path(__file__).parent / "data" / "guardrails" / "redteam.yaml").read_text(encoding="utf-8")
)["probes"]
POLICY = ClearancePolicy.load(ROOT / "guardrails" / "data" / "policy.example.yaml")
KB_NAMES = ["FEATHERLIGHT", "HOLLOWLOCK", "CINDER HERON", "VELVET JACKAL", "Lusenia", "Vostrania"]


def _params() -> list:
    marks = {"redaction": [pytest.mark.integration]}
    return [pytest.param(p, id=p["id"], marks=marks.get(p["kind"], [])) for p in PROBES]


def test_there_are_enough_attacks() -> None:
    attacks = [p for p in PROBES if not p.get("benign")]
    assert len(attacks) >= 30
    assert {p["kind"] for p in attacks} == {"clearance", "question", "passage", "leak", "redaction"}


@pytest.mark.parametrize("probe", _params())
def test_probe(probe: dict) -> None:
    stopped = RUNNERS[probe["kind"]](probe)
    if probe.get("benign"):
        assert not stopped, f"{probe['id']}: a benign look-alike was blocked"
    else:
        assert stopped, f"{probe['id']}: LEAK - the attack got through"


def _clearance(probe: dict) -> bool:
    ceiling = POLICY.ceiling(
        channel=probe.get("channel"),
        user=probe.get("user"),
        is_dm=probe.get("is_dm", False),
        is_shared=probe.get("is_shared", False),
    )
    finding = clearance_gate(needed=TLP.parse(probe["needed"]), ceiling=ceiling)
    if not finding.passed:
        assert finding.detail.startswith("This answer needs TLP:")
    return not finding.passed


def _question(probe: dict) -> bool:
    return screen_question(probe["text"]).flagged


def _passage(probe: dict) -> bool:
    result = screen(probe["text"])
    for fragment in probe.get("must_not_survive", []):
        assert fragment not in result.text, f"{probe['id']}: {fragment!r} survived neutralisation"
    return result.flagged


def _leak(probe: dict) -> bool:
    vault = Vault()
    for entity, value in probe.get("vault", []):
        vault.pseudonym(entity, value)
    finding = check_leakage(text=probe["draft"], vault=vault, canaries=probe.get("canaries", ()))
    return not finding.passed


def _redaction(probe: dict) -> bool:
    from guardrails.analyzer import analyze

    allow = AllowList(KB_NAMES)
    vault = Vault()
    passage = redact(
        text=probe["text"], spans=analyze(probe["text"], allow=allow), audience=probe["audience"], vault=vault
    )
    draft = rescan(text=probe["draft"], audience=probe["audience"], vault=vault, allow=allow)
    for value in probe.get("keep", []):
        assert value in passage.text, f"{probe['id']}: {value!r} should be kept for {probe['audience']}"
    leaked = [
        s
        for s in probe["secrets"]
        if s.casefold() in passage.text.casefold() or s.casefold() in draft.text.casefold()
    ]
    assert not leaked, f"{probe['id']}: leaked {leaked}"
    findings = run_output_checks(
        text=draft.text, vault=vault, ceiling="AMBER", cited_tlps=["CLEAR"], audience=probe["audience"]
    )
    assert all(f.passed for f in findings), [f for f in findings if not f.passed]
    return True


RUNNERS = {
    "clearance": _clearance,
    "question": _question,
    "passage": _passage,
    "leak": _leak,
    "redaction": _redaction,
}
