"""float32 copies of float64 matrices, converted in row blocks on the engine's threads."""

import numpy as np

from . import _thread_pool as pool
from ._jit import kernel


@kernel(nogil=True, error_model="numpy")
def to_float32(x, out, lo, hi):
    """out[lo:hi] = x[lo:hi] as float32."""
    for i in range(lo, hi):
        for k in range(x.shape[1]):
            out[i, k] = x[i, k]


def as_float32(a):
    """a as a C-contiguous float32 matrix (large float64 ones converted on the threads)."""
    if a.dtype == np.float32 and (a.flags.c_contiguous or a.flags.f_contiguous):
        return a  # the transposed outputs of a layer below are fine for BLAS
    a = np.asarray(a)
    if a.ndim != 2 or a.dtype != np.float64 or not a.flags.c_contiguous:
        return np.ascontiguousarray(a, dtype=np.float32)
    out = np.empty(a.shape, dtype=np.float32)
    threads = pool.n_threads() if a.size > 200_000 else 1
    pool.run(lambda lo, hi: to_float32(a, out, lo, hi), pool.blocks(a.shape[0]), threads)
    return out
