"""Laying out many tables at once: one WeasyPrint process per core.

The main process reads every table (cells, signatures, findings) and hands the finished
Printable to a worker, which only lays it out: the workers never touch the database (the
tests' data lives in a transaction they could not see), and a query there fails loudly.
Workers come from a fork server that has set up Django, imported WeasyPrint and loaded the
paper's stylesheets and fonts already (paper.warm): each starts from a copy of it.
"""

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .printable import Printable

# What the fork server loads before it forks the workers (Django, WeasyPrint, the paper).
WARM_MODULE = "assessments.paper.warm"

# Below this many tables starting workers costs more than it saves.
POOL_FROM = 3


def _refuse_queries(execute: object, sql: str, params: object, many: bool, context: object) -> None:
    raise RuntimeError("排版进程不读写数据库：表格内容由主进程读好后交给它。")


def _start_worker() -> None:
    import django

    django.setup()  # done in the fork server already, unless it could not import paper.warm
    from django.db import connections

    for connection in connections.all():
        connection.execute_wrappers.append(_refuse_queries)


def _context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([WARM_MODULE])
    return context


def start() -> None:
    """Start the workers' fork server now, so that it loads the layout (paper.warm) while
    this process still reads the tables; lay_out_many() forks the workers from it."""
    _context()
    forkserver.ensure_running()


def workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def lay_out_many(
    items: Iterable["Printable"],
    total: int,
    *,
    render: Callable[["Printable"], bytes],
    progress: Callable[[int, int], object] | None = None,
) -> list[bytes]:
    """The PDF of each of the `total` Printables, in order; `progress(done, total)` after each.

    `render` lays out one (paper.pdf.render_pdf): a module-level function, which the workers
    import by name.

    `items` may be a generator: the workers start on the first table and lay it out while
    the main process reads the next ones.
    """
    count = min(workers(), total)
    if total < POOL_FROM or count < 2:
        results = []
        for done, item in enumerate(items, start=1):
            results.append(render(item))
            if progress:
                progress(done, total)
        return results
    results = []
    with ProcessPoolExecutor(count, mp_context=_context(), initializer=_start_worker) as pool:
        for done, content in enumerate(pool.map(render, items), start=1):
            results.append(content)
            if progress:
                progress(done, total)
    return results
