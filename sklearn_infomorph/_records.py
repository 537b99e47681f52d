"""The PID records of the infomorphic estimators, as pandas frames.

The fit loop keeps, per completed epoch, the summed goal of every layer
(``_goal_curve``) and the size-weighted per-neuron PID arrays of every layer
(``_pid_epochs``: a list of ``(epoch, [(atoms, h_res) per layer])``), and the arrays of
the final weights (``_final_pid_arrays``): numpy arrays only. :class:`RecordsMixin`
turns them into ``goal_curve_``, ``loss_curve_``, ``pid_atoms_`` and ``pid_history_``;
``pid_history_`` is built directly in its tidy shape, and ``_atom_history`` in the
wide one (``atoms.atom_history``), each from the arrays.
"""

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .pid import pid_columns


class RecordsMixin:
    """The fitted records of the fit loop, for every infomorphic estimator."""

    def _record_epoch(self, means):
        """Store the epoch's goal per layer and PID per neuron; returns the goals."""
        layers = means.layers()
        goals = [goal for _, _, goal in layers]
        self._goal_curve.append(goals)
        self._pid_epochs.append((self.n_iter_, [(atoms, h_res) for atoms, h_res, _ in layers]))
        return goals

    def _print_epoch(self, layer_goals, extra, seconds):
        parts = [f"Iteration {self.n_iter_}"]
        parts.append(
            "goal " + ", ".join(f"{n}={g:.5f}" for n, g in zip(self.layer_names_, layer_goals))
        )
        if extra:
            parts.append(extra)
        parts.append(f"time={seconds:.2f}s")
        print(", ".join(parts))

    def pid_atoms(self, X, y=None, *, random_state=0, correction=None, n_boot=200,
                  confidence_level=0.95):
        """Per-neuron PID on the given data, e.g. held-out rows; the frame of ``pid_atoms_``.

        The fitted weights are not changed. The rows run through the network as in
        training: in mini-batches of the training batch size (the PID of each
        neuron is estimated per batch, and the batches are averaged weighted by
        their size, like ``pid_atoms_``), with the one-hot label of y as the
        context of layers that have one, and with sampled +-1 outputs passed from
        layer to layer (and to the lateral input). The samples come from a
        generator seeded with ``random_state``: the same data and seed give the
        same frame. Sampling, rather than passing expected outputs, keeps the
        inputs of every layer distributed as during training, so the values are
        comparable with ``pid_atoms_``. On the training data they differ from
        ``pid_atoms_`` (the last epoch's records, each batch with the weights it was
        learned with) by that epoch's learning and the sampling noise.

        The associative memory evaluates its neurons on the given patterns (states
        clamped to them, one full batch, nothing sampled), as ``pid_atoms_`` does on
        the stored ones.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, scaled as the training data were (for the memory: patterns with
            the two values of the stored ones).
        y : array-like of shape (n_samples,), default=None
            Labels of X, from ``classes_``. Required when a layer has a context
            source C (every classifier: its readout's context is the label);
            ignored otherwise.
        random_state : int, default=0
            Seed of the sampled outputs passed between layers (and, with
            ``correction``, of the bootstrap resampling).
        correction : {"bootstrap", "none"}, default=None
            None returns the plug-in frame. Otherwise every neuron's PID is also
            evaluated on ``n_boot`` bootstrap resamples of the rows of each batch,
            giving a bootstrap bias estimate (``"bootstrap"``; ``"none"`` gives
            intervals only) and percentile intervals. The user guide page
            "Limitations" explains why the bootstrap suits the neurons' estimator.
        n_boot : int, default=200
            Bootstrap resamples (with ``correction``).
        confidence_level : float, default=0.95
            Coverage of the intervals (with ``correction``).

        Returns
        -------
        atoms : pandas.DataFrame
            Without ``correction``: same index and columns as ``pid_atoms_``, in
            bits. With ``correction``: one row per layer, neuron and column of
            that layer (index ``layer, neuron, column``) and the columns
            ``estimate, bias, corrected, std, lower, upper``;
            ``atoms["corrected"].unstack("column")`` is a table like
            ``pid_atoms_`` (columns in alphabetical order).
        """
        from ._heldout import pid_atoms_on

        return pid_atoms_on(self, X, y, random_state=random_state, correction=correction,
                            n_boot=n_boot, confidence_level=confidence_level)

    @property
    def loss_curve_(self):
        """list of float: MLPClassifier's name for the training curve, ``-goal`` per epoch.

        The loss of an epoch is minus the summed goal, ``-goal_curve_.sum(axis=1)``
        (the sum over layers of the mean goal per neuron, in bits): the quantity the
        stopping rule watches. Lower is better, as for MLPClassifier.
        """
        check_is_fitted(self)
        return [float(-total) for total in self.goal_curve_.sum(axis=1)]

    @property
    def best_loss_(self):
        """float or None: the lowest ``loss_curve_`` value (None with early stopping,
        which watches the validation score instead, as in MLPClassifier)."""
        check_is_fitted(self)
        if self.validation_scores_ is not None or not self._goal_curve:
            return None
        return min(self.loss_curve_)

    @property
    def goal_curve_(self):
        """ndarray (n_epochs, n_layers): mean goal per neuron, per epoch and layer (bits).

        Columns follow ``layer_names_``.
        """
        check_is_fitted(self)
        return np.asarray(self._goal_curve, dtype=np.float64).reshape(
            -1, len(self.layer_names_)
        )

    def _frame(self, per_layer):
        """The ``pid_atoms_`` frame of per-layer (atoms, h_res) arrays."""
        frames = []
        for name, lattice, (atoms, h_res) in zip(self.layer_names_, self._lattices(), per_layer):
            values, columns = pid_columns(atoms, h_res, lattice)
            index = pd.MultiIndex.from_product(
                [[name], range(values.shape[0])], names=["layer", "neuron"]
            )
            frames.append(pd.DataFrame(values, index=index, columns=columns))
        return pd.concat(frames)

    @property
    def pid_atoms_(self):
        """DataFrame, one row per neuron (index: layer, neuron), in bits.

        Columns: every atom of the neuron's lattice (NaN for atoms of another
        layer's lattice), ``H_res``, ``H_T``, the mutual informations ``MI_<sources>``
        and ``MI`` (joint). Recorded during the last epoch (with early stopping, the
        epoch whose weights were kept): the size-weighted mean over its training
        mini-batches, each evaluated as it was learned from (the weights of that
        batch before its update), i.e. the last epoch of ``pid_history_``; fit adds
        no pass over the data for it. Only a fit that completed no epoch evaluates
        the atoms on the training data after it; the associative memory, trained
        on one full batch per epoch, evaluates them with its final weights.

        Per-layer means: ``pid_atoms_.groupby(level="layer", sort=False).mean()``;
        one layer without NaN columns, neurons grouped by dominant atom and
        plain-word atom names: :mod:`sklearn_infomorph.atoms`; plots:
        :class:`~sklearn_infomorph.AtomsDisplay`.
        """
        check_is_fitted(self)
        return self._frame(self._final_pid_arrays)

    @property
    def pid_history_(self):
        """Tidy DataFrame (epoch, layer, neuron, atom, bits) of every epoch.

        Each epoch's values are the size-weighted means over its training
        mini-batches. Mean atoms per epoch:
        ``pid_history_.groupby(["layer", "epoch", "atom"], sort=False).bits.mean()``;
        in wide form (one column per atom, lattice order):
        :func:`sklearn_infomorph.atoms.atom_history_means`; plot:
        :class:`~sklearn_infomorph.AtomHistoryDisplay`.
        """
        check_is_fitted(self)
        return history_tidy(self.layer_names_, self._lattices(), self._pid_epochs)

    def _atom_history(self, layer):
        """One layer's ``pid_history_`` in wide form (see ``atoms.atom_history``)."""
        index = self.layer_names_.index(layer)
        return history_wide(self._lattices()[index], index, self._pid_epochs)


