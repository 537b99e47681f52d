"""One training epoch, and the data it runs on.

:class:`TrainingData` is what a fit trains on: the (validated) rows, their one-hot
labels, label indices and sample weights, with the early-stopping validation rows set
apart once. :func:`run_epoch` trains a network on one shuffled pass of mini-batches
and returns an :class:`EpochResult`: the outcome (completed, diverged, interrupted),
the size-weighted PID records of the epoch and, for a network with a readout, the
readout's firing probabilities of every row as it was trained. The epoch knows
nothing of stopping rules, snapshots or estimators.
"""

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ._bad_input import trainable
from ._engine._float32 import gather_float32, max_abs

COMPLETED, DIVERGED, INTERRUPTED = "completed", "diverged", "interrupted"
#: The epoch met a row holding NaN, infinity or a value beyond float32 and stopped
#: before training on it.
NON_FINITE_INPUT = "non-finite input"


@dataclass
class TrainingData:
    """The training rows of a fit (validation rows set apart) and how to batch them.

    ``onehot``, ``y_idx``, ``weights`` may be None (no labels / unweighted). ``val``:
    (X, y_idx, weights) of the early-stopping rows, or None.
    """

    X: object
    onehot: object
    y_idx: object
    weights: object
    val: object = None

    @classmethod
    def prepare(cls, X, y_idx, n_classes, weights, rng=None, validation_fraction=None):
        """The fit's data; with ``validation_fraction``, a random share of the rows
        (drawn from ``rng``) is set apart for early stopping."""
        onehot = np.eye(n_classes)[y_idx] if y_idx is not None else None
        if validation_fraction is None:
            return cls(X, onehot, y_idx, weights)
        n_samples = X.shape[0]
        n_val = max(1, int(round(validation_fraction * n_samples)))
        if n_samples - n_val < 2:
            raise ValueError(
                f"validation_fraction={validation_fraction} leaves fewer than 2 training "
                f"samples out of {n_samples}; lower it or set early_stopping=False."
            )
        order = rng.permutation(n_samples)
        val, train = order[:n_val], order[n_val:]
        return cls(X[train], _take(onehot, train), _take(y_idx, train), _take(weights, train),
                   val=(X[val], _take(y_idx, val), _take(weights, val)))

    @property
    def n_samples(self):
        return self.X.shape[0]

    def max_abs_val(self):
        """Largest |x| of the validation rows (0 without them)."""
        return 0.0 if self.val is None else max_abs(self.val[0])


def _take(a, rows):
    return None if a is None else a[rows]


@dataclass
class EpochResult:
    """What one epoch did.

    ``means``: the size-weighted per-layer PID records (:class:`EpochMeans`) of a
    completed epoch; ``order``: the row order it ran in; ``theta``: the readout's firing
    probabilities of the rows in that order (uninverted, before each batch's update;
    None without a readout); ``rows_max``: the largest |x| of the rows gathered
    (None when the batches were not gathered as float32); ``seconds``: wall time.
    The fit loop adds ``goals`` (mean goal per neuron of each layer) and the epoch-end
    hook ``flip`` (the readout neurons inverted after this epoch, or None).
    """

    outcome: str
    means: object = None
    order: object = None
    theta: object = None
    rows_max: object = None
    seconds: float = 0.0
    goals: object = None
    flip: object = None

    @property
    def completed(self):
        return self.outcome == COMPLETED

    @property
    def total_goal(self):
        """The summed goal of the layers: what the goal stopping rule watches."""
        return float(np.sum(self.goals))


