from retrieval.chunking import TARGET_TOKENS, WHOLE_OBJECT_TOKENS, chunk_document, count_tokens
from tests.helpers import make_doc


def test_short_object_is_never_split():
    doc = make_doc("d1", "# Title\n\nShort text.\n\n## Section\n\nAnother short paragraph.")
    chunks = chunk_document(doc)
    assert len(chunks) == 1
    assert "## Section" in chunks[0].text


def test_long_document_splits_at_headings_and_keeps_each_heading_with_its_text():
    body = "\n\n".join(
        f"## Section {i}\n\n" + " ".join(f"word{i}_{j} is a token." for j in range(120)) for i in range(4)
    )
    doc = make_doc("d2", body)
    assert count_tokens(body) > WHOLE_OBJECT_TOKENS
    chunks = chunk_document(doc)
    assert len(chunks) > 4
    for chunk in chunks:
        assert chunk.heading.startswith("Section")
        assert chunk.text.startswith(f"## {chunk.heading}")
        # a heading line and the overlap may take a chunk slightly past the target
        assert count_tokens(chunk.text) <= TARGET_TOKENS + 40
    # every word survives chunking
    joined = " ".join(c.text for c in chunks)
    assert all(f"word{i}_119" in joined for i in range(4))


def test_small_sections_are_merged_and_ids_derive_from_content():
    body = "\n\n".join(f"## Part {i}\n\nA few words about part {i}." for i in range(60))
    doc = make_doc("d3", body)
    first, second = chunk_document(doc), chunk_document(doc)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert len(first) < 60  # merged up to the target size
    changed = chunk_document(make_doc("d3", body.replace("part 59.", "part fifty-nine.")))
    assert changed[-1].chunk_id != first[-1].chunk_id
    assert changed[0].chunk_id == first[0].chunk_id
