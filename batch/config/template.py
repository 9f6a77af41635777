"""A message template (``message.subject``, ``message.markdown``), parsed once with the job.

``{column}`` is a placeholder, filled with the row's trimmed cell; ``{{`` and ``}}`` are
literal braces. No format spec or conversion: a template is text, not Python code.
The parsed form is kept on the job, and every stage uses it (rendering and lengths are
in ``rules/templates.py``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from batch.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: literal text and placeholder names, in order."""

    text: str  # as written in the job file
    parts: tuple[tuple[str, str | None], ...]  # (literal text, placeholder after it or None)

    @classmethod
    def parse(cls, text: str) -> Template:
        """The parsed ``text``; a malformed template is a ``ConfigError``."""
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise ConfigError(f"bad template {text[:40]!r}: {exc}") from None
        parts: list[tuple[str, str | None]] = []
        for literal, name, spec, conversion in parsed:
            if name is not None and (not name or spec or conversion):
                raise ConfigError(
                    f"bad placeholder in template {text[:40]!r}",
                    hint="use {column_name} with no format spec; write {{ and }} for braces",
                )
            parts.append((literal, name))
        return cls(text, tuple(parts))

    @property
    def placeholders(self) -> list[str]:
        """The CSV columns it names, in order (a repeated one repeats)."""
        return [name for _literal, name in self.parts if name is not None]

    @property
    def literal_text(self) -> str:
        """The text around the placeholders."""
        return "".join(literal for literal, _name in self.parts)
