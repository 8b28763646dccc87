"""Test set-up: state in a temp DETENTE_HOME, offline start-up, and a guard that refuses the network."""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
from pathlib import Path

import pytest

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="detente-tests-"))
os.environ["DETENTE_HOME"] = str(_SESSION_HOME)
os.environ.pop("DETENTE_CONFIG", None)
os.environ.pop("DETENTE_CHROMA_URL", None)

import assistant  # noqa: E402,F401 - offline environment before any heavy import

SHARED_CTI = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cti"


class NetworkBlocked(RuntimeError):
    """Raised when code under test tries to reach a host other than this machine."""


def _is_local(host: object) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: object) -> object:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):  # type: ignore[index]
        raise NetworkBlocked(f"network access to {address!r} during tests")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> object:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):  # type: ignore[index]
        raise NetworkBlocked(f"network access to {address!r} during tests")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
    if not _is_local(host) and not _looks_like_ip(host):
        raise NetworkBlocked(f"DNS look-up of {host!r} during tests")
    return _real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


def _looks_like_ip(host: object) -> bool:
    try:
        ipaddress.ip_address(str(host))
        return True
    except ValueError:
        return False


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh DETENTE_HOME for one test."""
    monkeypatch.setenv("DETENTE_HOME", str(tmp_path / "home"))
    from assistant.config import get_settings

    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


@pytest.fixture
def shared_cti() -> Path:
    if not SHARED_CTI.is_dir():
        pytest.skip(f"shared CTI data not found at {SHARED_CTI} (expected ../shared beside the repository)")
    return SHARED_CTI
