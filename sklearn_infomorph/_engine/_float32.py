"""float32 copies of float64 matrices, converted in row blocks on the engine's threads.

Training products run in float32, so a fit converts dense data once (the same
rounding as converting every gathered batch; float32 data are used as they are).
:func:`float32_rows` finds in the same pass the largest absolute value of the data,
from which :meth:`Network.outputs_surely_finite` proves the outputs on every row
finite without running the rows through the network again.
"""

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


_ABS64 = np.uint64(0x7FFFFFFFFFFFFFFF)
_ABS32 = np.uint32(0x7FFFFFFF)


@kernel(nogil=True, error_model="numpy")
def _convert_max_bits(x, bits, mask, out, lo, hi):
    """out[lo:hi] = x[lo:hi] as float32 (if out has rows); the largest |x| of the rows
    as its bit pattern ``bits & mask`` (mask clears the sign bit).

    The bit patterns of non-negative floats order as the floats do (NaN above inf),
    and an integer maximum vectorises where a float one with NaN semantics does not.
    """
    top = mask ^ mask
    convert = out.shape[0] == x.shape[0]
    for i in range(lo, hi):
        if convert:
            for k in range(x.shape[1]):
                out[i, k] = x[i, k]
        for k in range(x.shape[1]):
            v = bits[i, k] & mask
            top = v if v > top else top
    return top


def float32_rows(x):
    """(x as a C-contiguous float32 array, the largest absolute value in x).

    One pass over dense float64 or float32 data on the engine's threads (x itself is
    returned when it is already C-contiguous float32). NaN in x gives a NaN maximum.
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.dtype not in (np.float64, np.float32) or not x.flags.c_contiguous:
        x = np.ascontiguousarray(x, dtype=np.float32 if x.dtype == np.float32 else np.float64)
    if x.size == 0:
        return np.ascontiguousarray(x, dtype=np.float32), 0.0
    wide = x.dtype == np.float64
    out = np.empty(x.shape, dtype=np.float32) if wide else np.empty((0, 0), np.float32)
    bits = x.view(np.uint64 if wide else np.uint32)
    mask = _ABS64 if wide else _ABS32
    tops = {}

    def block(lo, hi):
        tops[lo] = _convert_max_bits(x, bits, mask, out, lo, hi)

    pool.run(block, pool.blocks(x.shape[0], 256), pool.n_threads() if x.size > 200_000 else 1)
    top = np.array([max(tops.values())], dtype=bits.dtype).view(x.dtype)[0]
    return (out if wide else x), float(top)


def max_abs_sparse(x):
    """Largest absolute value of a scipy.sparse matrix (0.0 without stored values)."""
    return float(np.max(np.abs(x.data))) if x.data.size else 0.0
