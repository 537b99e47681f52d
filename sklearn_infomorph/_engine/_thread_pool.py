"""Run the engine's kernels on a few threads, with results independent of their number.

Work is cut into blocks whose bounds depend only on the problem's shape; each block
is one call of a numba kernel (compiled with ``nogil=True``) or one BLAS product,
and the threads share the blocks out. A block is computed the same way whatever
thread runs it, so 1 and 2 threads give bit-identical results.

Plain Python threads rather than numba's ``parallel=True``: the kernels compile in
half the time without the parallel lowering, and idle threads sleep instead of
spinning (numba's OpenMP threads busy-wait between parallel regions, which on
shared cores steals time from the BLAS products in between).

The number of threads is numba's thread count of the calling thread, which the
estimators set from ``n_jobs`` (see ``_thread_budget.limit_threads``).
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._jit import numba

_POOL = None
_POOL_PID = None
_POOL_LOCK = threading.Lock()
_MAX_BLOCKS = 8


def _pool():
    """The process's worker threads (created on first use, again after a fork)."""
    global _POOL, _POOL_PID
    if _POOL is None or _POOL_PID != os.getpid():
        with _POOL_LOCK:
            if _POOL is None or _POOL_PID != os.getpid():
                workers = max(1, numba.config.NUMBA_NUM_THREADS - 1)
                _POOL = ThreadPoolExecutor(workers, thread_name_prefix="infomorph")
                _POOL_PID = os.getpid()
    return _POOL


#: Below this many elements of work (e.g. (sample, neuron) pairs), handing a kernel's
#: blocks to other threads costs more than it saves; the blocks, hence the results,
#: are the same either way.
MIN_WORK_PER_THREAD = 65536


def n_threads():
    """Threads the engine uses in the calling thread (numba's setting, >= 1)."""
    return max(1, numba.get_num_threads())


def threads_for(work):
    """:func:`n_threads` for at least :data:`MIN_WORK_PER_THREAD` of work, else 1."""
    return n_threads() if work >= MIN_WORK_PER_THREAD else 1


def blocks(n, min_size=32, max_blocks=_MAX_BLOCKS):
    """Bounds of at most ``max_blocks`` blocks of at least ``min_size`` of range(n)."""
    count = max(1, min(max_blocks, n // max(1, min_size)))
    return [(k * n // count, (k + 1) * n // count) for k in range(count)]


def run(function, bounds, threads=None):
    """Call ``function(lo, hi)`` for every block, spread over ``threads`` threads.

    The calling thread takes the first share; the others go to the pool. Blocks
    are dealt out in contiguous runs, so a thread's blocks are neighbours in memory.
    """
    threads = n_threads() if threads is None else threads
    threads = min(threads, len(bounds))
    if threads <= 1:
        for lo, hi in bounds:
            function(lo, hi)
        return
    shares = [bounds[t * len(bounds) // threads:(t + 1) * len(bounds) // threads]
              for t in range(threads)]
    pool = _pool()
    futures = [pool.submit(_run_share, function, share) for share in shares[1:]]
    try:
        _run_share(function, shares[0])
    finally:
        for future in futures:
            future.result()


def _run_share(function, share):
    for lo, hi in share:
        function(lo, hi)


def product(a, b, out=None, transpose_a=False):
    """``a @ b`` (or ``a.T @ b``) in row blocks of the result run on the threads.

    BLAS should be single-threaded (it is inside ``limit_threads``); each block is
    one BLAS call of the same shape whatever the number of threads.
    """
    rows = a.shape[1] if transpose_a else a.shape[0]
    if out is None:
        out = np.empty((rows, b.shape[1]), dtype=np.result_type(a, b))
    left = a.T if transpose_a else a

    def block(lo, hi):
        np.matmul(left[lo:hi], b, out=out[lo:hi])

    # Below ~16M multiply-adds (~1 ms) a product is not worth a thread hand-over
    # (waking a sleeping thread takes 0.1 ms or more on a virtual machine, and
    # milliseconds when other processes share the cores).
    threads = n_threads() if a.size * b.shape[1] >= 16_000_000 else 1
    run(block, blocks(rows), threads)
    return out
