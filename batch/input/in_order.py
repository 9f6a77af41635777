"""Work on a stream of pieces on a few threads, the results in the pieces' order.

polars works with the GIL released, so pieces of a workbook parsed by polars on two
threads take both cores of the small machines io-batch runs on. Only a few pieces are
in flight at once: memory stays bounded whatever the stream's length.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

#: Pieces worked on at once.
WORKERS = 2

Piece = TypeVar("Piece")
Result = TypeVar("Result")


def in_order(
    pieces: Iterable[Piece], work: Callable[[Piece], Result], name: str
) -> Iterator[Result]:
    """``work`` on each piece, on ``WORKERS`` threads (named ``name``), the results in
    the pieces' order; the pieces are taken from ``pieces`` on the calling thread."""
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix=name) as pool:
        running: deque[Future[Result]] = deque()
        try:
            for piece in pieces:
                running.append(pool.submit(work, piece))
                if len(running) > WORKERS:
                    yield running.popleft().result()
            while running:
                yield running.popleft().result()
        finally:
            for left in running:
                left.cancel()
