"""Block Kit primitives that respect Slack's limits, and pagination with a "More" button.

Limits (api.slack.com/reference/block-kit): 50 blocks a message (100 in a Home tab), 3,000 characters in a
section's text, 2,000 in a section field or context element, 10 elements in a context block, 75 characters
in a button's text, 2,000 in its value. Text too long for one section is split at paragraph boundaries;
one paragraph too long for any section is cut with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_CONTEXT_TEXT = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000
MAX_FALLBACK = 3000

Block = dict[str, Any]


@dataclass(frozen=True)
class Message:
    """What chat.postMessage / response_url take: a notification fallback and the blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def escape(text: str) -> str:
    """Slack mrkdwn control characters; `<PERSON_1>` placeholders would otherwise vanish as bad links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str | None, label: str) -> str:
    label = escape(label).replace("|", "¦")
    if not url or not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        return label
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{label}>"


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def section(text: str, *, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, MAX_SECTION)}}
    if accessory:
        block["accessory"] = accessory
    return block


def fields(items: Sequence[str]) -> list[Block]:
    """Two-column sections of at most 10 fields each."""
    cells = [{"type": "mrkdwn", "text": cut(i, MAX_FIELD)} for i in items]
    return [{"type": "section", "fields": cells[i : i + 10]} for i in range(0, len(cells), 10)]


def context(*texts: str) -> Block:
    elements = [{"type": "mrkdwn", "text": cut(t, MAX_CONTEXT_TEXT)} for t in texts if t]
    return {"type": "context", "elements": elements[:MAX_CONTEXT_ELEMENTS]}


def contexts(texts: Sequence[str]) -> list[Block]:
    return [context(*texts[i : i + MAX_CONTEXT_ELEMENTS]) for i in range(0, len(texts), MAX_CONTEXT_ELEMENTS)]


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": cut(text, 150), "emoji": True}}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": cut(text, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
        "value": value[:MAX_VALUE],
    }
    if style:
        element["style"] = style
    return element


def actions(*buttons: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(buttons)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def sections(paragraphs: Iterable[str], *, heading: str | None = None, sep: str = "\n") -> list[Block]:
    """Paragraphs packed into as few sections as fit; the heading (bold) starts the first one."""
    title = f"*{escape(heading)}*" if heading else ""
    chunks: list[str] = []
    current = title
    for para in paragraphs:
        para = cut(para, MAX_SECTION - len(title) - len(sep))
        candidate = f"{current}{sep}{para}" if current else para
        if len(candidate) <= MAX_SECTION:
            current = candidate
            continue
        chunks.append(current)
        current = para
    if current:
        chunks.append(current)
    return [section(c) for c in chunks]


def paginate(
    content: Sequence[Block],
    *,
    first_head: Sequence[Block],
    head: Sequence[Block],
    first_tail: Sequence[Block],
    more: Callable[[int, int], Block],
    limit: int = MAX_BLOCKS,
) -> list[list[Block]]:
    """Split content into messages of at most `limit` blocks.

    Page 0 is `first_head + content + first_tail` (the buttons); later pages repeat `head` (the TLP banner,
    which every message must carry). When content is left over, the page ends with `more(next, total)`.
    """
    pages: list[list[Block]] = []
    rest = list(content)
    while True:
        top = list(first_head if not pages else head)
        bottom = list(first_tail if not pages else [])
        room = limit - len(top) - len(bottom)
        if room < 2:
            raise ValueError("no room for content: too many fixed blocks")
        if len(rest) <= room:
            pages.append([*top, *rest, *bottom])
            break
        pages.append([*top, *rest[: room - 1], None, *bottom])  # type: ignore[list-item]
        rest = rest[room - 1 :]
    total = len(pages)
    for number, page in enumerate(pages):
        if None in page:
            page[page.index(None)] = more(number + 1, total)
    return pages
