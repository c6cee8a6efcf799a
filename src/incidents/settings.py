"""Settings: one class, read from the environment (prefix INCIDENTS_) and `.env` once at start."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from incidents.db.engine import EngineOptions


class Settings(BaseSettings):
    """Everything the service can be told; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_prefix="INCIDENTS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./data/incidents.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    db_statement_timeout_ms: int = Field(default=15_000, ge=0)
    sqlite_busy_timeout_ms: int = Field(default=15_000, ge=0)

    language: Literal["en", "ru"] = "en"
    secret_key: SecretStr | None = None
    cookie_secure: bool = False

    @field_validator("secret_key", mode="before")
    @classmethod
    def _blank_secret_is_none(cls, value: object) -> object:
        """An empty INCIDENTS_SECRET_KEY (as in .env.example) means none is set."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("secret_key")
    @classmethod
    def _secret_is_long(cls, value: SecretStr | None) -> SecretStr | None:
        """A short secret can be guessed, and with it any session forged."""
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("INCIDENTS_SECRET_KEY must be at least 32 characters long")
        return value

    def engine_options(self) -> EngineOptions:
        """The database tuning these settings ask for."""
        return EngineOptions(
            pool_size=self.db_pool_size,
            max_overflow=self.db_max_overflow,
            pool_timeout_seconds=self.db_pool_timeout_seconds,
            connect_timeout_seconds=self.db_connect_timeout_seconds,
            statement_timeout_ms=self.db_statement_timeout_ms,
            sqlite_busy_timeout_ms=self.sqlite_busy_timeout_ms,
        )
