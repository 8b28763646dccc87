"""Client/server mode: DETENTE_CHROMA_URL points the knowledge base at a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guardrails.markings import TLP
from retrieval.embeddings import HashEmbeddings
from retrieval.errors import StoreError
from retrieval.kb import KnowledgeBase
from retrieval.search import search
from tests.helpers import add, make_doc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(exe).exists():
        pytest.fail("the chroma CLI is missing: it ships with the chromadb package")
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start within 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.server
def test_ingest_and_search_through_a_chroma_server(chroma_server, tmp_path):
    kb = KnowledgeBase(home=tmp_path / "local", embedder=HashEmbeddings(), chroma_url=chroma_server)
    add(
        kb,
        [
            make_doc("green", "Phishing wave against the trade ministry.", tlp=TLP.GREEN),
            make_doc(
                "amber", "Partner reporting links the phishing to a known espionage group.", tlp=TLP.AMBER
            ),
            make_doc("clear", "Public note on the phishing wave.", tlp=TLP.CLEAR),
        ],
    )
    assert kb.store.count() == 3
    ids = {p.doc_id for p in search(kb, query="phishing ministry", clearance=TLP.GREEN, k=5)}
    assert ids == {"green", "clear"}
    # a second process-like client sees the same data and the same generation
    other = KnowledgeBase(home=tmp_path / "other", embedder=HashEmbeddings(), chroma_url=chroma_server)
    assert other.store.generation == kb.store.generation
    assert {p.doc_id for p in search(other, query="phishing", clearance=TLP.AMBER, k=5)} == {
        "green",
        "amber",
        "clear",
    }
    kb.close()
    other.close()


@pytest.mark.server
def test_an_unreachable_server_gives_an_actionable_error(tmp_path):
    with pytest.raises(StoreError, match="chroma run"):
        KnowledgeBase(home=tmp_path, embedder=HashEmbeddings(), chroma_url=f"http://127.0.0.1:{_free_port()}")
