"""One training epoch on MNIST next to its floor: the matrix products alone.

Usage::

    python benchmarks/bench_epoch.py --data /path/to/mnist            # batch 1024 and 256
    python benchmarks/bench_epoch.py --data DIR --quick                # ~1 minute
    python benchmarks/bench_epoch.py --data DIR --scaling              # N and batch size
    python benchmarks/bench_epoch.py --data DIR --threads-table        # 1, 2 (8, 16) threads
    python benchmarks/bench_epoch.py --data DIR --rss                  # peak memory, N=2000
    python benchmarks/bench_epoch.py --data DIR --fixed                # fit beyond its epochs

An epoch is what ``fit`` does per epoch: a shuffled pass over the 60,000 training
images in mini-batches (rows gathered from the data, which fit keeps in float32
for training, one-hot labels), each
trained by the network of an ``InfomorphicClassifier`` (N hidden neurons + 10
readout neurons). The setups are F+C, F+L and F+C+L (two lateral steps).

The floor, measured in the same process and with the same number of threads, is
the time of the matrix products of the same shapes alone, on every batch of the
epoch: the potentials of every source and recurrent step (x W_F, onehot W_C,
y W_L, readout) and the weight gradients (x^T delta, ...), in float32 like the
engine, the faster of one multi-threaded BLAS call and the engine's row blocks.
Targets: epoch <= 2 x floor at batch 1024, <= 3 x at batch 256 (one run gives both).
The breakdown shows where the rest of the time goes; "activation, binning, PID +
gradient, sampling" is one fused kernel per layer.

``--fixed`` times what users wait for beyond the epochs, inside each call (see
:func:`main_fixed`): the fixed cost of ``fit`` (validation, records, readout flip,
finiteness check; target <= 10 % of one epoch), ``partial_fit`` on a 20,000-row chunk
(target <= 1.2 x its training pass) and what ``verbose=True`` adds (target <= 5 % of
an epoch). ``--rss`` also gives the peak memory of an F+C fit on float32 and float64
data.

Measurements on shared cores are noisy: compare the ratios of one run, and note
the load (printed with the machine line, and in the JSON written to ``--out``).
"""

import os
import subprocess
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from sklearn_infomorph import InfomorphicClassifier

import _common
from _common import N_CLASSES, blocked_product, gather_float32, limit_threads

SETUPS = ("FC", "FL", "FCL")


def load(data_dir):
    """z-scored MNIST training images (one global mean and std), labels."""
    X, y, _, _ = _common.zscored_mnist(data_dir)
    return X, y


def build(sources, n_hidden, batch, n_jobs, X, y, partners=None):
    """The network an InfomorphicClassifier trains on (X, y)."""
    # binning="fixed": what binning="auto" resolves to for a fit on the 60,000 images;
    # the network is built by a partial_fit on one batch, on which "auto" would choose
    # adaptive bins (fewer than 5,000 samples) and time a slower PID kernel.
    clf = InfomorphicClassifier(
        hidden_layer_sizes=(n_hidden,), sources=sources, batch_size=batch, random_state=0,
        n_jobs=n_jobs, lateral_connections=partners, binning="fixed",
    )
    return clf, _common.training_network(clf, X, y)


def epoch_batches(n_samples, batch, rng, max_batches=None):
    order = rng.permutation(n_samples)
    bounds = [order[lo:lo + batch] for lo in range(0, n_samples, batch)]
    return bounds if max_batches is None else bounds[:max_batches]


def time_epoch(net, X, onehot, batches, rng, phases=True):
    """Seconds for training on the given batches, and the time per phase."""
    gather = 0.0
    with _common.phase_times() as times:
        start = time.perf_counter()
        for idx in batches:
            t = time.perf_counter()
            x, _ = gather_float32(X, idx)  # as fit gathers a batch (on the threads)
            c = onehot[idx]
            gather += time.perf_counter() - t
            net.train_batch(x, c, rng)
        total = time.perf_counter() - start
    if not phases:
        times.clear()
    times["data (row gather)"] = gather
    return total, times


