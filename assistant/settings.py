"""The one typed `Settings` object of the service (pydantic-settings, `MKA_*` env vars, optional `mka.toml`).

Nested groups use a double underscore in the environment: ``MKA_LLM__BACKEND=openai``,
``MKA_RETRIEVAL__CHROMA_HOST=chroma.internal``. Nothing else in the code base reads the environment.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.commerce.forecast.config import ForecastSettings
from generation import LLMSettings
from retrieval import RetrievalSettings

REPO_ROOT = Path(__file__).resolve().parent.parent


class LimitSettings(BaseSettings):
    """Bounds on what one caller may send."""

    max_message_chars: int = Field(default=2000, ge=1)
    max_history_turns: int = Field(default=8, ge=0)
    max_turns_per_session: int = Field(default=200, ge=1)
    max_body_bytes: int = Field(default=64_000, ge=1024)
    max_upload_bytes: int = Field(default=10_000_000, ge=1024)
    rate_per_minute_session: int = Field(default=30, ge=1)
    rate_per_minute_client: int = Field(default=120, ge=1)
    # Keep rate limits in the database as well, so that they hold across app servers; None: on for a database
    # other than SQLite (several servers), off for SQLite (one server).
    shared_limits: bool | None = None
    # Each password check costs ~0.3 s of PBKDF2 on purpose: without its own limit, logins are a cheap CPU flood.
    rate_per_minute_login: int = Field(default=10, ge=1)
    # Uploaded text documents (Markdown, text, CSV): a longer line is not prose but a blob (or an attack on the
    # tokenizer and the chunker).
    max_upload_line_chars: int = Field(default=50_000, ge=1000)


class Settings(BaseSettings):
    """Everything the service can be configured with. Build one with `Settings()` and pass it down."""

    model_config = SettingsConfigDict(
        env_prefix="MKA_",
        env_nested_delimiter="__",
        toml_file="mka.toml",
        extra="ignore",
    )

    data_dir: Path = REPO_ROOT / "var"
    demo_dir: Path = REPO_ROOT / "data" / "demo"
    bootstrap_demo: bool = True
    # After start-up, read the public help pages ahead in a background thread (embed their units once), so the first
    # questions about them cost a search and a lookup. Off in the test suite, where servers come and go by the dozen.
    read_ahead: bool = True
    host: str = "127.0.0.1"
    port: int = 7860
    database_url: str | None = None  # default: sqlite:///<data_dir>/mka.db
    # Trained model sets (default <data_dir>/artifacts); several app servers point this at one shared folder.
    artifacts_path: Path | None = None
    # "module:function(settings) -> ASGI app" that `mka serve` runs: the API with the web pages (default), or
    # "assistant.http:create_app" for an API-only server.
    app_factory: str = "ui.server:create_server"

    llm: LLMSettings = Field(default_factory=LLMSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    forecast: ForecastSettings = Field(default_factory=ForecastSettings)

    marketer_username: str = "marketer"
    # A PBKDF2 hash as written by `mka admin hash-password`; unset means the demo password "demo" (warned at start).
    marketer_password_hash: SecretStr | None = None
    marketer_api_keys: list[SecretStr] = Field(default_factory=list)
    # No defaults on purpose: unset secrets are generated on first start into <data_dir>/secrets.json (mode 0600)
    # and reused from there (`assistant.secret_store.ensure_secrets`); MKA_WIDGET_SECRET / MKA_SESSION_SECRET win.
    widget_secret: SecretStr | None = None
    session_secret: SecretStr | None = None
    # The login cookie gets `Secure` when the request came over HTTPS (directly, or per X-Forwarded-Proto from one of
    # `trusted_proxies`), or always when this is on.
    secure_cookies: bool = False
    # Addresses of reverse proxies whose X-Forwarded-Proto / X-Forwarded-For are believed; nobody else's are.
    trusted_proxies: list[str] = Field(default_factory=list)
    cors_origins: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:7860", "http://localhost:7860"]
    )
    # A help desk's URL that gets a POST (JSON) for every new handoff request; unset sends nothing. The call runs off
    # the chat turn, with this timeout; a secret, if set, signs the body (header X-MKA-Signature: sha256=<hex HMAC>).
    handoff_webhook_url: str | None = Field(default=None, pattern=r"^https?://")
    handoff_webhook_timeout_s: float = Field(default=5.0, gt=0, le=60)
    handoff_webhook_secret: SecretStr | None = None
    # The shop's own address (https://www.example-shop.at), under which the catalog's relative product paths
    # (/products/<slug>) become the final URLs of exported ads. No default on purpose: an export without it says so
    # instead of pointing ads at a made-up shop.
    shop_url: str | None = None
    results_policy: Literal["thompson", "equal"] = "thompson"  # the budget split campaign results recommend
    reviews_sentiment: Literal["seeds", "lexicon"] = "seeds"  # assistant.reviews.sentiment

    @field_validator("shop_url")
    @classmethod
    def _shop_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from assistant.commerce.urls import shop_base_problem

        problem = shop_base_problem(value.strip())
        if problem:
            raise ValueError(f"MKA_SHOP_URL {value!r}: {problem}")
        return value.strip().rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Explicit arguments win, then the environment, then mka.toml.
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls), file_secret_settings)

    @cached_property
    def db_url(self) -> str:
        """The SQLAlchemy URL of the database (SQLite under `data_dir` unless `database_url` is set)."""
        return self.database_url or f"sqlite:///{self.data_dir / 'mka.db'}"

    @cached_property
    def chroma_path(self) -> Path:
        return self.retrieval.chroma_path or self.data_dir / "chroma"

    @cached_property
    def model_cache_dir(self) -> Path:
        return self.llm.cache_dir or self.data_dir / "models"

    @cached_property
    def artifacts_dir(self) -> Path:
        """Where trained recommender and segmentation artifacts live (published as versioned sets)."""
        return self.artifacts_path or self.data_dir / "artifacts"
