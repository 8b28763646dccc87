"""Token-aware chunking that keeps headings with their text and never splits a short object."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import tiktoken
from langchain_text_splitters import RecursiveCharacterTextSplitter

from retrieval.documents import Document

ENCODING = "cl100k_base"
# all-MiniLM-L6-v2 reads at most 256 word pieces; ~200 tiktoken tokens leave room for the title line.
TARGET_TOKENS = 200
# A document up to this size stays whole, even if the embedding truncates its tail (BM25 still sees it).
WHOLE_OBJECT_TOKENS = 320
OVERLAP_TOKENS = 30

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    index: int
    heading: str  # "Section > Subsection", empty for the preamble
    text: str  # the passage shown to readers, heading line included

    def embedding_text(self, title: str) -> str:
        """What the embedding model reads: the title gives every chunk its subject."""
        return f"{title}\n{self.text}"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


@lru_cache(maxsize=1)
def _splitter() -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name=ENCODING,
        chunk_size=TARGET_TOKENS,
        chunk_overlap=OVERLAP_TOKENS,
        separators=["\n\n", "\n- ", "\n", ". ", " ", ""],
    )


def chunk_id(doc_id: str, index: int, text: str, tlp: int = 0) -> str:
    """Ids derive from content: re-ingesting identical text yields identical ids. The marking is part of the
    id because each TLP level lives in its own collection: a re-marked chunk is a new chunk there."""
    digest = hashlib.sha256(f"{doc_id}\x1f{index}\x1f{int(tlp)}\x1f{text}".encode()).hexdigest()
    return digest[:32]


def chunk_document(doc: Document) -> list[Chunk]:
    text = doc.text.strip()
    if not text:
        text = doc.title
    pieces = [("", text)] if count_tokens(text) <= WHOLE_OBJECT_TOKENS else _split_sections(text)
    return [
        Chunk(
            chunk_id=chunk_id(doc.doc_id, i, body, doc.tlp),
            doc_id=doc.doc_id,
            index=i,
            heading=heading,
            text=body,
        )
        for i, (heading, body) in enumerate(pieces)
    ]


def _sections(text: str) -> list[tuple[str, str]]:
    """Split Markdown into (heading path, section text including its heading line)."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    path: list[tuple[int, str]] = []
    in_fence = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            level = len(match.group(1))
            path = [(lvl, name) for lvl, name in path if lvl < level] + [(level, match.group(2))]
            sections.append((" > ".join(name for _, name in path), [line]))
        else:
            sections[-1][1].append(line)
    return [(heading, "\n".join(lines).strip()) for heading, lines in sections if "\n".join(lines).strip()]


def _split_sections(text: str) -> list[tuple[str, str]]:
    """Merge small neighbouring sections up to the target; split big ones, repeating their heading."""
    out: list[tuple[str, str]] = []
    buffer_heading, buffer, buffer_tokens = "", "", 0
    for heading, body in _sections(text):
        tokens = count_tokens(body)
        if tokens > TARGET_TOKENS:
            if buffer:
                out.append((buffer_heading, buffer))
                buffer, buffer_tokens = "", 0
            heading_line = body.splitlines()[0] if heading else ""
            rest = body[len(heading_line) :].strip() if heading else body
            for i, piece in enumerate(_splitter().split_text(rest)):
                prefix = heading_line if i == 0 else (f"{heading_line} (continued)" if heading_line else "")
                out.append((heading, f"{prefix}\n{piece}".strip()))
            continue
        if buffer and buffer_tokens + tokens > TARGET_TOKENS:
            out.append((buffer_heading, buffer))
            buffer, buffer_tokens = "", 0
        if not buffer:
            buffer_heading = heading
        buffer = f"{buffer}\n\n{body}".strip()
        buffer_tokens += tokens
    if buffer:
        out.append((buffer_heading, buffer))
    return out
