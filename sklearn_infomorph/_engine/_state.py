"""Snapshots of the arrays training changes, so that a network can be rolled back, and
the result of one training batch."""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

#: Version of the plain state of ``export_state`` (see ``_contract.restore_network``).
STATE_FORMAT = 1


@dataclass
class TrainedState:
    """Copies of every trained array (weights, biases, Adam moments) and Adam's steps."""

    arrays: list
    steps: list


class LayerResult(NamedTuple):
    """What one layer's neurons measured on a batch (before its update)."""

    atoms: np.ndarray  # (N, n_atoms), lattice order
    h_res: np.ndarray  # (N,)
    goal: np.ndarray  # (N,)


class BatchResult(tuple):
    """One :class:`LayerResult` per layer, input to output.

    A tuple, so ``for atoms, h_res, goal in result`` reads it layer by layer.
    """

    __slots__ = ()

    def goals_finite(self):
        """Whether every neuron's goal is finite."""
        return all(np.all(np.isfinite(layer.goal)) for layer in self)


class Trainable:
    """``snapshot``, ``restore`` and ``all_finite`` of an engine network.

    Subclasses list their trained parameters and optimisers in :meth:`_trained`.
    """

    def _trained(self):
        """List of (dict name -> parameter array, Adam) pairs."""
        raise NotImplementedError

    def _arrays(self):
        return [a for params, opt in self._trained()
                for a in (*params.values(), *opt.m.values(), *opt.v.values())]

    def snapshot(self, into=None):
        """The trained state to :meth:`restore`: copies, not views.

        ``into``, an earlier snapshot of this network, is overwritten instead of
        allocating new copies.
        """
        arrays = self._arrays()
        steps = [opt.step_count for _, opt in self._trained()]
        if into is None:
            return TrainedState([a.copy() for a in arrays], steps)
        for saved, current in zip(into.arrays, arrays):
            np.copyto(saved, current)
        into.steps = steps
        return into

    def restore(self, state):
        """Back to a :meth:`snapshot` (copied in: the snapshot stays usable)."""
        for current, saved in zip(self._arrays(), state.arrays):
            np.copyto(current, saved)
        for (_, opt), steps in zip(self._trained(), state.steps):
            opt.step_count = steps

    def updates_done(self):
        """Adam updates done so far (the fewest of any optimiser of the network)."""
        return min(opt.step_count for _, opt in self._trained())

    def all_finite(self):
        """Whether every trained parameter is finite."""
        return all(np.all(np.isfinite(a)) for params, _ in self._trained()
                   for a in params.values())
