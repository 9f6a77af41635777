"""``[rate] shared`` and ``[rate] budget_name``: one budget for the whole institution.

IO's gateway counts 150 calls per 5 s per gateway account, and an institution that
joined through the Area Riservata has one account for all its services and keys. Jobs
(and shards) that name the same ``budget_name`` on the same Redis take their turns from
one window (``batch/api/shared_window.py``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from batch.config.toml_table import Table
from batch.errors import ConfigError
from batch.i18n import _

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SCHEMES = ("redis", "rediss", "unix")


def parse_shared_budget(section: Table, *, unlimited: bool) -> dict[str, str | None]:
    """``shared`` and ``budget_name`` of the ``[rate]`` table, checked together."""
    url = section.optional_str("shared")
    name = section.optional_str("budget_name")
    if url is None:
        if name is not None:
            raise ConfigError(
                _("rate.budget_name names a shared budget, but rate.shared gives no Redis URL"),
                hint=_('add shared = "redis://HOST:6379/0", or remove budget_name'),
            )
        return {"shared": None, "budget_name": None}
    if unlimited:
        raise ConfigError(
            _("rate.shared is set on an unlimited budget: there is nothing to share"),
            hint=_("remove rate.shared, or rate.unlimited"),
        )
    if urlsplit(url).scheme not in _SCHEMES:
        raise ConfigError(
            _(
                "rate.shared must be a Redis URL (redis://, rediss:// or unix://), not {value}"
            ).format(value=repr(redacted(url))),
            hint=_('for example shared = "redis://127.0.0.1:6379/0"'),
        )
    if name is None:
        # No default: a default per job would silently give each job a budget of its own.
        raise ConfigError(
            _("rate.shared needs rate.budget_name: the name every job of the institution uses"),
            hint=_('for example budget_name = "comune-di-esempio"'),
        )
    if not _NAME.fullmatch(name):
        raise ConfigError(
            _("rate.budget_name {value} must be 1-64 letters, digits, '.', '_' or '-'").format(
                value=repr(name)
            )
        )
    return {"shared": url, "budget_name": name}


def redacted(url: str) -> str:
    """The Redis URL as messages may show it: a password is never printed."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
