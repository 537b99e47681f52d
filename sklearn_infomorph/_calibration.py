"""The classifier's readout decision: which readout neurons are inverted, and each
neuron's firing probability calibrated to its class.

Every readout neuron is trained on its own goal (one versus the rest), so the neurons'
firing probabilities are on different scales: a sharp neuron for an easy class and a
hesitant one for a class that lies between others (iris versicolor), or one that
learned nothing about a rare class, do not compare in an argmax. And information is
invariant to flipping a neuron's output, so a neuron may learn to fire for "not my
class".

Both are decided from :class:`ReadoutStats`, weighted sufficient statistics of the
readout's firing probabilities on training rows, which the fit loop collects from the
probabilities it computes anyway (the last epoch's batches, as trained; no pass over
X). They are sums, so the statistics of several ``partial_fit`` chunks merge by
addition, and they are plain arrays:

- per neuron k, the weighted sum of its firing probability and the weight over the
  rows of class k and over the other rows: the neuron is inverted when its mean on
  its own class is below its mean on the others (when either set is empty: when its
  overall mean is >= 0.5, the papers' rule);
- per neuron k, weighted histograms of its log-odds ``logit(theta_k)`` on
  ``_N_BINS`` bins of [-_Z_MAX, _Z_MAX], for the rows of class k and the others, with
  the weighted sum of the log-odds in each bin (so each bin's mean is exact).

Calibration (Platt scaling): a slope and intercept ``(a_k, b_k)`` per neuron so that
``sigmoid(a_k logit(theta_k) + b_k)`` estimates P(class k | x): a weighted logistic
regression of "is class k" on the neuron's (inverted where flipped) log-odds, each
bin's rows at its mean log-odds, with an L2 penalty ``a_k^2 / 2`` that keeps the
slope finite when the neuron separates its class perfectly. A neuron without
information gets the weighted share of its class, so an uninformative readout
predicts the (weighted) majority class. The calibrated probabilities, normalised over
the classes, are ``predict_proba``.
"""

from dataclasses import dataclass

import numpy as np

_THETA_CLIP = 1e-6
_Z_MAX = float(np.log1p(-_THETA_CLIP) - np.log(_THETA_CLIP))
_N_BINS = 256
_NEWTON_STEPS = 100


def log_odds(theta):
    """``logit(theta)``, theta clipped to [1e-6, 1 - 1e-6]."""
    t = np.clip(theta, _THETA_CLIP, 1.0 - _THETA_CLIP)
    return np.log(t) - np.log1p(-t)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass
