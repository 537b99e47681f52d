"""The readout's decision: each class neuron's firing probability calibrated to its class.

Every readout neuron is trained on its own goal (one versus the rest), so the neurons'
firing probabilities are on different scales: a sharp neuron for an easy class and a
hesitant one for a class that lies between others (iris versicolor), or one that
learned nothing about a rare class, do not compare in an argmax. After fit, once and
on the (weighted) training data, each neuron k gets a slope and intercept
``(a_k, b_k)`` so that ``sigmoid(a_k logit(theta_k) + b_k)`` estimates P(class k | x)
(Platt scaling: a weighted logistic regression of "is class k" on the neuron's
log-odds, with an L2 penalty ``a_k^2 / 2`` that keeps the slope finite when the neuron
separates its class perfectly). The calibrated probabilities, normalised over the
classes, are ``predict_proba``. A neuron without information gets the weighted share
of its class, so an uninformative readout predicts the (weighted) majority class.
"""

import numpy as np

_THETA_CLIP = 1e-6
_NEWTON_STEPS = 100


def _log_odds(theta):
    t = np.clip(theta, _THETA_CLIP, 1.0 - _THETA_CLIP)
    return np.log(t) - np.log1p(-t)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def fit_calibration(theta, y_idx, sample_weight=None):
    """(n_classes, 2) slopes and intercepts of the per-neuron Platt scaling.

    Parameters
    ----------
    theta : ndarray (n_samples, n_classes)
        Readout firing probabilities on the training data (inversion applied).
    y_idx : ndarray (n_samples,)
        Class index of each sample.
    sample_weight : ndarray (n_samples,) or None
        Weights of the samples: an integer weight counts like that many copies.
    """
    n_samples, n_classes = theta.shape
    w = np.ones(n_samples) if sample_weight is None else np.asarray(sample_weight, float)
    z = _log_odds(theta)
    params = np.zeros((n_classes, 2))
    for k in range(n_classes):
        params[k] = _platt(z[:, k], (y_idx == k).astype(np.float64), w)
    return params


def _platt(z, target, w):
    """Minimise sum_i w_i logloss(sigmoid(a z_i + b), t_i) + a^2 / 2 by Newton steps."""
    share = np.clip(np.dot(w, target) / w.sum(), 1e-12, 1.0 - 1e-12)
    a, b = 0.0, float(np.log(share) - np.log1p(-share))  # start: the class share alone

    def objective(a, b):
        s = a * z + b
        # logloss = log(1 + e^s) - t s, computed stably
        return float(np.dot(w, np.logaddexp(0.0, s) - target * s) + 0.5 * a * a)

    current = objective(a, b)
    for _ in range(_NEWTON_STEPS):
        p = _sigmoid(a * z + b)
        r = w * (p - target)
        g = np.array([np.dot(r, z) + a, r.sum()])
        h = w * p * (1.0 - p)
        hess = np.array([[np.dot(h, z * z) + 1.0, np.dot(h, z)], [np.dot(h, z), h.sum()]])
        hess[1, 1] += 1e-12  # a class with no (or only) samples: b alone is flat
        step = np.linalg.solve(hess, g)
        scale = 1.0
        while scale > 1e-6:  # backtracking: the objective must decrease
            trial = objective(a - scale * step[0], b - scale * step[1])
            if trial <= current:
                break
            scale *= 0.5
        else:
            break
        a, b = a - scale * step[0], b - scale * step[1]
        current = trial
        if scale * np.abs(step).max() < 1e-13 * (1.0 + abs(a) + abs(b)):
            break  # Newton converges quadratically: this is the minimum to rounding
    return a, b


def label_information(theta, y_idx, params, sample_weight=None):
    """Bits per sample each calibrated readout neuron tells about its own label.

    The (weighted) log-loss of the class share alone minus that of the calibrated
    neuron, in bits: an estimate of the mutual information between the neuron's
    firing probability and "is class k" on these samples (0 when it knows nothing).
    """
    n_samples, n_classes = theta.shape
    w = np.ones(n_samples) if sample_weight is None else np.asarray(sample_weight, float)
    z = _log_odds(theta)
    bits = np.zeros(n_classes)
    for k in range(n_classes):
        target = (y_idx == k).astype(np.float64)
        share = np.clip(np.dot(w, target) / w.sum(), 1e-12, 1.0 - 1e-12)
        prior = -(share * np.log(share) + (1.0 - share) * np.log1p(-share))
        s = params[k, 0] * z[:, k] + params[k, 1]
        fitted = np.dot(w, np.logaddexp(0.0, s) - target * s) / w.sum()
        bits[k] = max(0.0, (prior - fitted) / np.log(2.0))
    return bits


def calibrated_log_proba(theta, params):
    """Log of the calibrated class probabilities (n_samples, n_classes), normalised."""
    s = _log_odds(theta) * params[:, 0] + params[:, 1]
    log_p = -np.logaddexp(0.0, -s)  # log sigmoid, no underflow to log(0)
    top = log_p.max(axis=1, keepdims=True)
    return log_p - (top + np.log(np.exp(log_p - top).sum(axis=1, keepdims=True)))
