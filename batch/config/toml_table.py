"""A TOML table read key by key, with types and ranges checked and typos reported.

Each getter removes its key; ``done()`` then names whatever is left, so a misspelt key
is an error instead of a silent default.

The refusals speak the office's language; keys stay as written, and values are shown as
TOML writes them (``0.5``, not ``0,5``), since that is how the file must spell them.
"""

from __future__ import annotations

from typing import Any

from batch.errors import ConfigError
from batch.i18n import N_, _

#: What a key of each kind must be, as its refusal says it.
KIND_NAMES: dict[type | tuple[type, ...], str] = {
    str: N_("a string"),
    (str, int): N_("a name or a number"),
    list: N_("a list of strings"),
    bool: N_("true or false"),
    int: N_("a whole number"),
    (int, float): N_("a number"),
}


class Table:
    """A TOML table read key by key, so that leftover (unknown) keys can be reported."""

    def __init__(self, raw: dict[str, Any], prefix: str) -> None:
        self._raw = dict(raw)
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self._prefix}.{key}" if self._prefix else key

    def table(self, key: str) -> Table:
        value = self._raw.pop(key, {})
        if not isinstance(value, dict):
            raise ConfigError(_("[{key}] must be a table").format(key=self._key(key)))
        return Table(value, self._key(key))

    def _take(self, key: str, kind: type | tuple[type, ...]) -> Any:
        value = self._raw.pop(key, None)
        # bool is an int in Python: never accept true for a number or 1 for a flag.
        if value is not None and (
            not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool)
        ):
            raise ConfigError(
                _("{key} must be {kind}; got {value}").format(
                    key=self._key(key), kind=_(KIND_NAMES[kind]), value=repr(value)
                )
            )
        return value

    def optional_str(self, key: str) -> str | None:
        value: str | None = self._take(key, str)
        return value

    def optional_str_or_int(self, key: str, *, low: int = 0) -> str | int | None:
        """A name or a number (a sheet, say); a number must be at least ``low``."""
        value: str | int | None = self._take(key, (str, int))
        if isinstance(value, int):
            _check_range(self._key(key), value, low, None)
        return value

    def get_str(self, key: str, default: str) -> str:
        value = self.optional_str(key)
        return default if value is None else value

    def required_str(self, key: str) -> str:
        value = self.optional_str(key)
        if value is None or not value.strip():
            raise ConfigError(_("{key} is required").format(key=self._key(key)))
        return value

    def get_str_list(self, key: str) -> list[str]:
        """A list of non-empty strings; empty when the key is absent."""
        value = self._take(key, list)
        if value is None:
            return []
        if not all(isinstance(item, str) and item.strip() for item in value):
            raise ConfigError(
                _("{key} must be a list of column names; got {value}").format(
                    key=self._key(key), value=repr(value)
                )
            )
        return list(value)

    def optional_bool(self, key: str) -> bool | None:
        value: bool | None = self._take(key, bool)
        return value

    def get_bool(self, key: str, default: bool) -> bool:
        value = self.optional_bool(key)
        return default if value is None else value

    def optional_int(
        self, key: str, *, low: int | None = None, high: int | None = None
    ) -> int | None:
        value: int | None = self._take(key, int)
        if value is not None:
            _check_range(self._key(key), value, low, high)
        return value

    def get_int(
        self, key: str, default: int, *, low: int | None = None, high: int | None = None
    ) -> int:
        value = self.optional_int(key, low=low, high=high)
        return default if value is None else value

    def get_float(
        self, key: str, default: float, *, low: float | None = None, high: float | None = None
    ) -> float:
        value: float | int | None = self._take(key, (int, float))
        if value is None:
            return default
        _check_range(self._key(key), value, low, high)
        return float(value)

    def done(self) -> None:
        if self._raw:
            unknown = ", ".join(self._key(key) for key in sorted(self._raw))
            raise ConfigError(
                _("unknown key in job file: {keys}").format(keys=unknown),
                hint=_("check the spelling"),
            )


def _check_range(key: str, value: float, low: float | None, high: float | None) -> None:
    if low is not None and value < low:
        raise ConfigError(
            _("{key} must be at least {low}; got {value}").format(key=key, low=low, value=value)
        )
    if high is not None and value > high:
        raise ConfigError(
            _("{key} must be at most {high}; got {value}").format(key=key, high=high, value=value)
        )
