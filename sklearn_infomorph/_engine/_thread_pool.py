"""Run the engine's kernels on a few threads, with results independent of their number.

Work is cut into blocks whose bounds depend only on the problem's shape; each block
is one call of a numba kernel (compiled with ``nogil=True``) or one BLAS product,
and the threads share the blocks out. A block is computed the same way whatever
thread runs it, so 1 and 2 threads give bit-identical results.

Plain Python threads rather than numba's ``parallel=True``: the kernels compile in
half the time without the parallel lowering, and several Python threads may train
at once (joblib's threading backend, Dask worker threads). The hand-over is what
limits small batches: a ``ThreadPoolExecutor`` took about 58 us per parallel region
on the 2-core test machine (two sleeping-thread wake-ups, one of them for the GIL),
as much as the work of a batch-256 kernel's share. The team below hands a no-op over
in about 6 us: each worker waits for its next task spinning on a flag, without the GIL
and offering its core to other runnable threads now and then (:data:`_YIELD_EVERY`),
for a few milliseconds (:data:`SPIN`), then sleeps; the caller publishes a task
without giving the GIL away, starts its own share (a kernel that releases the GIL,
which the worker then takes), and waits for the workers spinning without the GIL;
a worker that sees its task waits a few microseconds more (:data:`SETTLE`) before it
asks for the GIL, and signals completion and starts its next wait in one call without
the GIL, so that neither thread sleeps waiting for the other to give the GIL back.

A call made while another thread's call holds the team (or from inside a block)
runs its blocks in the calling thread: the same blocks, the same results.

The number of threads is numba's thread count of the calling thread, which the
estimators set from ``n_jobs`` (see ``_thread_budget.limit_threads``).
"""

import os
import threading

import numpy as np

from ._jit import _numba_object, kernel, numba

_TEAM = None
_TEAM_PID = None
_TEAM_LOCK = threading.Lock()
_MAX_BLOCKS = 8
#: Iterations of a worker's (and the caller's) wait loop before it sleeps: a few
#: milliseconds, longer than the gaps between a training step's parallel phases
#: (with 50,000 or 200,000, workers fell asleep between phases, and 2 threads at
#: batch 256 were 0.97x to 1.09x one instead of 1.54x).
SPIN = 1_000_000
#: Loads a worker still makes after it saw its task before it takes the GIL: the
#: caller holds the GIL for a few microseconds after handing the task over, until its
#: own share releases it; a thread that asks for a held GIL sleeps, and waking it
#: took 20 us to 40 us on the test machine (a no-op hand-over: 17 us without the
#: pause, 6 us with it; a batch-256 product: 299 us against 277 us).
SETTLE = 20_000
#: A waiting thread offers its core to other runnable threads every this many loads
#: (:func:`cpu_yield`: a system call that returns at once on an idle machine). Without
#: it, on cores that other processes keep busy, 2 threads trained at 0.54x the speed
#: of 1 (the ThreadPoolExecutor: 0.96x); with it 0.96x, and unchanged when idle.
_YIELD_EVERY = 256
_PAD = 8  # int64 flags 64 bytes apart: no two threads' flags share a cache line


def _atomic(kind):
    """Placeholder of an intrinsic: an acquire load of ``flags[i]`` (int64) or a
    release store into it (in kernels only)."""

    def make():
        from numba import types
        from numba.core import cgutils
        from numba.extending import intrinsic

        def pointer(context, builder, signature, args):
            aryty = signature.args[0]
            ary = context.make_array(aryty)(context, builder, args[0])
            return cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]])

        if kind == "load":
            def atomic_load(typingctx, flags, i):
                def codegen(context, builder, signature, args):
                    ptr = pointer(context, builder, signature, args)
                    return builder.load_atomic(ptr, "acquire", 8)

                return types.int64(flags, i), codegen

            return intrinsic(atomic_load)

        def atomic_store(typingctx, flags, i, value):
            def codegen(context, builder, signature, args):
                ptr = pointer(context, builder, signature, args)
                value = context.cast(builder, args[2], signature.args[2], types.int64)
                builder.store_atomic(value, ptr, "release", 8)
                return context.get_dummy_value()

            return types.void(flags, i, value), codegen

        return intrinsic(atomic_store)

    return _numba_object(make)


