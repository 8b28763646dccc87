"""A Brief as Slack messages: TLP banner first, bottom line, sections, options, sources, then buttons.

Views of one brief: `brief` (everything), `options`, `sources`, `message` (public lines) and `simpler`
(the same brief, shorter: bottom line, one sentence a section, option titles; no new drafting, so the
sources and clearance stay those of the full brief). Each view is split into pages of at most 50 blocks;
page n+1 is fetched with the "More" button, re-rendered from the same brief.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.brief import RUNGS, Brief, Citation, Statement
from assistant.slack import kit
from assistant.slack.kit import Block, Message, escape

VIEWS = ("brief", "options", "sources", "message", "simpler")
A_PUBLIC, A_SOURCES, A_SIMPLER = "detente_public", "detente_sources", "detente_simpler"
A_HELPFUL, A_NOT_HELPFUL, A_MORE = "detente_helpful", "detente_not_helpful", "detente_more"
A_DM = "detente_dm_offer"

TLP_MEANING = {
    "TLP:CLEAR": (":white_circle:", "may be shared publicly"),
    "TLP:GREEN": (":large_green_circle:", "share within the community, not publicly"),
    "TLP:AMBER": (":large_orange_circle:", "need-to-know within your organisation and its clients"),
    "TLP:AMBER+STRICT": (":large_orange_circle:", "within your organisation only"),
    "TLP:RED": (":red_circle:", "for you alone: do not forward"),
}
RELIABILITY = {
    "A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
    "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged",
}  # fmt: skip
CREDIBILITY = {
    "1": "confirmed by other sources", "2": "probably true", "3": "possibly true", "4": "doubtful",
    "5": "improbable", "6": "truth cannot be judged",
}  # fmt: skip
LIKELIHOOD = {
    "almost no chance": "1-5 %", "very unlikely": "5-20 %", "unlikely": "20-45 %",
    "roughly even chance": "45-55 %", "likely": "55-80 %", "very likely": "80-95 %",
    "almost certain": "95-99 %",
}  # fmt: skip
KIND_EMOJI = {"defensive": ":shield:", "deterrent": ":raised_hand:", "collaborative": ":handshake:"}


def banner(brief: Brief) -> Block:
    emoji, meaning = TLP_MEANING.get(brief.marking, (":white_circle:", ""))
    return kit.context(
        f"{emoji} *{brief.marking}*: {meaning}",
        f"for a {brief.audience} · cleared up to {brief.clearance}",
    )


def prose(statements: Sequence[Statement], *, cites: bool = True) -> str:
    return " ".join(
        escape(s.text) + ("".join(f" [{n}]" for n in s.cites) if cites and s.cites else "")
        for s in statements
    )


def reliability_words(code: str) -> str:
    letter, digit = (code[:1].upper(), code[1:2]) if code else ("", "")
    parts = [RELIABILITY.get(letter), CREDIBILITY.get(digit)]
    return "; ".join(p for p in parts if p)


def confidence_line(brief: Brief) -> str | None:
    c = brief.confidence
    if c is None:
        return None
    band = LIKELIHOOD.get(c.likelihood.lower())
    return f"*How sure:* {c.level} confidence; {escape(c.likelihood)}" + (f" ({band})" if band else "") + "."


def citation_line(c: Citation, *, explain: bool = False) -> str:
    parts = [escape(c.source), c.published or "undated", c.tlp, c.reliability]
    line = f"[{c.n}] {kit.link(c.url, c.title)} · " + " · ".join(p for p in parts if p)
    if explain and reliability_words(c.reliability):
        line += f" _({reliability_words(c.reliability)})_"
    return line


def _options(brief: Brief) -> list[Block]:
    out: list[Block] = []
    for i, o in enumerate(brief.options, 1):
        lines = [
            f"{KIND_EMOJI.get(o.kind, '')} *{i}. {escape(o.title)}*  ·  _{o.kind}, rung {o.rung} of 4: "
            f"{RUNGS.get(o.rung, '?')}_",
            escape(o.action),
            f"*Cost:* {escape(o.cost)}  ·  *When:* {escape(o.sequence)}",
        ]
        if o.change_indicators:
            lines.append("*Would change if:*\n" + "\n".join(f"• {escape(x)}" for x in o.change_indicators))
        if o.de_escalation:
            lines.append(f"*De-escalation:* {escape(o.de_escalation)}")
        out += kit.sections(lines, heading="Response options" if i == 1 else None)
    return out


def _sources(brief: Brief, *, explain: bool = False) -> list[Block]:
    if not brief.citations:
        return []
    return kit.sections([citation_line(c, explain=explain) for c in brief.citations], heading="Sources")


def _tail(brief: Brief, *, answer_id: str) -> list[Block]:
    out: list[Block] = []
    if brief.confidence is not None:
        out.append(kit.context(escape(brief.confidence.basis)))
    out += kit.contexts([f":warning: {escape(w)}" for w in brief.warnings])
    passed = sum(c.passed for c in brief.checks)
    meta = [f"answer `{answer_id}`", brief.drafter]
    if brief.prompt_version:
        meta.append(f"prompts {escape(brief.prompt_version)}")
    if brief.checks:
        meta.append(f"{passed}/{len(brief.checks)} checks passed")
    if brief.latency_ms is not None:
        ms = brief.latency_ms
        meta.append(f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s")
    out.append(kit.context(" · ".join(meta)))
    return out


def content(brief: Brief, view: str, *, answer_id: str) -> list[Block]:
    """The blocks of a view, before pagination (no banner, no buttons)."""
    if view == "message" and brief.public is not None:
        return _public(brief) + _sources(brief) + _tail(brief, answer_id=answer_id)
    if view == "options":
        body = _options(brief) or [kit.section("No response options were selected for this question.")]
        return body + _tail(brief, answer_id=answer_id)
    if view == "sources":
        return _sources(brief, explain=True) or [kit.section("This answer cites no sources.")]
    if view == "simpler":
        return _simpler(brief)
    out: list[Block] = []
    for title, statements in brief.sections().items():
        if not statements or title == "Bottom line":  # the bottom line opens the first message (`render`)
            continue
        text = prose(statements)
        if title == "How sure we are" and (line := confidence_line(brief)):
            text = f"{line} {text}"
        out += kit.sections([text], heading=title)
    return out + _options(brief) + _sources(brief) + _tail(brief, answer_id=answer_id)


def _public(brief: Brief) -> list[Block]:
    p = brief.public
    assert p is not None
    out = [kit.section(f"*{escape(p.headline)}*")]
    out += kit.sections([f"• {prose((m,))}" for m in p.key_messages], heading="Key messages")
    out += kit.sections([f"• {prose((t,))}" for t in p.talking_points], heading="Talking points")
    qa = [f"*Q:* {escape(q.question)}\n*A:* {escape(q.answer)}" for q in p.likely_questions]
    out += kit.sections(qa, heading="Likely questions", sep="\n\n")
    out += kit.sections([f"✗ {escape(x)}" for x in p.do_not_say], heading="Do not say")
    return out


def _simpler(brief: Brief) -> list[Block]:
    lines = [f"*In short:* {prose(brief.bottom_line, cites=False)}"]
    for title in ("What happened", "Who is affected", "What is at stake"):
        first = brief.sections()[title][:1]
        if first:
            lines.append(f"*{title}:* {prose(first, cites=False)}")
    if brief.confidence is not None:
        lines.append(f"*How sure:* {brief.confidence.level} confidence.")
    if brief.options:
        lines.append("*What we could do:* " + "; ".join(escape(o.title) for o in brief.options[:3]) + ".")
    out = kit.sections(lines, sep="\n\n")
    out.append(kit.context("A shorter reading of the answer above: same sources, same clearance."))
    return out


def answer_buttons(answer_id: str, brief: Brief, view: str) -> Block:
    buttons = []
    if view != "message" and brief.audience != "public":
        buttons.append(kit.button("Draft public message", A_PUBLIC, answer_id))
    if view != "sources" and brief.citations:
        buttons.append(kit.button("Show sources", A_SOURCES, answer_id))
    if view in ("brief", "options"):
        buttons.append(kit.button("Simpler", A_SIMPLER, answer_id))
    buttons += [
        kit.button(":+1: Helpful", A_HELPFUL, answer_id),
        kit.button(":-1: Not helpful", A_NOT_HELPFUL, answer_id),
    ]
    return kit.actions(*buttons, block_id=f"answer:{answer_id}")


def more_value(answer_id: str, view: str, page: int) -> str:
    return f"{answer_id}|{view}|{page}"


def parse_more(value: str) -> tuple[str, str, int]:
    answer_id, view, page = value.split("|")
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}")
    return answer_id, view, int(page)


def has_buttons(view: str) -> bool:
    """Answers carry the buttons; the sources list and the simpler reading are views of an answer."""
    return view in ("brief", "options", "message")


def render(brief: Brief, *, view: str, answer_id: str) -> list[Message]:
    """All pages of a view; page 0 carries the buttons, every page carries the TLP banner.

    Deterministic, so page n can be re-rendered later for the "More" button.
    """
    head = [banner(brief)]
    first_head = list(head)
    if brief.bottom_line and view in ("brief", "options"):
        first_head.append(kit.section(f"*Bottom line:* {prose(brief.bottom_line)}"))

    def more(page: int, total: int) -> Block:
        return kit.section(
            f"_Part {page} of {total}._ The rest is one click away.",
            accessory=kit.button("More", A_MORE, more_value(answer_id, view, page)),
        )

    pages = kit.paginate(
        content(brief, view, answer_id=answer_id),
        first_head=first_head,
        head=head,
        first_tail=[answer_buttons(answer_id, brief, view)] if has_buttons(view) else [],
        more=more,
    )
    return [Message(text=fallback(brief, view), blocks=page) for page in pages]


def fallback(brief: Brief, view: str = "brief") -> str:
    """The notification text (and what screen readers get first)."""
    if view == "message" and brief.public is not None:
        body = brief.public.headline
    elif view == "sources":
        body = f"{len(brief.citations)} sources"
    else:
        body = prose(brief.bottom_line, cites=False) or "Answer"
    return kit.cut(f"{brief.marking} · {body}", kit.MAX_FALLBACK)
