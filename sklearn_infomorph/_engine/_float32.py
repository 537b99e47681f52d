"""float32 copies of float64 matrices, converted in row blocks on the engine's threads.

Training products run in float32: :func:`gather_float32` gathers a training batch from
dense data of either precision and converts it in the same pass (no float32 copy of
the whole data), and finds the largest absolute value of its rows, from which
:meth:`Network.outputs_surely_finite` proves the outputs on every row finite without
running the rows through the network again.
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
    threads = pool.n_threads() if a.size >= pool.MIN_ELEMENTWISE_WORK else 1
    pool.run_elementwise(lambda lo, hi: to_float32(a, out, lo, hi), a.shape[0], threads)
    return out


_ABS64 = np.uint64(0x7FFFFFFFFFFFFFFF)
_ABS32 = np.uint32(0x7FFFFFFF)


@kernel(nogil=True, error_model="numpy")
def _max_bits(bits, mask, lo, hi):
    """The largest |x| of rows lo to hi - 1 as its bit pattern ``bits & mask`` (mask
    clears the sign bit of x's bits).

    The bit patterns of non-negative floats order as the floats do (NaN above inf),
    and an integer maximum vectorises where a float one with NaN semantics does not.
    """
    top = mask ^ mask
    for i in range(lo, hi):
        for k in range(bits.shape[1]):
            v = bits[i, k] & mask
            top = v if v > top else top
    return top


@kernel(nogil=True, error_model="numpy")
def _gather_max_bits(x, bits, mask, rows, out, lo, hi):
    """out[i] = x[rows[i]] as float32 for i in lo..hi-1; the largest |x| of those rows
    as its bit pattern ``bits & mask`` (see :func:`_max_bits`)."""
    top = mask ^ mask
    for i in range(lo, hi):
        r = rows[i]
        for k in range(x.shape[1]):
            out[i, k] = x[r, k]
        for k in range(x.shape[1]):
            v = bits[r, k] & mask
            top = v if v > top else top
    return top


def _bits(x):
    """x's bits as unsigned integers and the mask that clears the sign bit."""
    if x.dtype == np.float64:
        return x.view(np.uint64), _ABS64
    return x.view(np.uint32), _ABS32


def _run_max(x, function, n_rows, size):
    """Largest |x| over the row blocks of ``function(lo, hi)`` (bit patterns), run on
    the engine's threads for large work."""
    tops = {}

    def block(lo, hi):
        tops[lo] = function(lo, hi)

    threads = pool.n_threads() if size >= pool.MIN_ELEMENTWISE_WORK else 1
    pool.run_elementwise(block, n_rows, threads)
    if not tops:
        return 0.0
    _, mask = _bits(x)
    return float(np.array([max(tops.values())], dtype=mask.dtype).view(x.dtype)[0])


def _dense_input(x):
    x = np.asarray(x)
    if x.ndim != 2 or x.dtype not in (np.float64, np.float32) or not x.flags.c_contiguous:
        x = np.ascontiguousarray(x, dtype=np.float32 if x.dtype == np.float32 else np.float64)
    return x


def gather_float32(x, rows):
    """(x[rows] as a C-contiguous float32 array, the largest absolute value in those
    rows), in one pass over them: a training batch, gathered and converted at once (the
    same rounding as converting all of x first, without a float32 copy of x).

    x is dense float64 or float32; NaN in the rows gives a NaN maximum.
    """
    x = _dense_input(x)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    out = np.empty((rows.shape[0], x.shape[1]), dtype=np.float32)
    bits, mask = _bits(x)
    top = _run_max(x, lambda lo, hi: _gather_max_bits(x, bits, mask, rows, out, lo, hi),
                   rows.shape[0], out.size)
    return out, top


def max_abs(x):
    """Largest absolute value of a dense array or scipy.sparse matrix (0.0 if empty;
    NaN if x holds NaN), in one pass on the engine's threads for dense x."""
    if hasattr(x, "tocsr"):
        return float(np.max(np.abs(x.data))) if x.data.size else 0.0
    x = _dense_input(x)
    if x.size == 0:
        return 0.0
    bits, mask = _bits(x)
    return _run_max(x, lambda lo, hi: _max_bits(bits, mask, lo, hi), x.shape[0], x.size)