atomic_load = _atomic("load")
atomic_store = _atomic("store")
_YIELD_SYMBOL = "sklearn_infomorph_yield"


def _yield_address():
    """Address of the C function that gives the CPU to another runnable thread
    (``sched_yield``, ``SwitchToThread`` on Windows), or None."""
    import ctypes
    import ctypes.util
    import sys

    try:
        if sys.platform == "win32":
            function = ctypes.windll.kernel32.SwitchToThread
        else:
            function = ctypes.CDLL(ctypes.util.find_library("c")).sched_yield
        return ctypes.cast(function, ctypes.c_void_p).value
    except (OSError, AttributeError, TypeError):
        return None


def _make_cpu_yield():
    import llvmlite.binding as ll
    from llvmlite import ir
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    address = _yield_address()
    if address:
        ll.add_symbol(_YIELD_SYMBOL, address)

    def cpu_yield(typingctx):
        def codegen(context, builder, signature, args):
            if address:
                function = cgutils.get_or_insert_function(
                    builder.module, ir.FunctionType(ir.IntType(32), []), _YIELD_SYMBOL)
                builder.call(function, [])
            return context.get_dummy_value()

        return types.void(), codegen

    return intrinsic(cpu_yield)


#: Give the CPU to another runnable thread, if any (in kernels only): a waiting
#: thread must not hold a core that the thread it waits for, or another process,
#: needs when the cores are oversubscribed.
cpu_yield = _numba_object(_make_cpu_yield)


@kernel(nogil=True)
def _wait_change(flags, i, old, limit):
    """Whether ``flags[i]`` left ``old`` within ``limit`` loads (without the GIL)."""
    for k in range(limit):
        if atomic_load(flags, i) != old:
            return True
        if k % _YIELD_EVERY == _YIELD_EVERY - 1:
            cpu_yield()
    return False


@kernel(nogil=True)
def _wait_task(go, i, old, limit, settle):
    """:func:`_wait_change`, then ``settle`` more loads before returning (to take the
    GIL after the caller has let it go for its own share, rather than sleep for it)."""
    for k in range(limit):
        if atomic_load(go, i) != old:
            for _ in range(settle):
                atomic_load(go, i)
            return True
        if k % _YIELD_EVERY == _YIELD_EVERY - 1:
            cpu_yield()
    return False


@kernel(nogil=True)
def _signal_then_wait(done, go, i, finished, limit, settle):
    """``done[i] = finished``, then :func:`_wait_task` ``(go, i, finished, limit, settle)``."""
    atomic_store(done, i, finished)
    return _wait_task(go, i, finished, limit, settle)