def _columns(lattice):
    """Column names of a layer's records, in ``pid_columns`` order."""
    return list(lattice.names) + ["H_res", "H_T"] + list(lattice.mi_names())


def history_tidy(layer_names, lattices, pid_epochs):
    """The tidy (epoch, layer, neuron, atom, bits) frame of the per-epoch arrays.

    Rows: epochs, then layers, then neurons, then the layer's columns in the order of
    the union of all layers' columns (atoms first met in an earlier layer first);
    NaN values are left out.
    """
    if not pid_epochs:  # no epoch completed (interrupted or diverged in the first)
        return pd.DataFrame(
            {"epoch": pd.Series(dtype=int), "layer": pd.Series(dtype=object),
             "neuron": pd.Series(dtype=int), "atom": pd.Series(dtype=object),
             "bits": pd.Series(dtype=float)}
        )
    own = [_columns(lattice) for lattice in lattices]
    union = list(pd.concat([pd.DataFrame(columns=cols) for cols in own]).columns)
    position = {name: i for i, name in enumerate(union)}
    orders = [np.argsort([position[c] for c in cols], kind="stable") for cols in own]
    names = [np.asarray(cols, dtype=object)[order] for cols, order in zip(own, orders)]
    parts = {"epoch": [], "layer": [], "neuron": [], "atom": [], "bits": []}
    for epoch, per_layer in pid_epochs:
        for k, (atoms, h_res) in enumerate(per_layer):
            values = pid_columns(atoms, h_res, lattices[k])[0][:, orders[k]]
            n_neurons, n_columns = values.shape
            bits = values.ravel()
            keep = ~np.isnan(bits)
            parts["epoch"].append(np.full(n_neurons * n_columns, epoch, dtype=np.int64)[keep])
            parts["layer"].append(np.full(n_neurons * n_columns, layer_names[k],
                                          dtype=object)[keep])
            parts["neuron"].append(np.repeat(np.arange(n_neurons, dtype=np.int64),
                                             n_columns)[keep])
            parts["atom"].append(np.tile(names[k], n_neurons)[keep])
            parts["bits"].append(bits[keep])
    return pd.DataFrame({key: np.concatenate(value) for key, value in parts.items()})


def history_wide(lattice, index, pid_epochs):
    """Layer ``index``'s records of every epoch, one row per (epoch, neuron), one
    column per atom, H_res, H_T and mutual information (lattice order)."""
    columns = _columns(lattice)
    if not pid_epochs:
        return pd.DataFrame(columns=columns, index=pd.MultiIndex.from_arrays(
            [[], []], names=["epoch", "neuron"]), dtype=float)
    values = [pid_columns(*per_layer[index], lattice)[0] for _, per_layer in pid_epochs]
    n_neurons = values[0].shape[0]
    epochs = np.repeat([epoch for epoch, _ in pid_epochs], n_neurons).astype(np.int64)
    neurons = np.tile(np.arange(n_neurons, dtype=np.int64), len(pid_epochs))
    rows = pd.MultiIndex.from_arrays([epochs, neurons], names=["epoch", "neuron"])
    return pd.DataFrame(np.vstack(values), index=rows, columns=columns)