class ReadoutStats:
    """Weighted sufficient statistics of the readout on training rows (see module).

    ``theta_sum``, ``weight``: (2, n_classes), own class then other classes.
    ``hist_weight``, ``hist_z``: (2, n_classes, _N_BINS), rows of the class then the
    others: weight and weighted log-odds sum per bin of the neuron's log-odds.
    """

    theta_sum: np.ndarray
    weight: np.ndarray
    hist_weight: np.ndarray
    hist_z: np.ndarray

    @classmethod
    def from_theta(cls, theta, y_idx, sample_weight=None, histograms=True):
        """Statistics of uninverted firing probabilities ``theta`` (n, n_classes) of
        rows of classes ``y_idx``; ``histograms=False`` leaves the histograms empty
        (zero)."""
        n, n_classes = theta.shape
        rows = np.arange(n)
        w = None if sample_weight is None else np.asarray(sample_weight, float)
        weights = np.ones(n) if w is None else w
        class_weight = np.bincount(y_idx, weights=weights, minlength=n_classes)
        own_theta = np.bincount(y_idx, weights=theta[rows, y_idx] * weights,
                                minlength=n_classes)
        theta_sum = np.stack([own_theta, weights @ theta - own_theta])
        weight = np.stack([class_weight, weights.sum() - class_weight])
        shape = (2, n_classes, _N_BINS)
        if not histograms:
            return cls(theta_sum, weight, np.zeros(shape), np.zeros(shape))
        z = log_odds(theta)
        # Flat cell of each (row, neuron): (0 own class / 1 other, neuron, bin).
        cell = ((z + _Z_MAX) * (_N_BINS / (2.0 * _Z_MAX))).astype(np.int64)
        np.clip(cell, 0, _N_BINS - 1, out=cell)
        cell += np.arange(n_classes) * _N_BINS + n_classes * _N_BINS
        cell[rows, y_idx] -= n_classes * _N_BINS
        cell = cell.ravel()
        size = 2 * n_classes * _N_BINS
        if w is None:
            hist_weight = np.bincount(cell, minlength=size).astype(np.float64)
            hist_z = np.bincount(cell, weights=z.ravel(), minlength=size)
        else:
            hist_weight = np.bincount(cell, weights=np.repeat(w, n_classes), minlength=size)
            hist_z = np.bincount(cell, weights=(z * w[:, None]).ravel(), minlength=size)
        return cls(theta_sum, weight, hist_weight.reshape(shape), hist_z.reshape(shape))

    def with_histograms_of(self, other):
        """These inversion sums with the histograms of ``other``."""
        return ReadoutStats(self.theta_sum, self.weight, other.hist_weight, other.hist_z)

    def __add__(self, other):
        return ReadoutStats(self.theta_sum + other.theta_sum, self.weight + other.weight,
                            self.hist_weight + other.hist_weight, self.hist_z + other.hist_z)

    def to_state(self):
        """A dict of plain arrays (:meth:`from_state` reads it back); the histograms
        as their occupied cells only (most of them are empty), so that a pickled
        classifier stays small."""
        cells = np.flatnonzero(self.hist_weight)
        return {"theta_sum": self.theta_sum, "weight": self.weight,
                "hist_shape": np.array(self.hist_weight.shape, dtype=np.int64),
                "hist_cells": cells.astype(np.int64),
                "hist_weight": self.hist_weight.ravel()[cells],
                "hist_z": self.hist_z.ravel()[cells]}

    @classmethod
    def from_state(cls, state):
        arrays = {key: np.asarray(value) for key, value in state.items()}
        hist_weight = np.zeros(int(np.prod(arrays["hist_shape"])))
        hist_z = np.zeros_like(hist_weight)
        hist_weight[arrays["hist_cells"]] = arrays["hist_weight"]
        hist_z[arrays["hist_cells"]] = arrays["hist_z"]
        shape = tuple(int(n) for n in arrays["hist_shape"])
        return cls(arrays["theta_sum"].astype(np.float64), arrays["weight"].astype(np.float64),
                   hist_weight.reshape(shape), hist_z.reshape(shape))

    def flip(self):
        """Readout neurons firing inverted: own-class mean below the others' mean
        (when either set of rows is empty: overall mean >= 0.5, the papers' rule)."""
        own, other = self.weight
        with np.errstate(divide="ignore", invalid="ignore"):
            own_mean = self.theta_sum[0] / own
            other_mean = self.theta_sum[1] / other
            overall = self.theta_sum.sum(axis=0) / self.weight.sum(axis=0)
        both = (own > 0) & (other > 0)
        return np.where(both, own_mean < other_mean, overall >= 0.5)

    def points(self, flip):
        """Per neuron, the bins as weighted points (z, target, weight), (n_classes,
        2 * _N_BINS) each; the log-odds of flipped neurons negated (bins mirrored)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            centre = np.where(self.hist_weight > 0, self.hist_z / self.hist_weight, 0.0)
        centre = np.where(flip[None, :, None], -centre, centre)
        z = np.concatenate([centre[0], centre[1]], axis=1)
        target = np.concatenate([np.ones(_N_BINS), np.zeros(_N_BINS)])
        weight = np.concatenate([self.hist_weight[0], self.hist_weight[1]], axis=1)
        return z, target, weight


@dataclass
class ReadoutDecision:
    """The readout neurons inverted (``flip``) and, optionally, their Platt
    ``calibration`` (n_classes, 2); ``label_bits``: the information each calibrated
    neuron gives about its own label on the training rows (bits per row)."""

    flip: np.ndarray
    calibration: object
    label_bits: np.ndarray

    def scores(self, theta):
        """Per row and class, a score whose argmax is the predicted class."""
        if self.calibration is None:
            return np.where(self.flip, 1.0 - theta, theta)
        z = log_odds(theta)
        return np.where(self.flip, -z, z) * self.calibration[:, 0] + self.calibration[:, 1]

    def log_proba(self, theta):
        """Class log-probabilities of uninverted firing probabilities ``theta``."""
        theta = np.where(self.flip, 1.0 - theta, theta)
        if self.calibration is not None:
            return calibrated_log_proba(theta, self.calibration)
        with np.errstate(divide="ignore"):
            return np.log(theta / theta.sum(axis=1, keepdims=True))


def decide(stats, calibrate=True):
    """The :class:`ReadoutDecision` of :class:`ReadoutStats`."""
    flip = stats.flip()
    z, target, weight = stats.points(flip)
    occupied = weight.any(axis=0)  # bins empty for every neuron add nothing
    z, target, weight = z[:, occupied], target[occupied], weight[:, occupied]
    params = fit_platt(z, target, weight)
    bits = label_information(z, target, weight, params)
    return ReadoutDecision(flip, params if calibrate else None, bits)


def _objective(a, b, z, target, weight):
    s = a[:, None] * z + b[:, None]
    # logloss = log(1 + e^s) - t s, computed stably
    return (weight * (np.logaddexp(0.0, s) - target * s)).sum(axis=1) + 0.5 * a * a


def fit_platt(z, target, weight):
    """(n, 2) slopes and intercepts minimising, per row of ``z``,
    ``sum_j weight_j logloss(sigmoid(a z_j + b), target_j) + a^2 / 2`` by Newton steps
    with backtracking (all rows at once)."""
    n = z.shape[0]
    total = weight.sum(axis=1)
    share = np.clip((weight * target).sum(axis=1) / np.maximum(total, 1e-300), 1e-12,
                    1.0 - 1e-12)
    a, b = np.zeros(n), np.log(share) - np.log1p(-share)  # start: the class share alone
    current = _objective(a, b, z, target, weight)
    active = np.ones(n, dtype=bool)
    for _ in range(_NEWTON_STEPS):
        p = _sigmoid(a[:, None] * z + b[:, None])
        r = weight * (p - target)
        grad_a, grad_b = (r * z).sum(axis=1) + a, r.sum(axis=1)
        h = weight * p * (1.0 - p)
        h_aa, h_ab = (h * z * z).sum(axis=1) + 1.0, (h * z).sum(axis=1)
        h_bb = h.sum(axis=1) + 1e-12  # a class with no (or only) samples: b alone is flat
        det = h_aa * h_bb - h_ab * h_ab
        step_a = (h_bb * grad_a - h_ab * grad_b) / det
        step_b = (h_aa * grad_b - h_ab * grad_a) / det
        scale = np.ones(n)
        accepted = np.zeros(n, dtype=bool)
        trial = current.copy()
        pending = active.copy()
        while pending.any():  # backtracking: the objective must decrease
            value = _objective(a - scale * step_a, b - scale * step_b, z, target, weight)
            ok = pending & (value <= current)
            accepted |= ok
            trial[ok] = value[ok]
            pending &= ~ok
            scale[pending] *= 0.5
            pending &= scale > 1e-6
        a = np.where(accepted, a - scale * step_a, a)
        b = np.where(accepted, b - scale * step_b, b)
        current = np.where(accepted, trial, current)
        moved = scale * np.maximum(np.abs(step_a), np.abs(step_b))
        # Newton converges quadratically: the next step would be below 1e-12.
        active &= accepted & (moved >= 1e-6 * (1.0 + np.abs(a) + np.abs(b)))
        if not active.any():
            break
    return np.column_stack([a, b])


def label_information(z, target, weight, params):
    """Bits per row each calibrated neuron tells about its own label: the weighted
    log-loss of the class share alone minus that of the calibrated neuron (0 when it
    knows nothing); an estimate of the mutual information between the neuron's
    firing probability and "is class k" on these rows."""
    total = np.maximum(weight.sum(axis=1), 1e-300)
    share = np.clip((weight * target).sum(axis=1) / total, 1e-12, 1.0 - 1e-12)
    prior = -(share * np.log(share) + (1.0 - share) * np.log1p(-share))
    fitted = (_objective(params[:, 0], params[:, 1], z, target, weight)
              - 0.5 * params[:, 0] ** 2) / total
    return np.maximum(0.0, (prior - fitted) / np.log(2.0))


def calibrated_log_proba(theta, params):
    """Log of the calibrated class probabilities (n_samples, n_classes), normalised."""
    s = log_odds(theta) * params[:, 0] + params[:, 1]
    log_p = -np.logaddexp(0.0, -s)  # log sigmoid, no underflow to log(0)
    top = log_p.max(axis=1, keepdims=True)
    return log_p - (top + np.log(np.exp(log_p - top).sum(axis=1, keepdims=True)))
