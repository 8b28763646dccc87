"""One settings object. Precedence: argument > environment (`DETENTE_*`) > `detente.toml` > default.

`DETENTE_HOME` relocates all state (store, catalog, audit log, caches). The config file is read from
`DETENTE_CONFIG` if set, else `./detente.toml`, else `$DETENTE_HOME/detente.toml`. Secrets (Slack tokens,
API keys) are read from the environment only, never from the file, and never logged.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _default_home() -> Path:
    return Path(os.environ.get("DETENTE_HOME") or Path.home() / ".detente").expanduser()


def config_file() -> Path | None:
    explicit = os.environ.get("DETENTE_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    for candidate in (Path.cwd() / "detente.toml", _default_home() / "detente.toml"):
        if candidate.is_file():
            return candidate
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DETENTE_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Where all state lives.")
    chroma_url: str | None = Field(default=None, description="Chroma server URL; embedded store when unset.")
    embeddings: str = Field(default="minilm", description="'minilm' or a local sentence-transformers path.")
    max_file_mb: float = Field(default=100.0, gt=0, description="Files larger than this are refused.")
    policy_file: Path | None = Field(default=None, description="Channel and user clearance policy (YAML).")
    llm: str | None = Field(default=None, description="LangChain chat model, e.g. 'openai:gpt-4o-mini'.")
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server URL (vLLM, llama.cpp)."
    )
    annotate: str = Field(
        default="auto",
        description="Sensitive-identifier analysis at ingest: 'all', 'auto' (reports and non-CLEAR), 'none'.",
    )

    @field_validator("home", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
