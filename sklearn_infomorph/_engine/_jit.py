"""``kernel``: numba's ``njit(cache=True)``, built on first use, that still works where
nothing can be cached.

Importing numba takes about half a second, more than the rest of the package: the
kernels are therefore plain Python functions until one of them is first called (by a
fit, typically). That call imports numba and turns every kernel defined so far into a
numba dispatcher, replacing the placeholders in the package's modules, so that
kernels calling one another see dispatchers when numba compiles them. Kernels defined
after that are built at once. ``numba`` and ``prange`` here are such placeholders too.

numba looks for a cache folder when a dispatcher is built: ``NUMBA_CACHE_DIR`` if
set, else the ``__pycache__`` next to the source, else the user's cache directory
(``~/.cache/numba``). A read-only install with no writable home (a service
account, a locked-down container) has none, and ``njit(cache=True)`` then raises.
Such an install compiles the kernels in every process instead, after one warning
that names the fix.
"""

import functools
import sys
import threading
import warnings

_warned = False
_LOCK = threading.RLock()
_PENDING = []  # placeholders to build on first use
_built = False
_PACKAGE = __name__.split(".")[0]


def njit(**options):
    """numba.njit (imported on first use)."""
    import numba

    return numba.njit(**options)


def _cached_njit(function, options):
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
                stacklevel=4,
            )
        return njit(cache=False, **options)(function)


class _Placeholder:
    """Stands for a numba object until :func:`build` makes it (then it delegates)."""

    def __init__(self, make):
        self._make = make
        self._target = None

    def _resolve(self):
        if self._target is None:
            build()
        return self._target

    def __call__(self, *args, **kwargs):
        return self._resolve()(*args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._resolve(), name)


class _Kernel(_Placeholder):
    """A kernel before it is built: calls and attributes go to its dispatcher."""

    def __init__(self, function, options):
        super().__init__(functools.partial(_cached_njit, function, options))
        functools.update_wrapper(self, function)
        self.py_func = function


def build():
    """Import numba, build every pending kernel and put the dispatchers (and numba's
    objects) in place of the placeholders in the package's modules."""
    global _built
    with _LOCK:
        if _built:
            return
        for placeholder in _PENDING:
            placeholder._target = placeholder._make()
        for name, module in list(sys.modules.items()):
            if module is None or not (name == _PACKAGE or name.startswith(_PACKAGE + ".")):
                continue
            for attr, value in list(vars(module).items()):
                if isinstance(value, _Placeholder) and value._target is not None:
                    setattr(module, attr, value._target)
        _PENDING.clear()
        _built = True


def kernel(**options):
    """``numba.njit(cache=True, **options)``, built on first use (see the module notes),
    or without cache if no folder is writable."""

    def decorate(function):
        with _LOCK:
            if _built:
                return _cached_njit(function, options)
            placeholder = _Kernel(function, options)
            _PENDING.append(placeholder)
            return placeholder

    return decorate


def _numba_object(make):
    placeholder = _Placeholder(make)
    _PENDING.append(placeholder)
    return placeholder


def _numba_module():
    import numba

    return numba


def _prange():
    import numba

    return numba.prange


class _LazyModule:
    """The numba module for plain Python code (thread counts): imported on first use."""

    def __getattr__(self, name):
        import numba

        return getattr(numba, name)


numba = _LazyModule()
prange = _numba_object(_prange)


def _bitcast(name, source, target):
    """Placeholder of an intrinsic reinterpreting the 64 bits of a ``source`` scalar
    as a ``target`` one (an LLVM bitcast; in kernels only)."""

    def make():
        from llvmlite import ir
        from numba import types
        from numba.extending import intrinsic

        src, dst = getattr(types, source), getattr(types, target)
        llvm_type = ir.DoubleType() if target == "float64" else ir.IntType(64)

        def bitcast(typingctx, value):
            if value != src:
                return None

            def codegen(context, builder, signature, args):
                return builder.bitcast(args[0], llvm_type)

            return dst(src), codegen

        bitcast.__name__ = bitcast.__qualname__ = name
        return intrinsic(bitcast)

    return _numba_object(make)


#: Reinterpret the 64 bits of an int64 as a float64.
bits_as_float = _bitcast("bits_as_float", "int64", "float64")
#: Reinterpret the 64 bits of a float64 as an int64.
float_as_bits = _bitcast("float_as_bits", "float64", "int64")
