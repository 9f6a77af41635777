"""No personal data in the subject: ``[message]`` and ``[guard] subject_placeholders``.

AgID's guidelines for IO messages (§7.3) keep personal data out of the subject: IO shows
it in the e-mail copy of the message and in the push notification on the lock screen,
where anyone near the phone reads it. A placeholder in a subject template fills it from
the row, so it may well carry a name, an address or an amount. Each one must either be
declared as not personal in ``[message] subject_placeholders = ["anno", "scadenza"]``,
or it is *undeclared*, and ``[guard] subject_placeholders`` says what that does:
``warn`` (the default: the dry run and the send log name it) or ``refuse`` (``validate``,
``send``, ``rerun`` and ``errata`` stop with exit 2 before any call, naming it).

Every language's subject counts (``[message.<language>] subject`` shows in the same
places), and so do the columns of optional sections (``{?debito}...{/debito}``): whether
a section shows says something about the citizen too. A name is declared as the
subject writes it (both are in the job file): ``"anno"`` declares ``{anno}``. A declared
name that no subject uses is an error, like an unknown key: a typo must not leave a
placeholder undeclared while the job file seems to say otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from batch.common.logs import get_logger
from batch.config.languages import MessageVariant
from batch.config.template import Template
from batch.config.toml_table import Table
from batch.errors import ConfigError
from batch.i18n import N_, _

#: The key, in both tables.
KEY = "subject_placeholders"
#: The warning's code, in the dry run's output and the send log.
WARNING_CODE = "subject.personal_data"
#: The warning's text (``SubjectPrivacy.describe``): every undeclared placeholder, and where.
PERSONAL_DATA_WARNING = N_(
    "the subject uses {names}, which may be personal data: AgID's guidelines for "
    "IO messages (§7.3) keep personal data out of the subject, which IO shows in the "
    "e-mail copy and on the lock screen. Move it to the markdown or, if it is not "
    "personal, declare it: [message] {key} = [{listing}]"
)


class OnUndeclared(StrEnum):
    """``[guard] subject_placeholders``: what an undeclared subject placeholder does."""

    WARN = "warn"  # the dry run and the log name it; the messages go out
    REFUSE = "refuse"  # validate, send, rerun and errata stop (exit 2) before any call


@dataclass(frozen=True, slots=True)
class Undeclared:
    """A subject placeholder the job did not declare, and the templates that use it."""

    name: str
    fields: tuple[str, ...]  # message.subject, message.de_DE.subject, ...


@dataclass(frozen=True, slots=True)
class SubjectPrivacy:
    """The job's word on the placeholders of its subjects."""

    declared: tuple[str, ...] = ()  # [message] subject_placeholders: not personal data
    on_undeclared: OnUndeclared = OnUndeclared.WARN
    #: The subjects' placeholders not declared, in order of first use (``for_subjects``).
    undeclared: tuple[Undeclared, ...] = ()

    def for_subjects(self, subject: Template, variants: Sequence[MessageVariant]) -> SubjectPrivacy:
        """Checked against the job's subjects (the base one and every language's): a
        declared name no subject uses is a ``ConfigError``; the others are found."""
        subjects = {"message.subject": subject}
        subjects |= {f"message.{variant.language}.subject": variant.subject for variant in variants}
        used = [name for template in subjects.values() for name in template.placeholders]
        unused = [name for name in self.declared if name not in used]
        if unused:
            shown = ", ".join(f"{{{name}}}" for name in dict.fromkeys(used)) or _("no placeholder")
            raise ConfigError(
                _(
                    "message.{key} names {names}, which no subject uses (the subjects use: {shown})"
                ).format(key=KEY, names=", ".join(map(repr, unused)), shown=shown),
                hint=_(
                    "list only the subject placeholders that are not personal data, as the "
                    "subject writes them"
                ),
            )
        found: dict[str, list[str]] = {}
        for field, template in subjects.items():
            for name in template.placeholders:
                if name in self.declared:
                    continue
                fields = found.setdefault(name, [])
                if field not in fields:
                    fields.append(field)
        undeclared = tuple(Undeclared(name, tuple(fields)) for name, fields in found.items())
        return replace(self, undeclared=undeclared)

    def describe(self, *, english: bool = False) -> str:
        """The warning's text, naming every undeclared placeholder and where it is: in the
        process's language, or in English for the log (``english``)."""
        names = ", ".join(f"{{{item.name}}} ({', '.join(item.fields)})" for item in self.undeclared)
        listing = ", ".join(f'"{item.name}"' for item in self.undeclared)
        text = PERSONAL_DATA_WARNING if english else _(PERSONAL_DATA_WARNING)
        return text.format(names=names, key=KEY, listing=listing)


def take_subject_privacy(message: Table, guard: Table) -> SubjectPrivacy:
    """Read (and remove) the key from ``[message]`` and ``[guard]``, before their
    ``done()`` reports what is left as unknown."""
    declared = tuple(message.get_str_list(KEY))
    word = guard.get_str(KEY, OnUndeclared.WARN)
    choices = tuple(OnUndeclared)
    if word not in choices:
        raise ConfigError(
            _("guard.{key} must be one of {choices}; got {value}").format(
                key=KEY, choices=", ".join(choices), value=repr(word)
            ),
            hint=_('"warn" names the undeclared subject placeholders, "refuse" stops the run'),
        )
    return SubjectPrivacy(declared=declared, on_undeclared=OnUndeclared(word))


def enforce(privacy: SubjectPrivacy) -> None:
    """Before any call of a run that sends messages: ``refuse`` stops it (exit 2) when a
    subject placeholder is undeclared; ``warn`` logs it (``subject.personal_data``)."""
    refuse_undeclared(privacy)
    if privacy.undeclared:
        get_logger().warning(
            WARNING_CODE,
            placeholders=[item.name for item in privacy.undeclared],
            detail=privacy.describe(english=True),
        )


def refuse_undeclared(privacy: SubjectPrivacy) -> None:
    """``[guard] subject_placeholders = "refuse"`` and an undeclared one: exit 2."""
    if privacy.undeclared and privacy.on_undeclared is OnUndeclared.REFUSE:
        raise ConfigError(
            _('{warning}. guard.{key} = "refuse": nothing was sent').format(
                warning=privacy.describe(), key=KEY
            ),
            hint=_(
                "take the placeholders out of the subject, or declare them in [message] {key}"
            ).format(key=KEY),
        )
