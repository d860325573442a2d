"""Site settings: an optional ``cablesite.toml`` beside the content folder.

Every key is optional; a first build needs no file at all::

    title = "Cable archive"
    base_url = "https://cables.example.org/"   # for sitemap.xml and feeds (absolute URLs)
    per_page = 100                             # rows per index page
    missing_ref_url = "https://search.example.org/cable/{id}"   # off by default
    feed_size = 50                             # entries per Atom feed
    cable_json = true                          # cable/YYYY/MM/<ID>.json beside each page (off by default)

Command-line options (``--base-url``, ``--theme``) win over the file.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import asdict, dataclass, replace
from pathlib import Path

DEFAULT_THEME = Path(__file__).resolve().parent.parent / "themes" / "default"


class ConfigError(Exception):
    """The configuration file cannot be used; the message names the file."""


@dataclass(frozen=True, slots=True)
class Config:
    title: str = "Cable archive"
    """Site title."""
    base_url: str = ""
    """Absolute URL of the deployed site, ending in ``/``; empty for a site without one."""
    per_page: int = 100
    """Rows per index page."""
    missing_ref_url: str = ""
    """URL pattern with ``{id}`` for references the archive does not hold; empty: no link."""
    feed_size: int = 50
    """Entries per Atom feed."""
    cable_json: bool = False
    """Write each cable as JSON beside its page. Off by default: it doubles the files of the
    site (and on many disks file creation, not rendering, is what a big build waits for)."""
    theme: str = str(DEFAULT_THEME)
    """Theme folder holding ``templates/`` and ``static/``."""

    def fingerprint(self) -> str:
        """A hash of every setting: pages are rebuilt when it changes."""
        return hashlib.sha256(repr(sorted(asdict(self).items())).encode()).hexdigest()


def load_config(path: Path | None, *, base_url: str | None = None, theme: Path | None = None) -> Config:
    """Read ``path`` when it exists, then apply command-line overrides."""
    config = Config()
    if path is not None and path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        known = {f for f in Config.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{path}: unknown setting(s): {', '.join(unknown)}")
        for key, value in data.items():
            expected = type(getattr(config, key))
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise ConfigError(f"{path}: {key} must be a {expected.__name__}")
        if "theme" in data:
            data["theme"] = str((path.parent / data["theme"]).resolve())
        config = replace(config, **data)
    if base_url is not None:
        config = replace(config, base_url=base_url)
    if theme is not None:
        config = replace(config, theme=str(theme.resolve()))
    if config.base_url and not config.base_url.endswith("/"):
        config = replace(config, base_url=config.base_url + "/")
    if config.base_url and not config.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"base URL must start with http:// or https://: {config.base_url}")
    if config.per_page < 1:
        raise ConfigError("per_page must be at least 1")
    if config.missing_ref_url and "{id}" not in config.missing_ref_url:
        raise ConfigError("missing_ref_url must contain {id}")
    return config
