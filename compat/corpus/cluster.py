"""The Dask engine: a corpus run's scanning on a `dask.distributed` cluster, a scheduler's or
a `LocalCluster` of worker processes on this machine.

The files are listed here (`remote.resolve`), cut into tasks (`remote.plan`: byte ranges of
plain files, compressed files whole), and each task runs `remote.scan_task` on a worker, which
returns the same `Partial` as a local worker. Results are kept by task and merged in file
order once every task of a file is in, so counts, groups, first lines and malformed lines are
those of a local run for any cut. A task that fails (an error, a worker that dies) is run
again by Dask; each task's result is taken once, so a retry is never counted twice.

dask and distributed are imported only here, and only when the engine is asked for.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compat.corpus.remote import (
    ReadFailed,
    Source,
    Versions,
    describe,
    merged,
    plan,
    resolve,
    scan_task,
)
from compat.corpus.validate import FileScan, Partial, Target, default_workers
from compat.errors import CompatError
from compat.util.interrupts import sigint_blocked

EXTRA = "pip install 'cws-compat[dask]'"
MIN_BLOCK = 1 << 20
MAX_BLOCK = 64 << 20
RETRIES = 3  # runs of a task after its first, when it raises (a dying worker is Dask's count)

# tasks done, tasks in all, events read so far
ClusterProgress = Callable[[int, int, int], None]


@dataclass(frozen=True)
class DaskOptions:
    scheduler: str | None = None  # None: a LocalCluster of `workers` processes
    workers: int | None = None
    block_size: int | None = None  # bytes of a plain file per task; None: from the sizes
    storage_options: Mapping[str, Any] = field(default_factory=dict)
    retries: int = RETRIES


def require_dask() -> None:
    """A clear error when the extra is not installed."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
        import fsspec  # noqa: F401
    except ImportError as exc:
        raise CompatError(
            f"--engine dask needs the dask extra ({exc.name} is missing): {EXTRA}"
        ) from None


class DaskEngine:
    """`compat.corpus.run.Engine` on Dask."""

    def __init__(self, options: DaskOptions, progress: ClusterProgress | None = None) -> None:
        require_dask()
        self.options = options
        self.progress = progress

    def prepare(self, specs: list[Path | str]) -> Callable[[list[Target]], list[FileScan]]:
        sources = resolve(specs, self.options.storage_options)

        def scans(targets: list[Target]) -> list[FileScan]:
            return self.scan(sources, targets)

        return scans

    def scan(self, sources: Sequence[Source], targets: list[Target]) -> list[FileScan]:
        with connect(self.options) as client:
            return run_tasks(client, sources, targets, self.options, self.progress)


@contextlib.contextmanager
def connect(options: DaskOptions) -> Iterator[Any]:
    """A client of the scheduler asked for, or of a new LocalCluster on the loopback address
    (no dashboard), closed on the way out."""
    from distributed import Client

    if options.scheduler is None:
        with (
            local_cluster(options.workers or default_workers(), interruptible=False) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            # Ctrl-C reaches the whole process group: this process stops the cluster
            client.run(_ignore_interrupts)
            yield client
        return
    address = options.scheduler
    timeout = _connect_timeout()
    try:
        address = _reach(address, timeout)
        client = Client(address, set_as_default=False, timeout=timeout)
    except Exception as exc:  # OSError, TimeoutError, ValueError for a malformed address...
        raise CompatError(
            f"cannot reach the Dask scheduler at {options.scheduler}: {describe(exc)}"
        ) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except Exception:
            raise CompatError(
                f"the Dask scheduler at {options.scheduler} has no workers (waited {timeout:g} s)"
            ) from None
        yield client


def local_cluster(workers: int, quiet: int = logging.CRITICAL, interruptible: bool = True) -> Any:
    """A LocalCluster of `workers` single-threaded processes, listening on 127.0.0.1 only:
    no dashboard, and the scheduler's HTTP endpoints on a free port (the default, 8787, may be
    taken). Its logs are silenced below `quiet`: a task that fails and is run again is not
    the user's concern, and one that keeps failing is reported as an error.

    Not `interruptible` (the command line's): its processes start with SIGINT blocked. A
    Ctrl-C at a terminal reaches the whole process group, and a worker process that is still
    starting (importing, unpickling) would die of it printing its traceback; it is this
    process's to handle, which stops the cluster. The mask is inherited: by the cluster's
    event loop thread, started here, and by every process started from it."""
    from distributed import LocalCluster

    def start() -> Any:
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            silence_logs=quiet,
        )

    if interruptible:
        return start()
    from multiprocessing import resource_tracker

    # started later, it would unblock SIGINT in the thread starting it: start it first
    resource_tracker.ensure_running()
    with sigint_blocked():
        return start()


