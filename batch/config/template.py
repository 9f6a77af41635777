"""A message template (``message.subject``, ``message.markdown``), parsed once with the job.

``{column}`` is a placeholder, filled with the row's trimmed cell; ``{{`` and ``}}`` are
literal braces. ``{?column}...{/column}`` is an optional section: the text between appears
only in the rows where that column's (trimmed) cell is not empty. Sections must be closed,
by their own column, and do not nest. No format spec or conversion: a template is text,
not Python code. The parsed form is kept on the job (for the base message and every
language variant), and every stage uses it (rendering and lengths are in
``rules/templates.py``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from batch.errors import ConfigError
from batch.i18n import _

#: ``{?column}`` opens an optional section, ``{/column}`` closes it. Neither ``?`` nor ``/``
#: can start a column name in a ``{column}`` placeholder, and markdown gives no meaning to
#: braces, so the syntax cannot clash with either.
OPEN = "?"
CLOSE = "/"

#: (literal text, placeholder after it or None)
Part = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class Group:
    """A run of the template: always there (``section`` None), or only in the rows where
    the column ``section`` is not empty."""

    section: str | None
    parts: tuple[Part, ...]


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: literal text and placeholder names in order, in groups."""

    text: str  # as written in the job file
    groups: tuple[Group, ...]

    @classmethod
    def parse(cls, text: str) -> Template:
        """The parsed ``text``; a malformed template is a ``ConfigError``."""
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise ConfigError(
                _("bad template {template}: {error}").format(template=repr(text[:40]), error=exc)
            ) from None
        groups: list[Group] = []
        section: str | None = None
        parts: list[Part] = []

        def close_group() -> None:
            if parts:
                groups.append(Group(section, tuple(parts)))
            parts.clear()

        for literal, name, spec, conversion in parsed:
            if name is not None and (not name.lstrip(OPEN + CLOSE) or spec or conversion):
                raise ConfigError(
                    _("bad placeholder in template {template}").format(template=repr(text[:40])),
                    # Shown as written: {column_name}, {{ and }} are the job file's syntax.
                    hint=_("use {column_name} with no format spec; write {{ and }} for braces"),
                )
            if name is not None and name.startswith(OPEN):
                if section is not None:
                    raise ConfigError(
                        _(
                            "template {template}: {placeholder} opens a section inside {section}"
                        ).format(
                            template=repr(text[:40]),
                            placeholder=f"{{{name}}}",
                            section=f"{{{OPEN}{section}}}",
                        ),
                        hint=_("optional sections do not nest: close one before the next"),
                    )
                parts.append((literal, None))
                close_group()
                section = name[1:]
            elif name is not None and name.startswith(CLOSE):
                if section != name[1:]:
                    raise ConfigError(
                        _("template {template}: {placeholder} closes no open {section}").format(
                            template=repr(text[:40]),
                            placeholder=f"{{{name}}}",
                            section=f"{{{OPEN}{name[1:]}}}",
                        ),
                        # Shown as written: {?column} and {/column} are the job file's syntax.
                        hint=_(
                            "write a section as {?column}text shown when column is not "
                            "empty{/column}"
                        ),
                    )
                parts.append((literal, None))
                close_group()
                section = None
            else:
                parts.append((literal, name))
        if section is not None:
            raise ConfigError(
                _("template {template}: the section {section} is not closed").format(
                    template=repr(text[:40]), section=f"{{{OPEN}{section}}}"
                ),
                hint=_("end it with {closing}").format(closing=f"{{{CLOSE}{section}}}"),
            )
        close_group()
        return cls(text, tuple(groups))

    @property
    def parts(self) -> tuple[Part, ...]:
        """Every (literal, placeholder) pair, sections included, in order."""
        return tuple(part for group in self.groups for part in group.parts)

    @property
    def sections(self) -> list[str]:
        """The columns of the optional sections, in order."""
        return [group.section for group in self.groups if group.section is not None]

    @property
    def placeholders(self) -> list[str]:
        """The CSV columns it reads, in order: placeholders (a repeated one repeats) and
        the columns of its optional sections."""
        names: list[str] = []
        for group in self.groups:
            if group.section is not None:
                names.append(group.section)
            names += [name for _literal, name in group.parts if name is not None]
        return names

    @property
    def literal_text(self) -> str:
        """The text around the placeholders that every message has (outside sections)."""
        return "".join(
            literal
            for group in self.groups
            if group.section is None
            for literal, _name in group.parts
        )
