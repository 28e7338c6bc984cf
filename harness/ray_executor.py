"""Training tasks as Ray tasks: a sweep spread over a cluster, results in the local cache.

A remote worker trains its stack without touching any cache (``TrainingTask.detached``) and
returns the results with their parameters; this process stores them in the runner's
content-addressed cache (``store_outcome``). So a cluster needs no shared file system, a
worker that dies mid-task leaves no partial entry (Ray runs the task again, up to ``retries``
times), and a run's numbers are those of local training: the same stack, the same code, one
thread per task, as the local worker processes train.
"""
from __future__ import annotations

import os
from typing import Iterator, Sequence

from .compute import SESSION_RATE_MATRIX, machine_peak_flops
from .tasks import TaskOutcome, TrainingTask, store_outcome

RETRIES = 3


def _train_remotely(task: TrainingTask) -> TaskOutcome:
    import torch
    torch.set_num_threads(1)  # as a local worker trains: the same kernels, the same numbers
    return task()


class RayExecutor:
    """Connects to the cluster at ``address`` (else ``RAY_ADDRESS``, else a Ray instance
    started here for this session) and runs one task per CPU (per GPU on cuda)."""

    def __init__(self, address: str | None = None, device: str = "cpu",
                 retries: int = RETRIES, num_cpus: int | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise RuntimeError("the Ray executor needs Ray: pip install 'deepclaims[ray]'"
                               ) from None
        self._ray = ray
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self._owns = not ray.is_initialized()
        if self._owns:
            options = dict(include_dashboard=False, log_to_driver=False,
                           ignore_reinit_error=True)
            if self.address is None:
                options["num_cpus"] = num_cpus or os.cpu_count() or 1
            try:
                ray.init(address=self.address, **options)
            except ConnectionError as err:
                raise RuntimeError(f"cannot reach the Ray cluster at {self.address!r}: {err}"
                                   ) from None
        resources = ray.cluster_resources()
        self.gpu = device.startswith("cuda")
        self.slots = max(1, int(resources.get("GPU" if self.gpu else "CPU", 1)))
        self._remote = ray.remote(_train_remotely).options(
            num_cpus=1, num_gpus=1 if self.gpu else 0, max_retries=retries)

    def map(self, tasks: Sequence[TrainingTask]) -> Iterator[tuple[int, TaskOutcome]]:
        ray = self._ray
        pending = {self._remote.remote(task.detached()): i for i, task in enumerate(tasks)}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            i = pending.pop(done[0])
            yield i, store_outcome(tasks[i], ray.get(done[0]))

    def peak_flops(self) -> float:
        """This machine's rate, single process: the bound a report prints is the driver's,
        not the cluster's."""
        return machine_peak_flops(SESSION_RATE_MATRIX, processes=1)

    def close(self) -> None:
        if self._owns and self._ray.is_initialized():
            self._ray.shutdown()