def _ignore_interrupts() -> None:
    """Run on each worker of a local cluster, in its main thread."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _reach(address: str, timeout: float) -> str:
    """The scheduler's address, resolved, once a connection to it has been opened and closed.

    Checked before a Client is made: a Client that fails to start prints a traceback when it
    is collected, and a refused TCP connection is said at once rather than after the timeout.
    """
    import asyncio
    import socket
    import warnings

    from distributed.comm import connect
    from distributed.comm.addressing import parse_address, parse_host_port, resolve_address
    from distributed.security import Security

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a protocol's deprecation notice
        resolved = str(resolve_address(address))
        scheme, location = parse_address(resolved)
        if scheme in ("tcp", "tls", "ws", "wss"):
            host, port = parse_host_port(location)
            with socket.create_connection((host, port), timeout=timeout):
                pass

        async def probe() -> None:
            arguments = Security().get_connection_args("client")
            comm = await connect(resolved, timeout=timeout, **arguments)
            await comm.close()

        asyncio.run(probe())
    return resolved


def _connect_timeout() -> float:
    import dask
    from dask.utils import parse_timedelta

    seconds = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s")
    return float(seconds or 30)


def auto_block(sources: Sequence[Source], threads: int) -> int:
    """About four ranges of plain files per worker thread, between 1 and 64 MiB each."""
    plain = sum(s.size for s in sources if s.kind == "lines")
    return max(MIN_BLOCK, min(MAX_BLOCK, plain // (4 * max(1, threads)) + 1))


def run_tasks(
    client: Any,
    sources: Sequence[Source],
    targets: list[Target],
    options: DaskOptions,
    progress: ClusterProgress | None = None,
) -> list[FileScan]:
    """Every source scanned on the cluster of `client`: one FileScan per source, in order."""
    from distributed import as_completed

    threads = sum(client.nthreads().values()) or 1
    block = options.block_size or auto_block(sources, threads)
    plans = [plan(s, block, options.storage_options) for s in sources]
    work = [(i, j, task) for i, tasks in enumerate(plans) for j, task in enumerate(tasks)]
    run = uuid.uuid4().hex
    shared = [client.scatter(Versions(run, tuple(targets)), broadcast=True, hash=False)]
    parts: list[list[Partial | None]] = [[None] * len(tasks) for tasks in plans]
    where: dict[str, tuple[int, int, Any, int]] = {}

    def submit(item: tuple[int, int, Any], attempt: int = 0) -> Any:
        i, j, task = item
        future = client.submit(
            scan_task,
            shared[0],
            task,
            key=f"cws-compat-scan-{run}-{i}-{j}-{attempt}",
            retries=options.retries,
            pure=False,
        )
        where[future.key] = (i, j, task, attempt)
        return future

    # a bounded number of tasks in flight: millions of ranges need not sit on the scheduler
    pending = iter(work)
    first = [submit(item) for item in itertools.islice(pending, 4 * threads + 4)]
    running = as_completed(first, loop=client.loop)
    events = 0
    done = 0
    if progress is not None:
        progress(0, len(work), 0)
    for future in running:
        i, j, task, attempt = where.pop(future.key)
        if future.cancelled() and attempt < options.retries:
            # the scheduler dropped it (a worker died holding what it needed): the versions
            # are sent out again and the task runs again, under a key of its own
            future.release()
            shared[0] = client.scatter(Versions(run, tuple(targets)), broadcast=True, hash=False)
            running.add(submit((i, j, task), attempt + 1))
            continue
        part = _outcome(future, sources[i])
        future.release()
        if parts[i][j] is not None:  # pragma: no cover - one task, one result
            raise CompatError(f"{sources[i].shown}: task {j} answered twice")
        parts[i][j] = part
        done += 1
        events += part.physical_lines - part.blank - part.malformed
        if progress is not None:
            progress(done, len(work), events)
        item = next(pending, None)
        if item is not None:
            running.add(submit(item))
    scans = []
    for source, found in zip(sources, parts, strict=True):
        complete = [p for p in found if p is not None]
        if len(complete) != len(found):  # pragma: no cover - every task was waited for
            raise CompatError(f"{source.shown}: {len(found) - len(complete)} task(s) lost")
        scans.append(FileScan(source.shown, merged(complete, len(targets))))
    return scans


def _outcome(future: Any, source: Source) -> Partial:
    """The task's Partial, or a one-line error naming the file."""
    from distributed import KilledWorker

    try:
        part = future.result()
    except CompatError:
        raise
    except ReadFailed as exc:
        raise CompatError(f"{source.shown}: {exc}") from None
    except KilledWorker:
        raise CompatError(
            f"{source.shown}: the task reading it stopped its Dask workers repeatedly "
            "(out of memory?); see the workers' logs"
        ) from None
    except Exception as exc:
        raise CompatError(f"{source.shown}: the Dask task failed: {describe(exc)}") from None
    if not isinstance(part, Partial):  # pragma: no cover - scan_task returns a Partial
        raise CompatError(f"{source.shown}: unexpected task result {type(part).__name__}")
    return part