def floor_products(sources, n_hidden, batch_sizes, n_threads, partners=None, repeats=3):
    """Seconds of the epoch's matrix products alone (float32), best of ``repeats``."""
    rng = np.random.default_rng(1)
    d = 784
    f32 = np.float32
    W_F = rng.normal(size=(d, n_hidden)).astype(f32)
    W_C = rng.normal(size=(N_CLASSES, n_hidden)).astype(f32)
    # Sparse lateral input: the same number of multiply-adds as partners x N.
    width = n_hidden if partners is None else min(n_hidden, partners)
    W_L = rng.normal(size=(width, n_hidden)).astype(f32)
    W_R = rng.normal(size=(n_hidden, N_CLASSES)).astype(f32)
    data = {}
    for b in set(batch_sizes):
        data[b] = dict(
            x=rng.normal(size=(b, d)).astype(f32),
            c=np.eye(N_CLASSES, dtype=f32)[rng.integers(0, N_CLASSES, b)],
            y=np.sign(rng.normal(size=(b, n_hidden))).astype(f32),
            yl=np.sign(rng.normal(size=(b, width))).astype(f32),
            delta=rng.normal(size=(b, n_hidden)).astype(f32),
            delta_r=rng.normal(size=(b, N_CLASSES)).astype(f32),
        )

    def products(mm, mm_tn):
        for b in batch_sizes:
            a = data[b]
            mm(a["x"], W_F)
            mm_tn(a["x"], a["delta"])
            if "C" in sources:
                mm(a["c"], W_C)
                mm_tn(a["c"], a["delta"])
            if "L" in sources:
                mm(a["yl"], W_L)
                mm_tn(a["yl"], a["delta"])
            mm(a["y"], W_R)
            mm_tn(a["y"], a["delta_r"])

    best = np.inf
    with limit_threads(n_threads):
        for _ in range(repeats):
            with threadpool_limits(limits=n_threads, user_api="blas"):
                t = time.perf_counter()
                products(lambda a, b: a @ b, lambda a, b: a.T @ b)
                best = min(best, time.perf_counter() - t)
            t = time.perf_counter()
            products(blocked_product, lambda a, b: blocked_product(a, b, transpose_a=True))
            best = min(best, time.perf_counter() - t)
    return best


