"""What a trainable engine network offers the fit loop, and its plain state.

:class:`TrainableNetwork` is the contract: the fit loop and the estimators use a
network through it and read nothing else of the engine. Every network class conforms
(``tests/test_engine_contract.py`` checks each, and checks any later backend added to
its list).

:func:`restore_network` rebuilds a network from the dict its ``export_state`` gave:
builtins (str, int, float, bool, None, list, tuple, dict) and numpy arrays only, no
engine object, so that a saved model does not depend on the engine's classes.
"""

from typing import Protocol, runtime_checkable

from ._memory_network import MemoryNetwork
from ._network import Network
from ._state import STATE_FORMAT, BatchResult, LayerResult

__all__ = ["BatchResult", "LayerResult", "STATE_FORMAT", "TrainableNetwork", "restore_network"]


@runtime_checkable
class TrainableNetwork(Protocol):
    """A network the fit loop trains batch by batch.

    Attributes
    ----------
    input_dtype : numpy dtype
        The dtype ``train_batch`` wants its inputs in (the fit loop converts once).
    min_work_per_thread : int
        Elements of work (e.g. (sample, neuron) pairs) below which a kernel runs on
        one thread; results never depend on the number of threads.
    structure : list of (int, str)
        (neurons, sources) of every layer, input to output.
    lattices : list of Lattice
        Every layer's lattice: the column order of its atoms.
    readout_size : int
        Neurons of the readout (0: the network has none).
    """

    input_dtype: type
    min_work_per_thread: int

    @property
    def structure(self): ...

    @property
    def lattices(self): ...

    @property
    def readout_size(self): ...

    def train_batch(self, x, context, rng, *, update=True, sample_weight=None,
                    readout_theta=None, samples=None):
        """One batch: every layer's PID and, when ``update``, one Adam step per layer.

        ``x`` (B, n_inputs) in ``input_dtype``; ``context`` (B, n_context) one-hot
        labels or None; ``rng`` a numpy Generator for the stochastic outputs;
        ``sample_weight`` (B,) weighs the samples in every neuron's PID (None: 1
        each); ``readout_theta`` (B, readout_size) receives the readout's raw firing
        probabilities before the update; ``samples``, a list, receives every layer's
        (bins, theta). Returns a :class:`BatchResult` (measured before the update).
        """

    def snapshot(self, into=None):
        """Copies of the trained state, for :meth:`restore`."""

    def restore(self, state):
        """Back to a :meth:`snapshot`."""

    def all_finite(self):
        """Whether every trained parameter is finite."""

    def outputs_surely_finite(self, x_max):
        """Whether the outputs are proved finite for every input with |x| <= x_max."""

    def set_goals(self, goals):
        """One ``GoalWeights`` per layer, used from the next batch on."""

    def goals(self):
        """The ``GoalWeights`` of every layer now in use (what :meth:`set_goals` set)."""

    def updates_done(self):
        """Adam updates done (the fewest of any layer)."""

    def readout_outputs(self, x):
        """The readout's raw (uninverted) firing probabilities (B, readout_size)."""

    def bootstrap_pid(self, samples, rows):
        """Per layer (atoms, H_res) on resampled rows of a batch's ``samples``."""

    def export_state(self):
        """The network as plain values and arrays (see :func:`restore_network`)."""

# The network classes by the "network" entry of their state.
_NETWORKS = {"layers": Network, "memory": MemoryNetwork}


def restore_network(state):
    """The network that ``export_state`` described, identical in prediction and in
    further training.

    Raises
    ------
    ValueError
        When ``state`` is not such a dict, was written by a newer or unknown format,
        or names an unknown kind of network.
    """
    if not isinstance(state, dict) or "format" not in state:
        raise ValueError(
            "restore_network expects the dict of a network's export_state(); got "
            f"{type(state).__name__}."
        )
    found = state["format"]
    if found != STATE_FORMAT:
        raise ValueError(
            f"The network state has format {found!r}; this version of sklearn_infomorph "
            f"reads format {STATE_FORMAT}. Load it with the version that wrote it, or "
            "refit the model."
        )
    kind = state.get("network")
    if kind not in _NETWORKS:
        raise ValueError(
            f"Unknown kind of network {kind!r} in the state; expected one of "
            f"{sorted(_NETWORKS)}."
        )
    return _NETWORKS[kind].from_state(state)
