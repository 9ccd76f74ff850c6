"""One settings class for the whole server (env prefix ``REPORTING_``).

Values come from, in order of precedence: environment variables
(``REPORTING_ASR__MODEL`` or the flat aliases ``REPORTING_ASR_MODEL`` named in
DESIGN.md), the TOML file named by ``REPORTING_CONFIG``, then defaults.
"""

from __future__ import annotations

import os
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me-before-production"


class AsrSettings(BaseModel):
    model: str = "base"
    """`base`, `tiny.en`, a CTranslate2 Whisper directory, or a hub id when online."""
    device: str = "cpu"
    """`cpu`, `cuda` (or `cuda:N` for the Nth GPU), or `auto` (a GPU when CTranslate2 sees one)."""
    compute_type: str = "auto"
    """CTranslate2 compute type; `auto` is int8 on CPU and float16 on a GPU."""
    cpu_threads: int = 0
    """Threads per decode; 0 = automatic (on CPU one decode per core, up to 4 at once)."""
    allow_download: bool = False
    """Allow fetching a hub id; never done unless set."""
    max_sessions: int = 8
    """Dictation sessions admitted at once; more get an `overloaded` error."""
    preload: bool = True
    """Load and warm up the model when the server starts (else at the first dictation)."""
    partial_model: str = "tiny.en"
    """Model for live partials (provisional text; finals use `model`); empty = `model`."""
    rescore_finals: bool = True
    """Re-rank each final's beam hypotheses with the radiology language model (N-best)."""
    second_opinion: bool = True
    """Whole-file transcription also decodes with `partial_model` (when it differs from
    `model`) and takes its reading where the main model's score and the LM prefer it."""
    live_second_opinion: bool = False
    """Live finals too, while no one's decode waits (as `rescore_finals`); needs
    `second_opinion`. Off: on 2 CPU cores it took one session's final p95 from 0.38 to
    0.81 s for one word in 278; for machines with time to spare (a GPU)."""


class Hl7Settings(BaseModel):
    listen: str = "127.0.0.1:2575"
    """host:port of the inbound MLLP listener; empty disables it."""
    max_frame_bytes: int = 4 * 1024 * 1024
    """Frames larger than this are refused with AR and the connection closed."""
    sending_application: str = "REPORTING"
    sending_facility: str = "RADIOLOGY"


class DicomSettings(BaseModel):
    calling_ae_title: str = "REPORTING"


class AuthSettings(BaseModel):
    token_minutes: int = 12 * 60
    """Lifetime of a bearer token (a reading shift)."""
    max_failed_logins: int = 5
    """Consecutive failures before an account is locked."""
    lockout_minutes: int = 15


class Destination(BaseModel):
    """One outbound destination (the fixed TOML contract of DESIGN.md)."""

    model_config = {"extra": "allow"}

    name: str
    kind: Literal["hl7", "dicom", "fhir", "folder"]
    facilities: list[str] = Field(default_factory=lambda: ["*"])
    enabled: bool = True
    # hl7
    host: str = "127.0.0.1"
    port: int = 0
    version: Literal["2.5.1", "2.3.1"] = "2.5.1"
    obx_layout: Literal["line", "section"] = "line"
    include_pdf: bool = False
    receiving_application: str = ""
    receiving_facility: str = ""
    # dicom
    ae_title: str = "ANY-SCP"
    calling_ae_title: str = "REPORTING"
    objects: list[Literal["sr", "pdf"]] = Field(default_factory=lambda: ["sr", "pdf"])
    # fhir
    base_url: str = ""
    bearer_token: str = ""
    # folder
    path: str = ""
    file_pattern: str = "{accession}_{report_id}_v{version}.pdf"
    # shared
    timeout_seconds: float = 10.0
    max_attempts: int = 20

    def serves(self, facility_code: str) -> bool:
        return "*" in self.facilities or facility_code in self.facilities


class _TomlSource(PydanticBaseSettingsSource):
    """Reads the TOML file named by REPORTING_CONFIG (lowest precedence after defaults)."""

    def get_field_value(
        self, field: Any, field_name: str  # noqa: ARG002 - required by the base class
    ) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = os.environ.get("REPORTING_CONFIG")
        if not path:
            return {}
        with open(path, "rb") as fh:
            return tomllib.load(fh)


# Flat names from DESIGN.md mapped to their nested home.
_FLAT_ALIASES = {
    "REPORTING_ASR_MODEL": ("asr", "model"),
    "REPORTING_ASR_DEVICE": ("asr", "device"),
    "REPORTING_ASR_COMPUTE_TYPE": ("asr", "compute_type"),
    "REPORTING_HL7_LISTEN": ("hl7", "listen"),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REPORTING_", env_nested_delimiter="__", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    """`production` refuses the development secret key."""
    data_dir: Path = Path("var")
    """Where the SQLite database, audio, rendered outputs and assembled models live."""
    database_url: str = ""
    """SQLAlchemy URL; empty means SQLite at DATA_DIR/reporting.db."""
    secret_key: str = DEV_SECRET
    """Signs bearer tokens. Must be set in production."""
    max_body_bytes: int = 2 * 1024 * 1024
    """JSON request bodies larger than this are refused with 413."""
    max_upload_bytes: int = 200 * 1024 * 1024
    """Audio uploads to /api/transcribe larger than this are refused with 413."""
    templates_dir: Path | None = None
    """Report templates; default: the templates/ folder shipped with the product."""
    macros_dir: Path | None = None
    """Macro library; default: the macros/ folder shipped with the product."""
    run_workers: bool = True
    """Run the delivery worker inside `reporting serve`."""
    log_level: str = "INFO"
    idle_lock_minutes: int = 15
    """Reading-station page locks after this many idle minutes."""

    asr: AsrSettings = Field(default_factory=AsrSettings)
    hl7: Hl7Settings = Field(default_factory=Hl7Settings)
    dicom: DicomSettings = Field(default_factory=DicomSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    destinations: list[Destination] = Field(default_factory=list)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003 - dotenv not used
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls), file_secret_settings)

    @model_validator(mode="before")
    @classmethod
    def _flat_aliases(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for env, (group, key) in _FLAT_ALIASES.items():
                if env in os.environ:
                    section = dict(data.get(group) or {})
                    section[key] = os.environ[env]
                    data[group] = section
        return data

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("REPORTING_SECRET_KEY must be set in production")
        names = [d.name for d in self.destinations]
        if len(names) != len(set(names)):
            raise ValueError("destination names must be unique")
        return self

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'reporting.db').resolve()}"

    @property
    def project_root(self) -> Path:
        return Path(__file__).resolve().parents[2]

    @property
    def resolved_templates_dir(self) -> Path:
        return self.templates_dir or self.project_root / "templates"

    @property
    def resolved_macros_dir(self) -> Path:
        return self.macros_dir or self.project_root / "macros"


def get_settings() -> Settings:
    return Settings()
