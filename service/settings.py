"""Settings read from the environment once, at start."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
import platformdirs


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the service reads from its environment."""

    database_url: str | None = None
    """PostgreSQL URL; when unset, an embedded server is started in `data_dir`."""
    data_dir: Path = Path(platformdirs.user_data_dir("boussole"))
    """Where the embedded PostgreSQL keeps its files (BOUSSOLE_DATA_DIR)."""
    meili_url: str | None = None
    """Meilisearch address; when unset, search runs on PostgreSQL."""
    meili_api_key: str | None = None
    """Meilisearch API key (MEILI_API_KEY)."""
    meili_index: str = "services"
    """Name of the Meilisearch index (MEILI_INDEX)."""
    smtp_url: str | None = None
    """smtp://user:password@host:port for outgoing mail; unset keeps mails in the database."""
    mail_from: str = "Boussole <noreply@boussole.invalid>"
    """Sender address of outgoing mail (MAIL_FROM)."""
    public_url: str = "http://127.0.0.1:8000"
    """Address people reach the service at, used in e-mails (BOUSSOLE_PUBLIC_URL); unset,
    the address `boussole serve` listens on."""
    host: str = "127.0.0.1"
    """Interface `boussole serve` listens on (BOUSSOLE_HOST)."""
    port: int = 8000
    """Port `boussole serve` listens on (BOUSSOLE_PORT)."""
    run_worker: bool = True
    """Whether `serve` runs the background worker in-process (BOUSSOLE_RUN_WORKER)."""
    pool_size: int = 10
    """Maximum connections in the database pool (BOUSSOLE_POOL_SIZE)."""
    debug: bool = False
    """Litestar debug mode (BOUSSOLE_DEBUG); never in production."""
    referral_expiry_days: int = 30
    """A referral nobody answered expires after this many days (BOUSSOLE_REFERRAL_EXPIRY_DAYS)."""
    referral_urgent_expiry_days: int = 3
    """An urgent referral nobody answered expires after this many days, so that its sender
    looks elsewhere in time (BOUSSOLE_REFERRAL_URGENT_EXPIRY_DAYS)."""
    referral_reminder_days: tuple[int, ...] = (7, 2)
    """Reminders before expiry, in days, e.g. "7,2" (BOUSSOLE_REFERRAL_REMINDER_DAYS)."""
    referral_retention_days: int = 365
    """Personal data of a final referral is erased after this (BOUSSOLE_REFERRAL_RETENTION_DAYS)."""
    consent_version: str = "2026-12"
    """Version of the consent text read to referred people (BOUSSOLE_CONSENT_VERSION)."""
    webhook_allow_private: bool = False
    """Webhooks to http and internal addresses, for development (BOUSSOLE_WEBHOOK_ALLOW_PRIVATE)."""
    webhook_proxy: str | None = None
    """HTTP proxy that webhook calls tunnel through (CONNECT), e.g. http://proxy.example.be:3128
    (BOUSSOLE_WEBHOOK_PROXY, else HTTPS_PROXY); NO_PROXY hosts are called directly."""
    search_cache: bool = True
    """Cache search answers exactly, per search generation and minute (BOUSSOLE_SEARCH_CACHE)."""
    search_bitmaps_from: int = 10_000
    """From this many search documents the PostgreSQL engine searches on its bitmaps
    (BOUSSOLE_SEARCH_BITMAPS_FROM; 0: always)."""
    operator: str | None = None
    """Who runs this directory and answers for its data, as the privacy page names it, e.g.
    "CPAS de La Louvière, rue Sylvain Guyaux 121, 7100 La Louvière" (BOUSSOLE_OPERATOR)."""
    privacy_contact: str | None = None
    """Where people exercise their rights: the data protection officer's e-mail address
    (BOUSSOLE_PRIVACY_CONTACT)."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from environment variables, with explicit overrides last."""
        env = dict(os.environ if env is None else env)
        raw: dict[str, object] = {}
        names = {
            "database_url": "DATABASE_URL",
            "data_dir": "BOUSSOLE_DATA_DIR",
            "meili_url": "MEILI_URL",
            "meili_api_key": "MEILI_API_KEY",
            "meili_index": "MEILI_INDEX",
            "smtp_url": "SMTP_URL",
            "mail_from": "MAIL_FROM",
            "public_url": "BOUSSOLE_PUBLIC_URL",
            "host": "BOUSSOLE_HOST",
            "port": "BOUSSOLE_PORT",
            "run_worker": "BOUSSOLE_RUN_WORKER",
            "pool_size": "BOUSSOLE_POOL_SIZE",
            "debug": "BOUSSOLE_DEBUG",
            "referral_expiry_days": "BOUSSOLE_REFERRAL_EXPIRY_DAYS",
            "referral_urgent_expiry_days": "BOUSSOLE_REFERRAL_URGENT_EXPIRY_DAYS",
            "referral_reminder_days": "BOUSSOLE_REFERRAL_REMINDER_DAYS",
            "referral_retention_days": "BOUSSOLE_REFERRAL_RETENTION_DAYS",
            "consent_version": "BOUSSOLE_CONSENT_VERSION",
            "search_cache": "BOUSSOLE_SEARCH_CACHE",
            "search_bitmaps_from": "BOUSSOLE_SEARCH_BITMAPS_FROM",
            "webhook_allow_private": "BOUSSOLE_WEBHOOK_ALLOW_PRIVATE",
            "webhook_proxy": "BOUSSOLE_WEBHOOK_PROXY",
            "operator": "BOUSSOLE_OPERATOR",
            "privacy_contact": "BOUSSOLE_PRIVACY_CONTACT",
        }
        for field, var in names.items():
            value = env.get(var)
            if value is None or value == "":
                continue
            if field == "referral_reminder_days":
                raw[field] = [int(day) for day in value.split(",") if day.strip()]
            else:
                raw[field] = value
        if "webhook_proxy" not in raw:
            proxy = env.get("HTTPS_PROXY") or env.get("https_proxy")
            if proxy:
                raw["webhook_proxy"] = proxy
        raw.update({k: v for k, v in overrides.items() if v is not None})
        settings = msgspec.convert(raw, cls, strict=False, dec_hook=_decode_path)
        if "public_url" not in raw:
            settings = msgspec.structs.replace(
                settings, public_url=_local_url(settings.host, settings.port)
            )
        return settings

    def listening_on(self, host: str | None, port: int | None) -> Settings:
        """These settings serving on another host or port (`serve --host --port`): the links
        in mails follow, unless BOUSSOLE_PUBLIC_URL names another address."""
        host, port = host or self.host, port or self.port
        if self.public_url != _local_url(self.host, self.port):
            return msgspec.structs.replace(self, host=host, port=port)
        return msgspec.structs.replace(
            self, host=host, port=port, public_url=_local_url(host, port)
        )


def _local_url(host: str, port: int) -> str:
    """The address of a server listening on `host` (every interface: this machine's)."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 (read, not bound: what a link can use)
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _decode_path(type_: type, value: object) -> object:
    if type_ is Path and isinstance(value, str):
        return Path(value).expanduser()
    raise NotImplementedError
