"""A Brief in the terminal (rich): TLP banner, bottom line first, sections, options, sources, checks."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel

from assistant.brief import RUNGS, Brief, Statement

_COLOURS = {
    "TLP:CLEAR": "white",
    "TLP:GREEN": "green",
    "TLP:AMBER": "yellow",
    "TLP:AMBER+STRICT": "yellow",
    "TLP:RED": "red",
}


def _prose(statements: tuple[Statement, ...]) -> str:
    return " ".join(f"{s.text} {''.join(f'[{n}]' for n in s.cites)}".strip() for s in statements)


def render_brief(console: Console, brief: Brief) -> None:
    colour = _COLOURS.get(brief.marking, "white")
    console.print(
        Panel(
            f"[bold {colour}]{brief.marking}[/]  ·  for a {brief.audience}  ·  cleared {brief.clearance}",
            expand=False,
        )
    )
    if brief.refused:
        console.print(f"[bold]Not answered.[/bold] {brief.refusal_reason}")
        return
    if brief.public:
        p = brief.public
        console.print(f"[bold]{p.headline}[/bold]\n")
        console.print("[bold]Key messages[/bold]")
        for m in p.key_messages:
            console.print(f"  • {_prose((m,))}")
        console.print("[bold]Talking points[/bold]")
        for t in p.talking_points:
            console.print(f"  • {_prose((t,))}")
        console.print("[bold]Likely questions[/bold]")
        for qa in p.likely_questions:
            console.print(f"  Q: {qa.question}\n  A: {qa.answer}")
        console.print("[bold]Do not say[/bold]")
        for item in p.do_not_say:
            console.print(f"  ✗ {item}")
    else:
        for title, statements in brief.sections().items():
            if statements:
                console.print(f"[bold]{title}[/bold]\n{_prose(statements)}\n")
        if brief.options:
            console.print("[bold]Response options[/bold]")
            for i, o in enumerate(brief.options, 1):
                console.print(f"  {i}. [bold]{o.title}[/bold] ({o.kind}, rung {o.rung}: {RUNGS[o.rung]})")
                console.print(f"     {o.action}")
                console.print(f"     [dim]Cost:[/dim] {o.cost}  [dim]When:[/dim] {o.sequence}")
                if o.change_indicators:
                    console.print(f"     [dim]Would change if:[/dim] {'; '.join(o.change_indicators)}")
                if o.de_escalation:
                    console.print(f"     [dim]De-escalation:[/dim] {o.de_escalation}")
            console.print()
    if brief.citations:
        console.print("[bold]Sources[/bold]")
        by_doc: dict[str, list] = {}
        for c in brief.citations:  # several passages of one document: one line, all its numbers
            by_doc.setdefault(c.doc_id, []).append(c)
        for group in by_doc.values():
            c = group[0]
            numbers = "".join(f"[{x.n}]" for x in group)
            console.print(
                f"  {numbers} {c.title} ({c.source}, {c.published or 'undated'}, {c.tlp}, {c.reliability})"
                + (f" {c.url}" if c.url else "")
            )
    for warning in brief.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    failed = [c.name for c in brief.checks if not c.passed]
    console.print(
        f"[dim]{brief.drafter} · {brief.prompt_version} · {len(brief.checks) - len(failed)}/{len(brief.checks)} checks passed"
        + (f" (failed: {', '.join(failed)})" if failed else "")
        + (f" · {brief.latency_ms:.0f} ms[/dim]" if brief.latency_ms is not None else "[/dim]")
    )
