"""A stack of infomorphic layers with an optional infomorphic readout."""

import numpy as np


class Network:
    """Hidden infomorphic layers, each learning its own goal, plus an optional readout.

    Layer ``k`` gets F = the layer below (the data for ``k = 0``), C = the one-hot
    label (when its sources include C) and L = itself. The readout has one neuron
    per class, F = the last hidden layer, C = its own class's label.

    Parameters
    ----------
    layers : list of Layer
        Hidden layers then, if any, the readout layer (``layer.readout`` True).
    """

    def __init__(self, layers):
        self.layers = list(layers)
        self.readout_flip = None

    @property
    def has_readout(self):
        return bool(self.layers) and self.layers[-1].readout

    def train_batch(self, x, y_onehot, rng, update=True):
        """Train every layer on one batch; returns per layer (atoms, h_res, goal)."""
        results = []
        for layer in self.layers:
            x_c = y_onehot if "C" in layer.sources else None
            x, atoms, h_res, goal = layer.train_batch(x, x_c, rng, update=update)
            results.append((atoms, h_res, goal))
        return results

    def hidden_expected(self, x):
        """Deterministic firing probabilities of the last hidden layer."""
        return _in_chunks(self._hidden_expected, x)

    def _hidden_expected(self, x):
        theta = None
        for layer in self.layers:
            if not layer.readout:
                theta = layer.forward_expected(x)
                x = 2.0 * theta - 1.0
        return theta if theta is not None else x

    def readout_theta(self, x):
        """Readout firing probabilities, inverted where the readout learned inverted."""
        return _in_chunks(self._readout_theta, x)

    def _readout_theta(self, x):
        for layer in self.layers[:-1]:
            x = 2.0 * layer.forward_expected(x) - 1.0
        theta = self.layers[-1].forward_expected(x)
        if self.readout_flip is not None:
            theta = np.where(self.readout_flip, 1.0 - theta, theta)
        return theta

    def set_readout_flip(self, x, y_idx):
        """Decide once, on training data, which readout neurons fire inverted.

        Information is invariant to flipping a neuron's output, so a readout neuron
        may learn to fire for "not my class". It is inverted when its mean firing
        probability on its own class is below that on the other classes (the papers'
        rule, mean theta >= 0.5 per test batch, fails for balanced binary labels).
        """
        self.readout_flip = None
        self.readout_flip = readout_flip(self.readout_theta(x), y_idx)


def readout_flip(theta, y_idx):
    """Which readout neurons fire inverted, from their uninverted theta (B, classes).

    A neuron is inverted when its mean firing probability on its own class is below
    that on the other classes; a class absent from y_idx falls back to mean theta
    >= 0.5.
    """
    flip = np.zeros(theta.shape[1], dtype=bool)
    for k in range(theta.shape[1]):
        own = y_idx == k
        if own.any() and (~own).any():
            flip[k] = theta[own, k].mean() < theta[~own, k].mean()
        else:
            flip[k] = theta[:, k].mean() >= 0.5
    return flip


# Prediction runs in row chunks so that the temporaries of wide layers stay bounded
# (a 2000-neuron layer on 48k rows held about 8 GB at once). Rows are independent.
_CHUNK_ROWS = 4096


def _in_chunks(function, x):
    if x.shape[0] <= _CHUNK_ROWS:
        return function(x)
    return np.vstack([function(x[lo:lo + _CHUNK_ROWS]) for lo in range(0, x.shape[0], _CHUNK_ROWS)])