def run_epoch(network, data, batch, rng, shuffle=True, theta=None):
    """One pass of mini-batches over ``data``, training ``network``.

    ``theta``, a (n_samples, readout_size) buffer or None, receives the readout's
    firing probabilities. A batch whose goals or weights are no longer finite ends the
    epoch as diverged; a KeyboardInterrupt as interrupted; a gathered batch holding
    NaN or infinity, before training on it, as non-finite input (with that batch's
    largest |x| as ``rows_max``). The caller rolls back.
    """
    start = time.perf_counter()
    n_samples = data.n_samples
    dtype = network.input_dtype
    # float32 batches of dense X are gathered and converted in one pass, which also
    # finds the largest |x| of the rows (no float32 copy of X, no pass for it).
    gather = dtype == np.float32 and not sparse.issparse(data.X)
    rows_max = 0.0 if gather else None
    try:
        order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
        means = EpochMeans()
        for lo in range(0, n_samples, batch):
            idx = order[lo:lo + batch]
            if gather:
                # The gather reads every value of the rows: it is the fit's check for
                # NaN and infinity in dense X (no separate pass before training).
                x_batch, top = gather_float32(data.X, idx)
                if not trainable(top):
                    return EpochResult(NON_FINITE_INPUT, rows_max=top,
                                       seconds=time.perf_counter() - start)
                rows_max = max(rows_max, top)
            else:
                x_batch = dense_rows(data.X, idx, dtype)
            results = network.train_batch(
                x_batch, None if data.onehot is None else data.onehot[idx], rng,
                readout_theta=None if theta is None else theta[lo:lo + batch],
                sample_weight=_take(data.weights, idx),
            )
            if not _finite(network, results):
                return EpochResult(DIVERGED, seconds=time.perf_counter() - start)
            means.add(results, len(idx))
    except KeyboardInterrupt:
        return EpochResult(INTERRUPTED, seconds=time.perf_counter() - start)
    return EpochResult(COMPLETED, means, order, theta, rows_max, time.perf_counter() - start)


def _finite(network, results):
    """Whether the batch's goals and every weight are still finite."""
    return results.goals_finite() and network.all_finite()


def evaluate(network, X, onehot, batch, rng, on_batch=None, sample_weight=None):
    """:class:`EpochMeans` of the per-layer PID on X in mini-batches, without learning.

    ``on_batch(samples, n_rows)``, when given, receives every batch's per-layer
    (bins, theta) (see ``Network.train_batch``).
    """
    n_samples = X.shape[0]
    means = EpochMeans()
    for lo in range(0, n_samples, batch):
        sl = slice(lo, lo + batch)
        samples = None if on_batch is None else []
        results = network.train_batch(
            dense_rows(X, sl), None if onehot is None else onehot[sl], rng, update=False,
            samples=samples, sample_weight=_take(sample_weight, sl),
        )
        means.add(results, min(batch, n_samples - lo))
        if on_batch is not None:
            on_batch(samples, min(batch, n_samples - lo))
    return means


class EpochMeans:
    """Size-weighted means over mini-batches of the per-layer (atoms, h_res, goal).

    Keeps the running weighted sums; an epoch of a single batch is that batch's
    values exactly (no multiply-then-divide rounding).
    """

    def __init__(self):
        self.sums = None
        self.single = None
        self.n_samples = 0
        self.n_batches = 0

    def add(self, results, weight):
        self.single = results if self.n_batches == 0 else None
        if self.sums is None:
            self.sums = [(a * weight, h * weight, g * weight) for a, h, g in results]
        else:
            self.sums = [
                (sa + a * weight, sh + h * weight, sg + g * weight)
                for (sa, sh, sg), (a, h, g) in zip(self.sums, results)
            ]
        self.n_samples += weight
        self.n_batches += 1

    def layers(self):
        """Per layer (atoms (N, n_atoms), h_res (N,), mean goal per neuron)."""
        if self.single is not None:
            return [(a, h, g.mean()) for a, h, g in self.single]
        n = self.n_samples
        return [(a / n, h / n, g.mean() / n) for a, h, g in self.sums]


def dense_rows(X, rows, dtype=np.float64):
    """Rows of X as a dense C-contiguous array of ``dtype`` (the engine's input)."""
    block = X[rows]
    if sparse.issparse(block):
        block = block.toarray()
    return np.ascontiguousarray(block, dtype=dtype)
