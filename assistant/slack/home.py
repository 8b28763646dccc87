"""The App Home tab: the live risk picture, capped to the viewer's clearance, with a button to ask about
each threat (answered in a direct message, at the viewer's own ceiling)."""

from __future__ import annotations

from typing import Any

from assistant.risk_picture import RiskPicture
from assistant.slack import kit
from assistant.slack.blocks import TLP_MEANING
from assistant.slack.kit import escape

A_HOME_ASK = "detente_home_ask"
TREND = {"new": ":new: new", "rising": ":arrow_upper_right: rising", "steady": ":arrow_right: steady",
         "falling": ":arrow_lower_right: falling"}  # fmt: skip
SEVERITY_EMOJI = {"critical": ":red_circle:", "high": ":large_orange_circle:", "moderate": ":large_yellow_circle:",
                  "low": ":large_blue_circle:", "negligible": ":white_circle:"}  # fmt: skip


def ask_question(name: str) -> str:
    return f"What is {name} doing, and what does it mean for us?"


def home_view(picture: RiskPicture) -> dict[str, Any]:
    emoji, _ = TLP_MEANING.get(picture.ceiling.label, (":white_circle:", ""))
    when = picture.as_of.isoformat() if picture.as_of else "no dated reports"
    ingest = picture.last_ingest.strftime("%Y-%m-%d %H:%M UTC") if picture.last_ingest else "never"
    blocks = [
        kit.header("Current cyber risk picture"),
        kit.context(
            f"{emoji} Counts only what you are cleared for: up to *{picture.ceiling.label}*",
            f"Reporting in the {picture.window_days} days to {when} · last ingest {ingest}",
        ),
        kit.divider(),
        kit.section("*Top current threats*"),
    ]
    if not picture.threats:
        blocks.append(kit.section("No reporting in this window names a threat actor."))
    for t in picture.threats:
        severity = (
            f"{SEVERITY_EMOJI.get(t.severity_word, '')} severity {t.severity_word}"
            if t.severity_word
            else "severity not assessed"
        )
        text = (
            f"*{escape(t.name)}*\n{severity} · {TREND.get(t.trend, t.trend)} "
            f"({_reports(t.recent)}, {t.previous} in the {picture.window_days} days before)"
        )
        if t.sectors:
            text += "\nSectors: " + ", ".join(escape(s) for s in t.sectors)
        blocks.append(kit.section(text, accessory=kit.button("Ask about this", A_HOME_ASK, t.name)))
    blocks.append(kit.divider())
    if picture.by_sector:
        blocks.append(kit.section(f"*Reports by sector* (last {picture.window_days} days)"))
        blocks += kit.fields([f"{escape(s)}: *{n}*" for s, n in picture.by_sector.items()])
    blocks.append(kit.section(f"*Documents by TLP* ({picture.documents} you are cleared for)"))
    blocks += kit.fields([f"{label}: *{n}*" for label, n in picture.by_tlp.items()] or ["none"])
    blocks.append(kit.context("Ask me anything in a direct message, or type `/detente help`."))
    return {"type": "home", "blocks": blocks[: kit.MAX_HOME_BLOCKS]}


def _reports(n: int) -> str:
    return f"{n} report" + ("" if n == 1 else "s")


def unavailable_view(reason: str) -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [kit.header("Current cyber risk picture"), kit.section(f":warning: {escape(reason)}")],
    }
