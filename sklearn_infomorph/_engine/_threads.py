"""One thread budget for numba kernels and BLAS, respected inside joblib workers."""

from contextlib import contextmanager

import numba
from joblib import effective_n_jobs
from threadpoolctl import threadpool_limits


def resolve_n_threads(n_jobs):
    """Threads to use: None keeps numba's current setting (already capped by joblib's
    loky workers); an int follows joblib's n_jobs meaning, capped at the maximum numba
    allows in this process, so set_num_threads never raises inside GridSearchCV."""
    allowed = numba.config.NUMBA_NUM_THREADS
    if n_jobs is None:
        return min(numba.get_num_threads(), allowed)
    return max(1, min(effective_n_jobs(n_jobs), allowed))


@contextmanager
def limit_threads(n_jobs):
    """Run the block with ``resolve_n_threads(n_jobs)`` numba threads and 1 BLAS thread.

    BLAS runs single-threaded inside: OpenBLAS's spinning worker threads and numba's
    OpenMP threads otherwise fight over the same cores between the kernels (measured:
    a lateral-layer fit on digits took 3.6 s with both at 2 threads, 0.3 s like this).
    """
    n_threads = resolve_n_threads(n_jobs)
    previous = numba.get_num_threads()
    numba.set_num_threads(n_threads)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield n_threads
    finally:
        numba.set_num_threads(previous)