def run_setup(sources, X, onehot, n_hidden, batch, n_jobs, max_batches=None, partners=None):
    """(epoch seconds, floor seconds, phases, n_batches, extrapolation factor)."""
    rng = np.random.default_rng(0)
    _, net = build(sources, n_hidden, batch, n_jobs, X, onehot.argmax(axis=1), partners)
    batches = epoch_batches(X.shape[0], batch, rng, max_batches)
    full = -(-X.shape[0] // batch)
    factor = full / len(batches)
    with limit_threads(n_jobs):
        net.train_batch(X[batches[0]], onehot[batches[0]], rng)  # compile / warm up
        seconds, phases = time_epoch(net, X, onehot, batches, rng)
    floor = floor_products(sources, n_hidden, [len(b) for b in batches], n_jobs, partners)
    return seconds * factor, floor * factor, {k: v * factor for k, v in phases.items()}, factor


def print_breakdown(name, epoch, phases):
    print(f"  {name}: {epoch:.3f} s per epoch")
    accounted = 0.0
    for phase, seconds in sorted(phases.items(), key=lambda kv: -kv[1]):
        accounted += seconds
        print(f"    {phase:<50s} {seconds:7.3f} s  {100 * seconds / epoch:5.1f} %")
    print(f"    {'other (Python glue, PID summaries, readout glue)':<50s} "
          f"{epoch - accounted:7.3f} s  {100 * (epoch - accounted) / epoch:5.1f} %")


def main_table(args, X, onehot):
    n_threads = args.threads
    max_batches = args.max_batches or (12 if args.quick else None)
    note = f" (extrapolated from {max_batches} batches)" if max_batches else ""
    batches = [args.batch] if args.batch else [1024, 256]
    targets = {1024: 2, 256: 3}
    rows = []
    print(f"MNIST 60,000 images, batch {' and '.join(map(str, batches))}, N = {args.hidden}, "
          f"{n_threads} thread(s){note}")
    for batch in batches:
        for sources in SETUPS:
            epoch, floor, phases, _ = run_setup(
                sources, X, onehot, args.hidden, batch, n_threads, max_batches
            )
            rows.append((sources, batch, epoch, floor, phases))
            print_breakdown(f"{sources}, batch {batch}", epoch, phases)
    one = {}
    if n_threads > 1:
        for sources, batch, _, _, _ in rows:
            one[sources, batch] = run_setup(
                sources, X, onehot, args.hidden, batch, 1, max_batches
            )[:2]
    print()
    print(f"| setup | batch | epoch s ({n_threads} thr) | floor s | epoch / floor | target |"
          + (" epoch s (1 thr) | floor s (1 thr) | speed-up 2 vs 1 thr |" if one else ""))
    print("|---|---|---|---|---|---|" + ("---|---|---|" if one else ""))
    results = []
    for sources, batch, epoch, floor, phases in rows:
        limit = targets.get(batch, 2)
        line = (f"| {'F+' + '+'.join(sources[1:])} | {batch} | {epoch:.3f} | {floor:.3f} | "
                f"{epoch / floor:.2f} | <= {limit}: "
                f"{'met' if epoch <= limit * floor else 'missed'} |")
        e1, f1 = one.get((sources, batch), (None, None))
        if one:
            line += f" {e1:.3f} | {f1:.3f} | {e1 / epoch:.2f}x |"
        print(line)
        results.append({"sources": sources, "batch": batch, "threads": n_threads,
                        "epoch_seconds": epoch, "floor_seconds": floor,
                        "phases_seconds": phases, "epoch_seconds_1_thread": e1,
                        "floor_seconds_1_thread": f1})
    worst = {batch: max(e / f for _, b, e, f, _ in rows if b == batch) for batch in batches}
    summary = "summary: worst epoch / floor " + ", ".join(
        f"{worst[batch]:.2f} at batch {batch} (target <= {targets.get(batch, 2)})"
        for batch in batches)
    if one:
        speedups = [one[s, b][0] / e for s, b, e, _, _ in rows]
        summary += (f"; {n_threads} vs 1 thread speed-up {min(speedups):.2f}x to "
                    f"{max(speedups):.2f}x (target >= 1.6x)")
    print(summary)
    return {"table": results, "worst_epoch_over_floor": worst}


def _phase_blocks(phase, n_hidden):
    """Threads a phase can use at most, as the engine cuts its work: products in at
    most ``_common.MAX_PRODUCT_BLOCKS`` row blocks (fixed by the shape, for results
    independent of the thread count), the neuron kernels in one run of neurons per
    thread (up to N), the row gather and the optimiser in one range per thread;
    "other" (Python glue, the readout's products below the thresholds) runs in the
    calling thread."""
    if phase.startswith(("activation", "first step")):
        return n_hidden
    if phase.startswith(("data", "optimiser")):
        return np.inf
    if phase.startswith("other"):
        return 1
    return _common.MAX_PRODUCT_BLOCKS


def _amdahl(t1, t2, threads, blocks):
    """Predicted seconds of a phase on ``threads`` threads from its seconds on 1 and 2:
    the share ``s = 2 t2 / t1 - 1`` that did not halve on two threads (in [0, 1]) stays,
    the rest divides over ``min(threads, blocks)`` threads."""
    if t1 <= 0:
        return t2
    serial = min(1.0, max(0.0, 2.0 * t2 / t1 - 1.0))
    return t1 * (serial + (1.0 - serial) / min(threads, blocks))


def interleaved_epochs(sources, X, onehot, n_hidden, batch, thread_counts, max_batches,
                       repeats):
    """threads -> (epoch seconds, phases) of the fastest of ``repeats`` passes over the
    same batches, the thread counts taking turns on one network (so that a change of
    the machine's speed during the run touches every count alike)."""
    rng = np.random.default_rng(0)
    _, net = build(sources, n_hidden, batch, thread_counts[0], X, onehot.argmax(axis=1))
    batches = epoch_batches(X.shape[0], batch, rng, max_batches)
    factor = -(-X.shape[0] // batch) / len(batches)
    best = {}
    for _ in range(repeats):
        for threads in thread_counts:
            with limit_threads(threads):
                net.train_batch(X[batches[0]], onehot[batches[0]], rng)  # warm up
                seconds, phases = time_epoch(net, X, onehot, batches, rng)
            if threads not in best or seconds * factor < best[threads][0]:
                phases = {k: v * factor for k, v in phases.items()}
                phases["other (Python glue, PID summaries, readout)"] = max(
                    0.0, seconds * factor - sum(phases.values()))
                best[threads] = (seconds * factor, phases)
    return best


def main_threads_table(args, X, onehot):
    """1 and ``--threads`` threads measured phase by phase in one run; 8 and 16 predicted."""
    max_batches = args.max_batches or (12 if args.quick else None)
    batches = [args.batch] if args.batch else [1024, 256]
    n = args.threads
    print(f"Thread scaling, MNIST 60,000 images, N = {args.hidden} + 10 readout"
          + (f" (extrapolated from {max_batches} batches)" if max_batches else "")
          + f"; 1 and {n} threads measured, 8 and 16 predicted (Amdahl per phase: the "
          f"share s = 2 t{n} / t1 - 1 of a phase that did not halve on {n} threads stays "
          "serial, the rest divides over min(threads, the phase's blocks); hand-over "
          f"costs growing with the thread count are not modelled); best of {args.repeats} "
          "interleaved passes")
    table = []
    for batch in batches:
        for sources in SETUPS:
            runs = interleaved_epochs(sources, X, onehot, args.hidden, batch, (1, n),
                                      max_batches, args.repeats)
            (e1, p1), (e2, p2) = runs[1], runs[n]
            predicted = {
                k: sum(_amdahl(p1[ph], p2.get(ph, 0.0), k, _phase_blocks(ph, args.hidden))
                       for ph in p1)
                for k in (8, 16)
            } if n == 2 else {}
            name = f"{'F+' + '+'.join(sources[1:])}, batch {batch}"
            print(f"  {name}: phase | 1 thr s | {n} thr s | speed-up | serial share")
            for ph in sorted(p1, key=lambda q: -p1[q]):
                t1, t2 = p1[ph], p2.get(ph, 0.0)
                serial = min(1.0, max(0.0, 2.0 * t2 / t1 - 1.0)) if t1 > 0 else 0.0
                print(f"    {ph:<48s} {t1:7.3f} {t2:7.3f} {t1 / max(t2, 1e-12):6.2f}x "
                      f"{serial:6.2f}")
            table.append({"sources": sources, "batch": batch, "epoch_seconds": {1: e1, n: e2},
                          "phases_seconds": {1: p1, n: p2},
                          "predicted_epoch_seconds": predicted})
    print()
    print(f"| setup | batch | 1 thr s | {n} thr s | {n} vs 1 | 8 thr s (predicted) | "
          "8 vs 1 | 16 thr s (predicted) | 16 vs 1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in table:
        e1, e2 = row["epoch_seconds"][1], row["epoch_seconds"][n]
        pred = row["predicted_epoch_seconds"]
        cells = " | ".join(f"{pred[k]:.3f} | {e1 / pred[k]:.2f}x" for k in sorted(pred))
        print(f"| {'F+' + '+'.join(row['sources'][1:])} | {row['batch']} | {e1:.3f} | "
              f"{e2:.3f} | {e1 / e2:.2f}x | {cells or '- | - | - | -'} |")
    speedups = [r["epoch_seconds"][1] / r["epoch_seconds"][n] for r in table]
    print(f"summary: {n} vs 1 thread speed-up {min(speedups):.2f}x to {max(speedups):.2f}x "
          "(target >= 1.7x)")
    return {"threads_table": table}


def main_scaling(args, X, onehot):
    print(f"Scaling, F+C+L, {args.threads} thread(s); times per epoch of 60,000 images "
          "extrapolated from the first batches (count given)")
    print("| N | lateral partners | batch | batches timed | epoch s | floor s | epoch / floor |")
    print("|---|---|---|---|---|---|---|")
    ratios, table = [], []
    configs = [(100, None, b) for b in (256, 1024, 4096)] + [(500, 100, 1024), (2000, 100, 1024)]
    if args.quick:
        configs = [(100, None, 256), (100, None, 1024), (500, 100, 1024), (2000, 100, 1024)]
    for n_hidden, partners, batch in configs:
        n_batches = max(2, min(16, 16384 // batch)) if n_hidden <= 500 else 3
        epoch, floor, _, factor = run_setup(
            "FCL", X, onehot, n_hidden, batch, args.threads, n_batches, partners
        )
        ratios.append(epoch / floor)
        table.append({"n_hidden": n_hidden, "lateral_partners": partners, "batch": batch,
                      "batches_timed": n_batches, "epoch_seconds": epoch,
                      "floor_seconds": floor})
        print(f"| {n_hidden} | {partners or 'all'} | {batch} | {n_batches} | {epoch:.2f} | "
              f"{floor:.2f} | {epoch / floor:.2f} |")
    print(f"summary: epoch / floor from {min(ratios):.2f} to {max(ratios):.2f} "
          f"(grows no faster than the floor if this range stays flat)")
    return {"scaling": table}


_RSS_CHILD = """
import sys, numpy as np, resource
sys.path.insert(0, {here!r})
import bench_epoch as be
X, y = be.load({data!r})
onehot = np.eye(10)[y]
with open("/proc/self/status") as fh:
    base = [int(l.split()[1]) for l in fh if l.startswith("VmRSS")][0] / 1024
try:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak RSS (VmHWM) to the current RSS
    reset = True
except OSError:
    reset = False
_, net = be.build("FCL", 2000, 1024, {threads}, X, y, 100)
rng = np.random.default_rng(0)
with be.limit_threads({threads}):
    for idx in be.epoch_batches(X.shape[0], 1024, rng, {batches}):
        net.train_batch(X[idx], onehot[idx], rng)
with open("/proc/self/status") as fh:
    hwm = [int(l.split()[1]) for l in fh if l.startswith("VmHWM")][0] / 1024
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(base, hwm if reset else float("nan"), peak)
"""


_RSS_FIT_CHILD = """
import sys, warnings, numpy as np
sys.path.insert(0, {here!r})
import _common
from sklearn_infomorph import InfomorphicClassifier
warnings.simplefilter("ignore")
def status(key):
    with open("/proc/self/status") as fh:
        return [int(l.split()[1]) for l in fh if l.startswith(key)][0] / 1024
X, y = _common.zscored_mnist_train({data!r}, np.{dtype})
loading = status("VmHWM")  # z-scoring makes a temporary as large as X
base = status("VmRSS")
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # reset the peak (VmHWM) to the current RSS: the fit's own peak below
InfomorphicClassifier(sources="FC", batch_size=1024, max_iter=1, random_state=0,
                      n_jobs={threads}).fit(X, y)
print(loading, base, status("VmHWM"))
"""


def rss_of_fc_fit(args, dtype):
    """(peak MiB while loading, MiB after loading the data, peak MiB during the fit) of
    a process fitting F+C on MNIST."""
    code = _RSS_FIT_CHILD.format(here=os.path.dirname(os.path.abspath(__file__)),
                                 data=args.data, threads=args.threads, dtype=dtype)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return tuple(map(float, out.stdout.split()[-3:]))


def main_rss(args):
    code = _RSS_CHILD.format(here=os.path.dirname(os.path.abspath(__file__)), data=args.data,
                             threads=args.threads, batches=3 if args.quick else 8)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    base, hwm, peak = map(float, out.stdout.split()[-3:])
    print(f"Peak RSS, F+C+L, N = 2000, 100 lateral partners, batch 1024 (subprocess, "
          f"getrusage): {peak:.0f} MiB for the whole process, of which {base:.0f} MiB before "
          f"training (interpreter, libraries, float64 MNIST arrays); peak during training "
          f"{hwm:.0f} MiB "
          f"(training adds {hwm - base:.0f} MiB)")
    print(f"summary: peak RSS {peak:.0f} MiB (target <= 1024 MiB): "
          f"{'met' if peak <= 1024 else 'missed'}")
    fc_fit = {}
    for dtype in ("float32", "float64"):
        loading, before, fit_peak = rss_of_fc_fit(args, dtype)
        fc_fit[dtype] = {"loading_peak": loading, "before_fit": before, "fit_peak": fit_peak}
        print(f"Peak RSS of an F+C fit (N = 100, batch 1024, one epoch) on the 60,000 MNIST "
              f"training images loaded as {dtype} (subprocess, VmHWM reset after loading): "
              f"{fit_peak:.0f} MiB ({fit_peak * 1.048576:.0f} MB), {before:.0f} MiB before the "
              f"fit (interpreter, libraries, data); loading and z-scoring peaked at "
              f"{loading:.0f} MiB")
    return {"rss_mib": {"process_peak": peak, "before_training": base,
                        "peak_during_training": hwm, "fc_fit": fc_fit}}


class _Clock:
    """Wall and CPU (all threads of the process) seconds spent inside a method."""

    def __init__(self, owner, name):
        self.owner, self.name = owner, name
        self.original = getattr(owner, name, None)  # None: not in this version, 0 s
        self.wall = self.cpu = 0.0

    def __enter__(self):
        original, clock = self.original, self
        if original is None:
            return self

        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                clock.wall += time.perf_counter() - wall
                clock.cpu += time.process_time() - cpu

        setattr(self.owner, self.name, timed)
        return self

    def __exit__(self, *exc):
        if self.original is not None:
            setattr(self.owner, self.name, self.original)


def _timed(function):
    """(result, wall seconds, CPU seconds of the process) of function()."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = function()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main_fixed(args, X, y):
    """Fixed cost of fit, partial_fit on a chunk and verbose, measured inside each call.

    Each call is timed as a whole and, in the same call, the time spent in its
    training epochs (``_epoch.run_epoch``: batches gathered and trained, the epoch's
    PID sums; everything else of the fit loop, e.g. snapshots, records, the readout
    decision and the stopping rule, counts as fixed cost) and in the
    network's training steps alone (``Network.train_batch``), so that the ratios do
    not depend on how the load of a shared machine changes between runs. CPU time
    (all threads) is printed next to wall time: it is the steadier of the two when
    other processes share the cores.
    """
    import contextlib
    import io
    import warnings

    from sklearn_infomorph import _training

    from _common import InfomorphicBase, Network

    warnings.simplefilter("ignore")
    chunk = 20_000
    batch = args.batch or 1024
    print(f"Fixed costs, MNIST 60,000 images (float64 X as users pass it), batch "
          f"{batch}, N = {args.hidden}, {args.threads} thread(s). Seconds wall / CPU; "
          f"fit: the fastest of {args.repeats} calls, its fixed cost the smallest of them.")
    print("| setup | fit(max_iter=1) | its epoch | fixed = fit - epoch | fixed / epoch "
          "CPU / wall (target <= 0.10) | partial_fit 20k rows | its training pass (epoch "
          "loop) | its "
          "training steps alone | partial_fit / pass (target <= 1.2) | verbose: accuracy "
          "+ print / epoch (target <= 0.05) | flip = pass over X |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    worst = [0.0, 0.0, 0.0, 0.0]
    table = []

    def pair(wall, cpu):
        return f"{wall:.3f} / {cpu:.3f}"

    for sources in SETUPS:
        def make(**params):
            return InfomorphicClassifier(
                hidden_layer_sizes=(args.hidden,), sources=sources, batch_size=batch,
                random_state=0, n_jobs=args.threads, tol=0.0, **params)

        make(max_iter=1).fit(X[:3000], y[:3000])  # compile
        # Each call's epoch and the rest of it are measured in that call; on a shared
        # machine either can be slowed, hence the fastest epoch and the smallest rest.
        calls = []
        for _ in range(args.repeats):
            with _Clock(_training, "run_epoch") as epochs:
                clf, fit_wall, fit_cpu = _timed(lambda: make(max_iter=1).fit(X, y))
            calls.append((fit_wall, fit_cpu, epochs.wall, epochs.cpu))
        fit_wall, fit_cpu = min(c[0] for c in calls), min(c[1] for c in calls)
        epoch_wall, epoch_cpu = min(c[2] for c in calls), min(c[3] for c in calls)
        fixed = (min(c[0] - c[2] for c in calls), min(c[1] - c[3] for c in calls))
        ratio_fixed = fixed[1] / epoch_cpu
        ratio_fixed_wall = fixed[0] / epoch_wall

        part = make()
        part.partial_fit(X[:batch], y[:batch], classes=np.arange(N_CLASSES))
        with _Clock(Network, "train_batch") as steps, \
                _Clock(_training, "run_epoch") as part_epoch:
            _, part_wall, part_cpu = _timed(lambda: part.partial_fit(X[:chunk], y[:chunk]))
        ratio_part = part_cpu / part_epoch.cpu

        # What verbose adds per epoch: the running training accuracy from the epoch's
        # readout probabilities (timed on arrays of their shape) and the printed line.
        with _Clock(_training, "run_epoch") as loud_epochs, \
                _Clock(InfomorphicBase, "_print_epoch") as printing, \
                contextlib.redirect_stdout(io.StringIO()):
            make(max_iter=1, verbose=True).fit(X, y)
        theta, flip = np.random.default_rng(0).random((len(y), N_CLASSES)), np.arange(10) < 5
        _, _, accuracy_cpu = _timed(
            lambda: np.mean(np.where(flip, 1.0 - theta, theta).argmax(axis=1) == y))
        ratio_verbose = (accuracy_cpu + printing.cpu) / loud_epochs.cpu

        same = bool(np.array_equal(clf.readout_flip_,
                                   _common.readout_flip_from_a_pass(clf, X, y)))
        row = (ratio_fixed, ratio_part, ratio_verbose, ratio_fixed_wall)
        worst = [max(w, r) for w, r in zip(worst, row)]
        print(f"| {'F+' + '+'.join(sources[1:])} | {pair(fit_wall, fit_cpu)} | "
              f"{pair(epoch_wall, epoch_cpu)} | {pair(*fixed)} | {ratio_fixed:.3f} / "
              f"{ratio_fixed_wall:.3f} | "
              f"{pair(part_wall, part_cpu)} | {pair(part_epoch.wall, part_epoch.cpu)} | "
              f"{pair(steps.wall, steps.cpu)} | {ratio_part:.2f} | {ratio_verbose:.4f} | "
              f"{'yes' if same else 'NO'} |")
        table.append({"sources": sources, "fit_1_epoch_wall_cpu": [fit_wall, fit_cpu],
                      "epoch_wall_cpu": [epoch_wall, epoch_cpu], "fixed_wall_cpu": fixed,
                      "fixed_over_epoch_cpu": ratio_fixed,
                      "fixed_over_epoch_wall": ratio_fixed_wall,
                      "partial_fit_wall_cpu": [part_wall, part_cpu],
                      "partial_fit_pass_wall_cpu": [part_epoch.wall, part_epoch.cpu],
                      "partial_fit_over_pass_cpu": ratio_part,
                      "verbose_adds_over_epoch_cpu": ratio_verbose,
                      "flip_equals_pass_over_X": same})
    print(f"summary: worst fixed / epoch {worst[0]:.3f} CPU, {worst[3]:.3f} wall (target "
          f"<= 0.10); CPU time ratios: "
          f"partial_fit / training pass {worst[1]:.2f} (<= 1.2), verbose adds "
          f"{worst[2]:.4f} of an epoch (<= 0.05)")
    return {"fixed_costs": table}


def main():
    parser = _common.parser(__doc__, "bench_epoch", data=True)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--batch", type=int, default=None,
                        help="one batch size (default: the table at 1024 and 256; 1024 "
                             "for --fixed and --scaling's reference)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="fewer batches, extrapolated")
    parser.add_argument("--max-batches", type=int, default=None,
                        help="time the first MAX_BATCHES batches of each epoch and "
                             "extrapolate to the epoch (--quick: 12)")
    parser.add_argument("--scaling", action="store_true", help="N and batch-size scaling")
    parser.add_argument("--repeats", type=int, default=3,
                        help="--threads-table: passes per thread count, interleaved; the "
                             "fastest counts")
    parser.add_argument("--threads-table", action="store_true",
                        help="phases on 1 and --threads threads side by side, 8 and 16 "
                             "threads predicted from them")
    parser.add_argument("--rss", action="store_true",
                        help="peak memory of an F+C fit and of N = 2000 training")
    parser.add_argument("--fixed", action="store_true",
                        help="fixed cost of fit, partial_fit on a chunk, verbose overhead")
    parser.add_argument("--float64-data", action="store_true",
                        help="gather batches from float64 images (fit converts to float32 "
                             "once before training)")
    args = parser.parse_args()
    machine = _common.machine_info()
    print(_common.machine_line(machine))
    if args.rss:
        results = main_rss(args)
    else:
        X, y = load(args.data)
        if args.fixed:
            results = main_fixed(args, X, y)
        else:
            if not args.float64_data:
                X = X.astype(np.float32)
            onehot = np.eye(N_CLASSES)[y]
            if args.scaling:
                results = main_scaling(args, X, onehot)
            elif args.threads_table:
                results = main_threads_table(args, X, onehot)
            else:
                results = main_table(args, X, onehot)
    _common.write_results(args.out, "bench_epoch", args, results, machine)


if __name__ == "__main__":
    main()
