"""One rate budget for several processes: the sliding window kept in Redis.

IO's gateway counts calls per gateway account, and an institution that joined through
the Area Riservata has one account for all its services and keys: its nightly
reminders, a campaign and every shard of an Indexed Job draw on the same 150 calls per
5 s. Each process keeping its own window would overrun it together, so with
``[rate] shared`` every turn is taken from one window in Redis, named by
``[rate] budget_name``:

- a turn is one atomic script (no lock is held across a request): it reserves the next
  free instant, at least ``interval`` after the last one given to anybody and after
  any shared pause, such that no span of ``span`` seconds holds more than ``limit``
  turns, and answers how long the caller must sleep until it. The instants are Redis'
  own clock (``TIME``), so the processes need not agree on theirs.
- a 429 seen by one process sets the shared "no call before" deadline for all.
- a caller woken for its turn asks once more whether a pause began meanwhile, and if so
  gives the instant up and reserves a new one after the pause (the given-up one still
  counts: over-counting only ever makes the budget safer).

Redis unreachable before the first turn is a configuration error (exit 2, nothing was
sent); lost afterwards, the run stops as on a stop request, with its own exit code:
never a silent fall back to a private budget.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from batch.config.shared_budget import redacted
from batch.errors import BudgetLostError, ConfigError

if TYPE_CHECKING:
    from redis.asyncio import Redis

# Redis turns a Lua number into a string with 14 significant digits: instants in µs
# have 16, so every number written back is formatted as an integer first.
# KEYS: turns (sorted set: member -> instant, µs), last (the last instant given), pause
# (the shared "no call before" instant). ARGV: limit, span (µs), interval (µs), member.
# Answers {wait_us, pause_us (from now), at_us (Redis time)}. The instants given are
# never decreasing, so the turns older than the new instant's span can go.
_RESERVE = """
local function int(x) return string.format('%d', x) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local span = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local pause = tonumber(redis.call('GET', KEYS[3]) or '0')
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local at = math.max(now, last + interval, pause)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(at - span))
local held = redis.call('ZCARD', KEYS[1])
if held >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], held - limit, held - limit, 'WITHSCORES')
  at = math.max(at, tonumber(oldest[2]) + span)
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(at - span))
end
redis.call('ZADD', KEYS[1], int(at), ARGV[4])
redis.call('SET', KEYS[2], int(at))
local keep = math.ceil((at - now + span) / 1000) + 60000
redis.call('PEXPIRE', KEYS[1], int(keep))
redis.call('PEXPIRE', KEYS[2], int(keep))
return {at - now, pause - now, at}
"""

# KEYS: pause. ARGV: seconds (µs) from now. Answers the shared deadline, µs from now.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local pause = tonumber(redis.call('GET', KEYS[1]) or '0')
local until_ = math.max(pause, now + tonumber(ARGV[1]))
local keep = math.ceil((until_ - now) / 1000) + 60000
redis.call('SET', KEYS[1], string.format('%d', until_), 'PX', string.format('%d', keep))
return until_ - now
"""

# KEYS: pause. Answers the shared deadline, µs from now (<= 0: none).
_PAUSED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return tonumber(redis.call('GET', KEYS[1]) or '0') - now
"""

_MICRO = 1_000_000
_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Reservation:
    """A turn reserved in the shared window: go in ``wait`` seconds; a shared pause
    holds for ``paused_for`` seconds more (<= 0: none). ``at``: the instant reserved, in
    seconds of Redis' clock (what the window's guarantee is about)."""

    wait: float
    paused_for: float
    at: float = 0.0


class SharedWindow:
    """The turns of every process that names the same budget, from one Redis window."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name
        prefix = f"io-batch:budget:{name}"
        self._keys = (f"{prefix}:turns", f"{prefix}:last", f"{prefix}:pause")
        self._redis: Redis | None = None
        self._answered = False  # Redis has answered this process once: later failures are a loss
        self._member = f"{os.getpid()}:{uuid.uuid4().hex[:8]}:"
        self._turns = 0

    async def reserve(self, limit: int, span: float, interval: float) -> Reservation:
        """Reserve the next turn; raise ``ConfigError`` / ``BudgetLostError`` when Redis
        cannot be reached (before / after it first answered)."""
        self._turns += 1
        args = [
            limit,
            round(span * _MICRO),
            round(interval * _MICRO),
            self._member + str(self._turns),
        ]
        wait_us, pause_us, at_us = await self._run(_RESERVE, self._keys, args)
        return Reservation(int(wait_us) / _MICRO, int(pause_us) / _MICRO, int(at_us) / _MICRO)

    async def pause(self, seconds: float) -> float:
        """A 429: no turn for anybody before ``seconds`` from now (or a later deadline
        already set); the shared deadline, in seconds from now."""
        answer = await self._run(_PAUSE, self._keys[2:], [round(seconds * _MICRO)])
        return int(answer) / _MICRO

    async def paused_for(self) -> float:
        """How long the shared pause still holds (<= 0: none)."""
        return int(await self._run(_PAUSED, self._keys[2:], [])) / _MICRO

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def _run(self, script: str, keys: tuple[str, ...], args: list[Any]) -> Any:
        # Imported here: a job without a shared budget never pays for loading the client.
        from redis import asyncio as aioredis  # noqa: PLC0415
        from redis.exceptions import RedisError  # noqa: PLC0415

        try:
            if self._redis is None:
                self._redis = aioredis.Redis.from_url(
                    self.url,
                    socket_timeout=_TIMEOUT_S,
                    socket_connect_timeout=_TIMEOUT_S,
                    health_check_interval=30,
                )
            answer = await cast(Any, self._redis.eval(script, len(keys), *keys, *args))
        except (RedisError, OSError, ValueError) as exc:
            raise self._failure(exc) from None
        self._answered = True
        return answer

    def _failure(self, exc: Exception) -> ConfigError | BudgetLostError:
        where = f"the shared rate budget {self.name!r} at {redacted(self.url)}"
        reason = f"{type(exc).__name__}: {exc}"
        if not self._answered:
            return ConfigError(
                f"cannot reach {where} ({reason})",
                hint="start Redis or fix [rate] shared; nothing was sent",
            )
        return BudgetLostError(
            f"lost {where} during the run ({reason}): no new call was made",
            hint="the rows not sent yet are pending: run the job again once Redis is back",
        )