class _Team:
    """``n_workers`` threads that run block lists handed over by :meth:`run`."""

    def __init__(self, n_workers):
        self.n_workers = n_workers
        self.go = np.zeros(n_workers * _PAD, dtype=np.int64)  # task counter per worker
        self.done = np.zeros(n_workers * _PAD, dtype=np.int64)  # tasks finished
        self.tasks = [None] * n_workers
        self.errors = [None] * n_workers
        self.wake = [threading.Event() for _ in range(n_workers)]
        self.finished = [threading.Event() for _ in range(n_workers)]
        self.caller_sleeps = np.zeros(n_workers, dtype=bool)
        self.busy = threading.Lock()
        for w in range(n_workers):
            threading.Thread(target=self._work, args=(w,), daemon=True,
                             name=f"infomorph-{w}").start()

    def _work(self, w):
        i = w * _PAD
        last = 0
        ready = _wait_task(self.go, i, last, SPIN, SETTLE)
        while True:
            if not ready:  # sleep until the next task
                self.wake[w].clear()
                if self.go[i] == last:
                    self.wake[w].wait()
                ready = self.go[i] != last
                continue
            last = int(self.go[i])
            function, share = self.tasks[w]
            self.tasks[w] = None
            try:
                _run_share(function, share)
            except BaseException as exc:  # re-raised in the caller
                self.errors[w] = exc
            if self.caller_sleeps[w]:
                self.done[i] = last
                self.finished[w].set()
                ready = _wait_task(self.go, i, last, SPIN, SETTLE)
            else:
                ready = _signal_then_wait(self.done, self.go, i, last, SPIN, SETTLE)

    def run(self, function, shares):
        """Run the blocks of ``shares[0]`` here and of ``shares[1 + w]`` on worker w;
        raise the first error."""
        helpers = range(len(shares) - 1)
        for w in helpers:
            self.tasks[w] = (function, shares[w + 1])
            self.go[w * _PAD] += 1  # under the GIL: the worker takes it once we let go
            self.wake[w].set()
        error = None
        try:
            _run_share(function, shares[0])
        except BaseException as exc:
            error = exc
        for w in helpers:
            i = w * _PAD
            target = self.go[i]
            if not _wait_change(self.done, i, target - 1, SPIN) and self.done[i] != target:
                self.caller_sleeps[w] = True
                while self.done[i] != target:
                    self.finished[w].wait(0.001)
                    self.finished[w].clear()
                self.caller_sleeps[w] = False
            if self.errors[w] is not None and error is None:
                error = self.errors[w]
            self.errors[w] = None
        if error is not None:
            raise error


def _team():
    """The process's worker threads (created on first use, again after a fork)."""
    global _TEAM, _TEAM_PID
    if _TEAM is None or _TEAM_PID != os.getpid():
        with _TEAM_LOCK:
            if _TEAM is None or _TEAM_PID != os.getpid():
                _TEAM = _Team(max(1, numba.config.NUMBA_NUM_THREADS - 1))
                _TEAM_PID = os.getpid()
    return _TEAM


#: Below this many elements of work (e.g. (sample, neuron) pairs), handing a kernel's
#: blocks to other threads costs more than it saves (a hand-over costs 6 us to 20 us,
#: the PID kernel's work on about 300 to 1,000 pairs); the blocks, hence the results,
#: are the same either way. 2048: the readout's 10 neurons from a batch of 205.
MIN_WORK_PER_THREAD = 2048


#: Multiply-adds from which a product's row blocks go to the threads.
MIN_PRODUCT_WORK = 2_000_000
#: Elements from which an elementwise pass (conversion, gather, optimiser) does.
MIN_ELEMENTWISE_WORK = 8192


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

    The calling thread takes the first share; the others go to the team's workers.
    Blocks are dealt out in contiguous runs (a thread's blocks are neighbours in
    memory), not claimed one by one: a thread that finishes a block and asks for the
    GIL while the other holds it sleeps, and can lose the GIL again and again to a
    thread that keeps running (measured: the worker often started only once the caller
    had claimed every block).
    """
    threads = n_threads() if threads is None else threads
    threads = min(threads, len(bounds))
    if threads <= 1:
        for lo, hi in bounds:
            function(lo, hi)
        return
    team = _team()
    threads = min(threads, team.n_workers + 1)
    if not team.busy.acquire(blocking=False):  # another caller's, or nested: run here
        _run_share(function, bounds)
        return
    try:
        team.run(function, [bounds[t * len(bounds) // threads:(t + 1) * len(bounds) // threads]
                            for t in range(threads)])
    finally:
        team.busy.release()


def run_elementwise(function, n, threads):
    """Call ``function(lo, hi)`` on one contiguous range of range(n) per thread.

    Only for work whose every element is computed alone (conversions, gathers, the
    optimiser's update): such results cannot depend on the ranges, so each thread
    makes one call (one hand-over of the GIL) instead of one per block.
    """
    run(function, blocks(n, 1, threads), threads)


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

    # Below ~2M multiply-adds (~50 us) a product is not worth a hand-over (~20 us).
    threads = n_threads() if a.size * b.shape[1] >= MIN_PRODUCT_WORK else 1
    run(block, blocks(rows), threads)
    return out
