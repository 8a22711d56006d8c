"""Where the pieces of a large run are computed: here, on every core, or on a Dask cluster.

A :class:`Runner` maps a function over work items and gives the answers in the items' order, so
whatever computes them, the merge that follows adds the same numbers in the same order: a run
on a cluster equals the run on one machine, bit for bit.

* ``Runner.here()``: one item after another in this process;
* ``Runner.cores(n)``: ``n`` processes of this machine (every core by default);
* ``Runner.dask(workers=n)``: a Dask ``LocalCluster`` of ``n`` worker processes, started for the
  run and stopped after it;
* ``Runner.dask(address="tcp://host:8786")``: the workers of a running Dask scheduler
  (``dask scheduler`` and ``dask worker`` on each machine). Every worker must reach the dataset
  and the run's scratch folder by the same path (a shared file system).

On Dask a task whose worker dies is given to another worker (up to :data:`RETRIES` times): every
task reads its piece from the files and writes its results under a name of its own, so running
it twice changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from typing import Any

from threadpoolctl import threadpool_limits

from sejahtera.errors import SejahteraError

RETRIES = 3


@dataclass(frozen=True)
class Runner:
    """How a run's pieces are computed (see the module's docstring)."""

    kind: str  # here, cores or dask
    workers: int = 1
    address: str | None = None

    @classmethod
    def here(cls) -> Runner:
        return cls("here")

    @classmethod
    def cores(cls, workers: int | None = None) -> Runner:
        return cls("cores", workers or os.cpu_count() or 1)

    @classmethod
    def dask(cls, workers: int | None = None, address: str | None = None) -> Runner:
        if (workers is None) == (address is None):
            raise ValueError("give the number of local workers or a scheduler's address")
        return cls("dask", workers or 0, address)

    @contextlib.contextmanager
    def open(self) -> Iterator[Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]]:
        """A ``map(function, items)`` that gives the answers in the items' order, valid while
        the context is open (the processes or the cluster are stopped after it)."""
        if self.kind == "here" or (self.kind == "cores" and self.workers == 1):
            yield lambda function, items: [function(item) for item in items]
        elif self.kind == "cores":
            # forkserver: a clean process for the workers, not a copy of this one's threads.
            context = get_context("forkserver")
            with ProcessPoolExecutor(self.workers, mp_context=context) as pool:

                def on_cores(function: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
                    try:
                        return list(pool.map(partial(_alone, function), items))
                    except BrokenProcessPool as error:  # killed: out of memory, most often
                        raise SejahteraError(
                            "simulate.worker_died", workers=self.workers
                        ) from error

                yield on_cores
        else:
            from distributed import KilledWorker

            with _client(self) as client:

                def on_cluster(function: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
                    run = uuid.uuid4().hex  # the tasks are named for what they run, once
                    names = [f"{function.__name__}-{run}-{i}" for i in range(len(items))]
                    futures = client.map(
                        partial(_alone, function), list(items), key=names, retries=RETRIES
                    )
                    try:
                        return client.gather(futures)
                    except KilledWorker as error:  # died on every worker it was given to
                        raise SejahteraError("simulate.task_killed", task=str(error)) from error

                yield on_cluster


def _alone(function: Callable[[Any], Any], item: Any) -> Any:
    """``function(item)`` with one BLAS thread: the workers already use every core, and BLAS's
    own threads on top of them slow NumPy's products down many times."""
    with threadpool_limits(limits=1, user_api="blas"):
        return function(item)


@contextlib.contextmanager
def _client(runner: Runner) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if runner.address is not None:
        try:
            client = Client(runner.address, timeout="10s")
        except (OSError, TimeoutError) as error:
            raise SejahteraError(
                "simulate.cluster_unreachable", address=runner.address, error=str(error)
            ) from error
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=runner.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
