"""One thread budget for the engine's kernels and BLAS, respected inside joblib and Dask workers.

Where the budget comes from:

* a plain process: numba's maximum (``NUMBA_NUM_THREADS``, all cores by default);
* a joblib loky worker: joblib starts each worker with ``NUMBA_NUM_THREADS =
  cpus // n_jobs`` (or ``parallel_config(inner_max_num_threads=k)``), which numba reads
  as its maximum, so the cap below already follows it;
* a task on a Dask worker: Dask counts every worker thread as one core and its nanny
  starts worker processes with ``OMP_NUM_THREADS=1`` (config
  ``distributed.nanny.pre-spawn-environ``) so that numeric libraries do not
  oversubscribe. numba ignores that variable and would see every core, so a task takes
  ``OMP_NUM_THREADS`` numba threads, or ``cpus // worker threads`` when it is unset.
"""

import os
import sys
from contextlib import contextmanager

from ._jit import numba


def _cpu_count():
    # joblib is imported here, not with the package (it adds 0.1 s to the import).
    from joblib import cpu_count

    return cpu_count()


def _dask_worker():
    """The Dask worker running the current task, or None.

    distributed is only looked up if already imported: a process that never imported it
    cannot be a Dask worker, and importing it here would cost a second per fit.
    """
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        return distributed.get_worker()
    except (ValueError, AttributeError):
        return None


def _dask_task_budget(worker):
    try:
        per_task = int(os.environ["OMP_NUM_THREADS"])
    except (KeyError, ValueError):
        nthreads = getattr(getattr(worker, "state", None), "nthreads", None)
        nthreads = nthreads or getattr(worker, "nthreads", 1) or 1
        per_task = _cpu_count() // nthreads
    return max(1, per_task)


def thread_budget():
    """Most numba threads the current process, or Dask task, may use (>= 1)."""
    budget = numba.config.NUMBA_NUM_THREADS
    worker = _dask_worker()
    if worker is not None:
        budget = min(budget, _dask_task_budget(worker))
    return max(1, budget)


def resolve_n_threads(n_jobs):
    """Numba threads for an estimator's ``n_jobs``, never above :func:`thread_budget`.

    None keeps numba's current setting, an int follows joblib's meaning (-1 all cores,
    -2 all but one, ...). Capping at the budget keeps ``numba.set_num_threads`` from
    raising inside joblib workers and keeps Dask tasks to their share of the cores.
    Negative values are resolved on ``joblib.cpu_count()`` rather than through
    ``joblib.effective_n_jobs``: inside a Dask task the latter asks the active joblib
    backend, i.e. the whole cluster, for its size.
    """
    budget = thread_budget()
    if n_jobs is None:
        wanted = numba.get_num_threads()
    elif n_jobs == 0:
        raise ValueError(
            "n_jobs=0 has no meaning; use None (numba's current setting), a positive "
            "number of threads or -1 for all cores."
        )
    elif n_jobs < 0:
        wanted = _cpu_count() + 1 + n_jobs
    else:
        wanted = n_jobs
    return max(1, min(wanted, budget))


@contextmanager
def limit_threads(n_jobs):
    """Run the block with ``resolve_n_threads(n_jobs)`` numba threads and 1 BLAS thread.

    BLAS runs single-threaded inside: each matrix product is one block on the
    engine's threads (``_thread_pool``), and spinning BLAS worker threads would fight
    them for the same cores (the docs' performance page has the figures). numba's
    thread count, which is per calling thread, is only the knob the engine's pool
    reads (no kernel uses numba's own threads); the previous value is restored even
    when the block raises.
    """
    n_threads = resolve_n_threads(n_jobs)
    previous = numba.get_num_threads()
    numba.set_num_threads(n_threads)
    try:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            yield n_threads
    finally:
        numba.set_num_threads(previous)
