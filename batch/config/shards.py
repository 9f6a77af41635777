"""Sharded runs: ``[shards] count``, ``--shard K/N``, ``--shards N`` and the
Kubernetes Indexed Job's ``JOB_COMPLETION_INDEX``, resolved to one layout.

A shard is named ``K/N`` (K from 1 to N). Shard K of N writes its results to
``<output stem>.shard-K-of-N<suffix>`` and keeps its own journal
(``<job>.shard-K-of-N.journal.sqlite``, ``state_dir``). Which rows a shard holds is
decided in ``shards.assign`` (a stable hash of the normalised fiscal code).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from batch.config.toml_table import Table
from batch.errors import ConfigError
from batch.i18n import _

#: Set by a Kubernetes Indexed Job in every pod: the pod's index, from 0.
COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"
MAX_SHARDS = 1000
_SHARD_FLAG = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
#: A shard's file stem: ``results.shard-2-of-4``.
SHARD_STEM = re.compile(r"^(?P<base>.*)\.shard-(?P<index>\d+)-of-(?P<count>\d+)$")


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``index`` (from 1) of ``count``."""

    index: int
    count: int
    budget: str = ""  # the summary's budget when it is a share of the job's (split_budget)

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def suffix(self) -> str:
        """What a shard adds to the names of its files: ``shard-2-of-4``."""
        return f"shard-{self.index}-of-{self.count}"

    def file(self, path: Path) -> Path:
        """``results.csv`` -> ``results.shard-2-of-4.csv`` (same folder); a path already
        named for a shard is renamed, not suffixed twice."""
        return path.with_name(f"{unsharded_stem(path)}.{self.suffix}{path.suffix}")


@dataclass(frozen=True, slots=True)
class Layout:
    """How a command runs a sharded job: ``count`` shards, one of them (``index``) or
    all in turn in this process (``index`` None)."""

    count: int
    index: int | None = None

    @property
    def shard(self) -> Shard | None:
        return None if self.index is None else Shard(self.index, self.count)

    def shards(self) -> list[Shard]:
        return [Shard(index, self.count) for index in range(1, self.count + 1)]


def unsharded_stem(path: Path) -> str:
    """The stem of ``path`` without a ``.shard-K-of-N`` ending."""
    found = SHARD_STEM.match(path.stem)
    return found.group("base") if found else path.stem


def parse_shards_section(section: Table) -> int | None:
    """``[shards] count = N``: how many shards the job's campaign is split into."""
    count = section.optional_int("count", low=1, high=MAX_SHARDS)
    section.done()
    return count


def choose_layout(
    job_count: int | None,
    shard_flag: str | None,
    shards_flag: int | None,
    environ: Mapping[str, str],
) -> Layout | None:
    """The layout the command line, the environment and the job file agree on; None: an
    ordinary, unsharded run. Every contradiction is a ``ConfigError`` (exit 2)."""
    count = _count(job_count, shards_flag)
    if shard_flag is not None:
        index, flag_count = parse_shard_flag(shard_flag)
        if count is not None and flag_count != count:
            raise ConfigError(
                _("--shard {flag} says {flag_count} shards but {source} says {count}").format(
                    flag=shard_flag,
                    flag_count=flag_count,
                    source=_count_source(shards_flag),
                    count=count,
                ),
                hint=_(
                    "use --shard K/{count}, or change the shard count everywhere (only "
                    "between campaigns: see 'Sharded runs' in the README)"
                ).format(count=count),
            )
        return Layout(flag_count, index)
    index_text = environ.get(COMPLETION_INDEX_ENV, "").strip()
    if index_text:
        if count is None:
            raise ConfigError(
                _("{variable}={index} (a Kubernetes Indexed Job) but no shard count").format(
                    variable=COMPLETION_INDEX_ENV, index=index_text
                ),
                hint=_(
                    "set [shards] count = N in the job file (the Job's completions), "
                    "or pass --shards N"
                ),
            )
        if not index_text.isdigit() or not 0 <= int(index_text) < count:
            raise ConfigError(
                _("{variable}={index} is not an index from 0 to {last} ({count} shards)").format(
                    variable=COMPLETION_INDEX_ENV,
                    index=repr(index_text),
                    last=count - 1,
                    count=count,
                ),
                hint=_("the Indexed Job's completions must equal the shard count ({count})").format(
                    count=count
                ),
            )
        return Layout(count, int(index_text) + 1)
    return None if count is None else Layout(count)


def parse_shard_flag(text: str) -> tuple[int, int]:
    """``--shard K/N`` -> (K, N), K from 1 to N."""
    found = _SHARD_FLAG.fullmatch(text)
    if found is None:
        raise ConfigError(
            _("--shard must be K/N (shard K of N, K from 1); got {value}").format(value=repr(text)),
            hint=_("for example --shard 1/4 ... --shard 4/4"),
        )
    index, count = int(found.group(1)), int(found.group(2))
    if not 1 <= count <= MAX_SHARDS:
        raise ConfigError(
            _("--shard {flag}: the count must be from 1 to {most}").format(
                flag=text, most=MAX_SHARDS
            )
        )
    if not 1 <= index <= count:
        raise ConfigError(
            _("--shard {flag}: shard {index} does not exist, shards go from 1 to {count}").format(
                flag=text, index=index, count=count
            ),
            hint=_("use --shard 1/{count} ... --shard {count}/{count} (K counts from 1)").format(
                count=count
            ),
        )
    return index, count


def _count(job_count: int | None, shards_flag: int | None) -> int | None:
    if shards_flag is not None and not 1 <= shards_flag <= MAX_SHARDS:
        raise ConfigError(
            _("--shards must be from 1 to {most}; got {value}").format(
                most=MAX_SHARDS, value=shards_flag
            )
        )
    if shards_flag is not None and job_count is not None and shards_flag != job_count:
        raise ConfigError(
            _("--shards {value} disagrees with [shards] count = {count} of the job file").format(
                value=shards_flag, count=job_count
            ),
            hint=_(
                "leave --shards out, or change [shards] count (only between campaigns: see "
                "'Sharded runs' in the README)"
            ),
        )
    return shards_flag if shards_flag is not None else job_count


def _count_source(shards_flag: int | None) -> str:
    return "--shards" if shards_flag is not None else _("[shards] count of the job file")


@dataclass(frozen=True, slots=True)
class SplitBudget:
    calls: int | None
    label: str  # what the summary's ``budget`` says


def split_budget(calls: int | None, window_seconds: float, count: int) -> SplitBudget:
    """A limited budget split between ``count`` shards running at once: floor(calls/N)
    each, over the same window; an unlimited one stays unlimited."""
    if calls is None:
        return SplitBudget(None, "unlimited")
    whole = f"{calls}/{window_seconds:g}s"
    if count == 1:
        return SplitBudget(calls, whole)
    if calls < count:
        raise ConfigError(
            _(
                "a budget of {budget} cannot be split over {count} shards (less than one call each)"
            ).format(budget=whole, count=count),
            hint=_("use fewer shards, or none: a limited budget is reached by one process"),
        )
    share = calls // count
    return SplitBudget(share, f"{share}/{window_seconds:g}s ({whole} split over {count} shards)")
