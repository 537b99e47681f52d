"""A layer of infomorphic neurons and a stack of them (plain arrays, picklable).

Every layer learns from its own goal only: the PID kernel gives dG/dtheta per
neuron, the activation kernels give dtheta/d(potential), and the weight gradients
are matrix products with the layer's own inputs. Nothing is propagated between
layers; the outputs passed on are +-1 samples during training.
"""

import numpy as np

from . import _activations as act
from ._pid import BatchPID

SOURCE_SETS = ("FC", "FL", "FCL")


class Adam:
    """Adam with L2 weight decay added to the gradient (as torch.optim.Adam)."""

    def __init__(self, params, learning_rate, weight_decay, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.step_count = 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params, grads):
        self.step_count += 1
        b1, b2 = self.beta1, self.beta2
        corr1 = 1.0 - b1**self.step_count
        corr2 = 1.0 - b2**self.step_count
        for name, grad in grads.items():
            p = params[name]
            g = grad + self.weight_decay * p
            m, v = self.m[name], self.v[name]
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * g * g
            p -= self.learning_rate * (m / corr1) / (np.sqrt(v / corr2) + self.eps)


class Layer:
    """N infomorphic neurons with sources F (+ C) (+ L).

    Parameters
    ----------
    n_inputs : int
        Size of the feedforward input.
    n_neurons : int
        Number of neurons N.
    sources : {"FC", "FL", "FCL"}
        Input classes of the neurons.
    n_context : int
        Size of the context input (number of classes); ignored without C.
    gamma : ndarray (n_atoms,)
        Goal weights in lattice order; ``gamma_h`` weights H_res.
    readout : bool
        Readout layer: C is the own class's label through a fixed identity weight
        and k1 = 1 (requires ``sources == "FC"`` and ``n_neurons == n_context``).
    lateral_partners : int or None
        Each neuron listens to at most this many random others (None: all others).
    rng : numpy.random.Generator
        Used for the initial weights and the lateral connectivity.
    """

    def __init__(
        self, n_inputs, n_neurons, sources, n_context, *, gamma, gamma_h, n_bins,
        binning, bin_range, k1, k2, c1, c2, w1, w2, learning_rate, weight_decay,
        lateral_partners, readout, rng,
    ):
        if sources not in SOURCE_SETS:
            raise ValueError(f"sources must be one of {SOURCE_SETS}, got {sources!r}")
        self.n_inputs = n_inputs
        self.n_neurons = n_neurons
        self.sources = sources
        self.n_context = n_context
        self.gamma = np.asarray(gamma, dtype=np.float64)
        self.gamma_h = float(gamma_h)
        self.n_bins = int(n_bins)
        self.binning = binning
        self.bin_range = float(bin_range)
        self.k1 = 1.0 if readout else float(k1)
        self.k2, self.c1, self.c2, self.w1, self.w2 = map(float, (k2, c1, c2, w1, w2))
        self.readout = readout
        self.pid = BatchPID(len(sources), sources)

        # Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), the usual linear-layer init.
        params = {}
        bound = 1.0 / np.sqrt(n_inputs)
        params["W_F"] = rng.uniform(-bound, bound, (n_inputs, n_neurons))
        params["b_F"] = rng.uniform(-bound, bound, n_neurons)
        if "C" in sources and not readout:
            bound = 1.0 / np.sqrt(n_context)
            params["W_C"] = rng.uniform(-bound, bound, (n_context, n_neurons))
            params["b_C"] = rng.uniform(-bound, bound, n_neurons)
        self.lateral_mask = None
        if "L" in sources:
            self.lateral_mask = _lateral_mask(n_neurons, lateral_partners, rng)
            fan_in = max(1, int(self.lateral_mask.sum(axis=0).max()))
            bound = 1.0 / np.sqrt(fan_in)
            params["W_L"] = rng.uniform(-bound, bound, (n_neurons, n_neurons)) * self.lateral_mask
            params["b_L"] = rng.uniform(-bound, bound, n_neurons)
        self.params = params
        self.optimizer = Adam(params, learning_rate, weight_decay)

    # -- forward -----------------------------------------------------------------
    def _context(self, x_c, n_samples):
        if "C" not in self.sources:
            return None
        if self.readout:
            if x_c is None:
                return np.zeros((n_samples, self.n_neurons))
            return np.ascontiguousarray(x_c, dtype=np.float64)
        if x_c is None:  # prediction: context input set to zeros
            return np.tile(self.params["b_C"], (n_samples, 1))
        return x_c @ self.params["W_C"] + self.params["b_C"]

    def _activate(self, f, c, l):
        """theta and its partial derivatives w.r.t. the potentials present."""
        theta = np.empty_like(f)
        d_f = np.empty_like(f)
        d_c = d_l = None
        if self.sources == "FCL":
            d_c = np.empty_like(f)
            d_l = np.empty_like(f)
            act.trivariate(f, c, l, self.c1, self.c2, self.w1, self.w2, theta, d_f, d_c, d_l)
        elif self.sources == "FC":
            d_c = np.empty_like(f)
            act.bivariate(f, c, self.k1, self.k2, theta, d_f, d_c)
        else:
            d_l = np.empty_like(f)
            act.bivariate(f, l, self.k1, self.k2, theta, d_f, d_l)
        return theta, d_f, d_c, d_l

    def _lateral(self, y):
        return y @ self.params["W_L"] + self.params["b_L"]

    def forward_expected(self, x_f):
        """Deterministic firing probabilities for prediction.

        Context is zero; the lateral recurrence uses expected outputs
        ``E[Y] = 2 theta - 1`` of the first step instead of samples.
        """
        n_samples = x_f.shape[0]
        f = x_f @ self.params["W_F"] + self.params["b_F"]
        c = self._context(None, n_samples)
        l = None
        if "L" in self.sources:
            l = np.ascontiguousarray(np.broadcast_to(self.params["b_L"], f.shape))
            theta, *_ = self._activate(f, c, l)
            l = self._lateral(2.0 * theta - 1.0)
        theta, *_ = self._activate(f, c, l)
        return theta

    # -- learning ----------------------------------------------------------------
    def _bins(self, potentials):
        n_samples, n_neurons = potentials[0].shape
        bins = np.empty((n_neurons, len(potentials), n_samples), dtype=np.int64)
        for k, v in enumerate(potentials):
            v = np.ascontiguousarray(v)
            if self.binning == "fixed":
                act.bin_fixed(v, self.n_bins, self.bin_range, bins, k)
            else:
                act.bin_adaptive(v, self.n_bins, bins, k)
        return bins

    def train_batch(self, x_f, x_c, rng, update=True):
        """One stochastic forward pass, the PID of every neuron and an Adam step.

        Parameters
        ----------
        x_f : ndarray (B, n_inputs)
        x_c : ndarray (B, n_context) or None
            One-hot labels (only used with a C source).
        rng : numpy.random.Generator
            Draws the stochastic +-1 outputs.
        update : bool
            False evaluates the PID without changing the weights.

        Returns
        -------
        y : ndarray (B, N)
            Sampled +-1 outputs to pass on.
        atoms : ndarray (N, n_atoms)
        h_res : ndarray (N,)
        goal : ndarray (N,)
        """
        n_samples = x_f.shape[0]
        f = x_f @ self.params["W_F"] + self.params["b_F"]
        c = self._context(x_c, n_samples)
        l = y_first = None
        if "L" in self.sources:
            # Two recurrent steps; the layer learns on the second one.
            l_zero = np.ascontiguousarray(np.broadcast_to(self.params["b_L"], f.shape))
            theta_first, *_ = self._activate(f, c, l_zero)
            y_first = self._sample(theta_first, rng)
            l = self._lateral(y_first)
        theta, d_f, d_c, d_l = self._activate(f, c, l)
        potentials = [f] + [v for v, s in ((c, "C"), (l, "L")) if s in self.sources]
        bins = self._bins(potentials)
        atoms, h_res, goal, dgoal = self.pid.evaluate_sources_first(
            bins, np.ascontiguousarray(theta.T), self.n_bins, self.gamma, self.gamma_h,
            want_grad=update,
        )
        if update:
            self._step(dgoal.T, x_f, d_f, x_c, d_c, y_first, d_l)
        return self._sample(theta, rng), atoms, h_res, goal

    def _step(self, dgoal, x_f, d_f, x_c, d_c, y_first, d_l):
        # Loss = -sum of the neurons' goals; gradients by the chain rule.
        grads = {}
        delta = dgoal * d_f
        grads["W_F"] = -(x_f.T @ delta)
        grads["b_F"] = -delta.sum(axis=0)
        if "W_C" in self.params:
            delta = dgoal * d_c
            grads["W_C"] = -(x_c.T @ delta)
            grads["b_C"] = -delta.sum(axis=0)
        if "W_L" in self.params:
            delta = dgoal * d_l
            grads["W_L"] = -(y_first.T @ delta) * self.lateral_mask
            grads["b_L"] = -delta.sum(axis=0)
        self.optimizer.step(self.params, grads)

    @staticmethod
    def _sample(theta, rng):
        out = np.empty_like(theta)
        act.sample_pm1(theta, rng.random(theta.shape), out)
        return out


def _lateral_mask(n_neurons, partners, rng):
    """0/1 matrix (sender, receiver): no self connection, <= partners senders each."""
    mask = np.ones((n_neurons, n_neurons)) - np.eye(n_neurons)
    if partners is None or partners >= n_neurons - 1:
        return mask
    mask[:] = 0.0
    for j in range(n_neurons):
        others = np.delete(np.arange(n_neurons), j)
        mask[rng.choice(others, size=partners, replace=False), j] = 1.0
    return mask
