"""Shared base of the network estimators (classifier, transformer): their parameters
and how they turn into engine layer specs. The fit loop is in ``_training.py``."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._engine._network import Network
from ._engine._specs import Activation, Binning, LayerSpec, Optimiser
from ._goal import DEFAULT_PRESET, Goal, NestedGoalParamsMixin
from ._labels import canonical_sources
from ._training import InfomorphicTrainingMixin, TrainingSettings

_MAX_BINS = 1024
# Input dtypes kept as they are (others are converted to float64): training gathers
# float32 rows anyway and prediction converts row chunks to float64, so float32 X is
# never copied whole to float64 (same results as converting it first).
X_DTYPES = (np.float64, np.float32)


class InfomorphicBase(InfomorphicTrainingMixin, NestedGoalParamsMixin, BaseEstimator):
    """Parameters and engine specs shared by the infomorphic network estimators."""

    _parameter_constraints = {
        "sources": [str, tuple, list],
        "goal": [None, str, dict, Goal],
        # The PID kernel's scratch table has batch_size * n_bins entries per thread.
        "n_bins": [Interval(Integral, 2, _MAX_BINS, closed="both")],
        "binning": [StrOptions({"auto", "adaptive", "fixed"})],
        "bin_range": [Interval(Real, 0, None, closed="neither")],
        # 0 disconnects the lateral source (an ablation: L is then the bias only).
        "lateral_connections": [None, Interval(Integral, 0, None, closed="left")],
        "k1": [Interval(Real, 0, 1, closed="both")],
        "k2": [Interval(Real, None, None, closed="neither")],
        "c1": [Interval(Real, 0, 1, closed="both")],
        "c2": [Interval(Real, 0, 1, closed="both")],
        "w1": [Interval(Real, None, None, closed="neither")],
        "w2": [Interval(Real, None, None, closed="neither")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "n_jobs": [
            None,
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
        ],
    }

    # -- what the fit loop asks for ---------------------------------------------------
    def _check_params_consistency(self):
        canonical_sources(self.sources)
        if self.c1 + self.c2 > 1:
            raise ValueError(
                f"c1 + c2 must be <= 1 (the feedforward share is 1 - c1 - c2); got "
                f"c1={self.c1}, c2={self.c2}."
            )

    def _training_settings(self):
        return TrainingSettings(
            batch_size=self.batch_size, shuffle=self.shuffle, max_iter=self.max_iter,
            tol=self.tol, n_iter_no_change=self.n_iter_no_change,
            early_stopping=self.early_stopping,
            validation_fraction=self.validation_fraction, warm_start=self.warm_start,
            verbose=self.verbose, n_jobs=self.n_jobs,
        )

    def _build_network(self, X, n_classes, rng, goals):
        specs = self._engine_specs(self._layer_plan(), goals, n_classes)
        return Network.from_specs(X.shape[1], n_classes, specs, rng)

    def _engine_specs(self, plan, goals, n_classes):
        """The engine's LayerSpec of every planned layer (readout: one neuron per class)."""
        specs = []
        for layer, (_, weights) in zip(plan, goals):
            # "auto": fixed-range bins for every hidden layer (what reproduces the
            # published bivariate figures, see docs/user_guide/limitations.rst) and
            # adaptive bins for the readout, which is always adaptive as in the papers.
            binning = "adaptive" if layer.readout else self.binning
            if binning == "auto":
                binning = "fixed"
            specs.append(LayerSpec(
                n_neurons=n_classes if layer.readout else layer.n_neurons,
                sources=layer.sources,
                goal=weights,
                binning=Binning(int(self.n_bins), binning == "fixed", float(self.bin_range)),
                optimiser=Optimiser(layer.learning_rate, layer.alpha),
                activation=Activation(self.k1, self.k2, self.c1, self.c2, self.w1, self.w2),
                readout=layer.readout,
                lateral_connections=self.lateral_connections,
            ))
        return specs

    # -- nested goal parameters ------------------------------------------------------
    _GOAL_PARAMS = ("goal", "readout_goal")

    def _default_goal(self, name):
        # What None stands for in each goal parameter.
        if name == "readout_goal":
            return "readout"
        return DEFAULT_PRESET[canonical_sources(self.sources)]

    # -- fitted attributes ---------------------------------------------------------
    @property
    def coefs_(self):
        """List over layers of dicts source -> weight matrix (inputs, neurons).

        ``"F"`` feedforward, ``"C"`` context (learned in hidden layers only), ``"L"``
        lateral (sender, receiver) with a zero diagonal.
        """
        check_is_fitted(self)
        return self._network.weights()

    @property
    def intercepts_(self):
        """List over layers of dicts source -> bias vector (neurons,)."""
        check_is_fitted(self)
        return self._network.biases()

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

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, scaled as the training data were.
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
