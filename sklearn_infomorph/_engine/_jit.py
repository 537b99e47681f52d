"""``kernel``: numba's ``njit(cache=True)`` that still imports where nothing can be cached.

numba looks for a cache folder when a function is decorated: ``NUMBA_CACHE_DIR`` if
set, else the ``__pycache__`` next to the source, else the user's cache directory
(``~/.cache/numba``). A read-only install with no writable home (a service
account, a locked-down container) has none, and ``njit(cache=True)`` then raises at
import. Such an install compiles the kernels in every process instead, after one
warning that names the fix.
"""

import warnings

from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_warned = False


def kernel(**options):
    """``numba.njit(cache=True, **options)``, or without cache if no folder is writable."""

    def decorate(function):
        global _warned
        try:
            return njit(cache=True, **options)(function)
        except RuntimeError as exc:
            if "cannot cache" not in str(exc):
                raise
            if not _warned:
                _warned = True
                warnings.warn(
                    "numba found no writable folder to cache sklearn_infomorph's kernels "
                    "in, so they are compiled again in every process (about 10 s). Set "
                    "the environment variable NUMBA_CACHE_DIR to a writable folder.",
                    RuntimeWarning,
                    stacklevel=3,
                )
            return njit(cache=False, **options)(function)

    return decorate


@intrinsic
def bits_as_float(typingctx, bits):
    """Reinterpret the 64 bits of an int64 as a float64 (an LLVM bitcast)."""
    if bits != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def float_as_bits(typingctx, value):
    """Reinterpret the 64 bits of a float64 as an int64 (an LLVM bitcast)."""
    if value != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen
