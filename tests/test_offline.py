"""detente runs with no network: the guard in conftest refuses it, and start-up needs none."""

from __future__ import annotations

import os
import socket

import pytest

from tests.conftest import NetworkBlocked


def test_the_guard_refuses_outside_hosts():
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("example.com", 443), timeout=1)
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("203.0.113.9", 443), timeout=1)


def test_offline_environment_is_set_before_heavy_imports():
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ORT_DISABLE_TELEMETRY", "ANONYMIZED_TELEMETRY"):
        assert key in os.environ
    assert os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] == ""


def test_tiktoken_encodings_come_from_the_seeded_cache():
    import tiktoken

    assert tiktoken.get_encoding("cl100k_base").encode("detente")
    assert tiktoken.encoding_for_model("gpt-4o").name == "o200k_base"


@pytest.mark.integration
def test_the_real_embedding_model_loads_and_embeds_offline():
    from retrieval.embeddings import MiniLMEmbeddings

    model = MiniLMEmbeddings()
    vectors = model.encode(["Fancy Bear phishing", "APT28 spearphishing", "water utility"])
    assert vectors.shape == (3, 384)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])
