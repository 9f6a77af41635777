"""Runtime settings that come from the environment rather than the job file: the API key.

The key is read from the variable the job names (``IO_API_KEY`` by default) or, for
container secrets, from the file named by the same variable with ``_FILE`` appended
(``IO_API_KEY_FILE``). It is wrapped in ``ApiKey`` so that no repr, log line or error
message can show it by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from batch.config.choices import TargetKind
from batch.config.job_sections import Target
from batch.errors import ConfigError


@dataclass(frozen=True, slots=True)
class ApiKey:
    value: str

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__


def resolve_api_key(target: Target, environ: Mapping[str, str]) -> ApiKey:
    """The key for ``target``; a production job with no key fails, it never falls back."""
    name = target.api_key_env
    file_name = f"{name}_FILE"
    value = environ.get(name, "").strip()
    if not value and environ.get(file_name):
        path = Path(environ[file_name])
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the API key file named by {file_name}: {exc}") from None
        if not value:
            raise ConfigError(f"the API key file named by {file_name} is empty")
    if value:
        return ApiKey(value)
    if target.kind is TargetKind.SANDBOX:
        from batch.sandbox.config import DEFAULT_API_KEY  # noqa: PLC0415 - sandbox jobs only

        return ApiKey(DEFAULT_API_KEY)
    raise ConfigError(
        f"no API key: set {name} (or {file_name} to a file that holds it)",
        hint="the job targets the real IO API; nothing was sent",
    )
