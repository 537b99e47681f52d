"""A stack of infomorphic layers with an optional infomorphic readout."""

import numpy as np

from . import _thread_pool as par
from ._layer import Layer, sample_signs
from ._pid_samples import bootstrap_pid
from ._specs import GoalWeights
from ._state import STATE_FORMAT, BatchResult, LayerResult, Trainable


class Network(Trainable):
    """Hidden infomorphic layers, each learning its own goal, plus an optional readout.

    Layer ``k`` gets F = the layer below (the data for ``k = 0``), C = the one-hot
    label (when its sources include C) and L = itself. The readout has one neuron
    per class, F = the last hidden layer, C = its own class's label.

    Parameters
    ----------
    layers : list of Layer
        Hidden layers then, if any, the readout layer (``layer.readout`` True).
    """

    # Training products run in float32: the fit loop converts the data once.
    input_dtype = np.float32
    min_work_per_thread = par.MIN_WORK_PER_THREAD

    def __init__(self, layers):
        self.layers = list(layers)

    @classmethod
    def from_specs(cls, n_inputs, n_context, specs, rng):
        """Layers built from :class:`LayerSpec` objects, input to output.

        ``n_context`` is the size of the one-hot context (number of classes).
        """
        layers = []
        for spec in specs:
            layers.append(Layer(n_inputs, n_context, spec, rng))
            n_inputs = spec.n_neurons
        return cls(layers)

    def export_state(self):
        """The network as plain values and array copies; :func:`_contract.restore_network`
        rebuilds it."""
        return {
            "format": STATE_FORMAT, "network": "layers",
            "layers": [layer.export_state() for layer in self.layers],
        }

    @classmethod
    def from_state(cls, state):
        """The network :meth:`export_state` described."""
        # (States written before the readout decision left the engine also hold a
        # "readout_flip", now the classifier's: it is not read.)
        return cls([Layer.from_state(layer) for layer in state["layers"]])

    # -- structure and state -----------------------------------------------------------
    @property
    def structure(self):
        """(n_neurons, sources) of every layer."""
        return [(layer.n_neurons, layer.sources) for layer in self.layers]

    @property
    def lattices(self):
        """The lattice of every layer (column order of its PID records)."""
        return [layer.lattice for layer in self.layers]

    @property
    def readout_size(self):
        """Neurons of the readout layer (0 without a readout)."""
        last = self.layers[-1]
        return last.n_neurons if last.readout else 0

    @property
    def n_outputs(self):
        """Neurons of the last layer."""
        return self.layers[-1].n_neurons

    def set_goals(self, goals):
        """New goal weights (one :class:`GoalWeights` per layer) from the next batch on."""
        for layer, goal in zip(self.layers, goals):
            layer.set_goal(goal)

    def goals(self):
        """The :class:`GoalWeights` of every layer now in use."""
        return [GoalWeights(layer.gamma.copy(), layer.gamma_h) for layer in self.layers]

    def weights(self):
        """Per layer, dict source letter -> weight matrix (inputs, neurons)."""
        return [layer.weights() for layer in self.layers]

    def biases(self):
        """Per layer, dict source letter -> bias vector (neurons,)."""
        return [layer.biases() for layer in self.layers]

    def _trained(self):
        return [(layer.params, layer.optimizer) for layer in self.layers]

    # -- training ------------------------------------------------------------------
    def train_batch(self, x, context, rng, *, update=True, sample_weight=None,
                    readout_theta=None, samples=None):
        """Train every layer on one batch; returns a :class:`BatchResult`.

        ``context``: the one-hot labels (B, n_context), read by layers with a C
        source. ``readout_theta`` (B, n_classes), if given, receives the readout's
        firing probabilities in this batch (before its update, uninverted).
        ``samples``, a list, receives each layer's (bins, theta) in layer order (see
        :meth:`Layer.train_batch`). ``sample_weight`` (B,) weighs the samples in every
        neuron's PID (None: 1 each).
        """
        results = []
        for layer in self.layers:
            x_c = context if "C" in layer.sources else None
            theta_out = readout_theta if layer.readout else None
            x, atoms, h_res, goal = layer.train_batch(
                x, x_c, rng, update=update, theta_out=theta_out, samples=samples,
                sample_weight=sample_weight,
            )
            results.append(LayerResult(atoms, h_res, goal))
        return BatchResult(results)

    def bootstrap_pid(self, samples, rows):
        """Per layer (atoms (N, R, n_atoms), H_res (N, R)) on resampled rows of a batch.

        ``samples``: the per-layer (bins, theta) that ``train_batch(samples=[])``
        collected; ``rows`` (R, B): the row indices of each replicate.
        """
        return [bootstrap_pid(layer.pid, bins, theta, layer.binning.n_bins, rows)
                for layer, (bins, theta) in zip(self.layers, samples)]

    # -- prediction ----------------------------------------------------------------
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

    def readout_outputs(self, x):
        """The readout's firing probabilities as the neurons fire (never inverted);
        (B, 0) without a readout."""
        if not self.readout_size:
            return np.empty((len(x), 0))
        return _in_chunks(self._readout_theta, x)

    def _readout_theta(self, x):
        for layer in self.layers[:-1]:
            x = 2.0 * layer.forward_expected(x) - 1.0
        return self.layers[-1].forward_expected(x)

    def outputs_surely_finite(self, x_max):
        """Whether the deterministic outputs are finite for every input with
        ``|x| <= x_max``, proved from the weights alone (False: not proved).

        Every potential and activation constant bounded by ``_SAFE_BOUND`` keeps every
        product in the activations (at most four such factors) finite, and the
        sigmoids then give finite outputs in [0, 1].
        """
        bound = float(x_max)
        for layer in self.layers:
            if not layer.prediction_bound(bound) <= _SAFE_BOUND:
                return False
            bound = 1.0  # the next layer's inputs are 2 theta - 1
        return True

    def readout_theta_sampled(self, x, rng):
        """Uninverted readout firing probabilities with sampled +-1 hidden outputs.

        The forward pass of the papers' test protocol: every hidden layer passes on
        samples of its outputs (drawn from the numpy Generator ``rng``), the context
        input is zero. The readout inversion is left to the caller.
        """
        for layer in self.layers[:-1]:
            x = sample_signs(layer.forward_expected(x, rng), rng)
        return self.layers[-1].forward_expected(x)


# 1e70^4 = 1e280 stays below the float64 maximum (1.8e308).
_SAFE_BOUND = 1e70


# Prediction runs in row chunks so that the temporaries of wide layers stay bounded
# (a 2000-neuron layer on 48k rows held about 8 GB at once). Rows are independent.
_CHUNK_ROWS = 4096


def _in_chunks(function, x):
    if x.shape[0] <= _CHUNK_ROWS:
        return function(x)
    return np.vstack([function(x[lo:lo + _CHUNK_ROWS]) for lo in range(0, x.shape[0], _CHUNK_ROWS)])
