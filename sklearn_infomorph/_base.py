"""Shared base of the network estimators (classifier, transformer): their parameters
and how they turn into engine layer specs. The fit loop is in ``_training.py``."""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._engine._network import Network
from ._engine._specs import Activation, Binning, LayerSpec, Optimiser
from ._fit_plan import GoalPlan, TrainingSettings
from ._goal import DEFAULT_PRESET, Goal, NestedGoalParamsMixin
from ._labels import canonical_sources, sorted_labels
from ._persistence import PlainStateMixin
from ._training import InfomorphicTrainingMixin

_MAX_BINS = 1024
# Input dtypes kept as they are (others are converted to float64): training gathers
# float32 rows anyway and prediction converts row chunks to float64, so float32 X is
# never copied whole to float64 (same results as converting it first).
X_DTYPES = (np.float64, np.float32)


# X as the engine wants it: float64 or float32, C order (rows are gathered per batch);
# sparse CSR is accepted and densified one batch at a time.
_X_CHECKS = dict(accept_sparse="csr", dtype=X_DTYPES, order="C")


@dataclass(frozen=True)
class LayerPlan(GoalPlan):
    """One layer of a network estimator: a :class:`GoalPlan` with its size and Adam
    settings. ``kind`` "readout": one neuron per class (``n_neurons`` is then ignored),
    "hidden" otherwise."""

    n_neurons: int = 0
    learning_rate: float = 0.002
    alpha: float = 0.0
    kind: str = "hidden"

    @property
    def readout(self):
        return self.kind == "readout"


# binning="auto": fixed-range bins only for a hidden layer with at least this many inputs
# trained on at least this many samples; adaptive bins otherwise.
FIXED_BINS_MIN_INPUTS = 16
FIXED_BINS_MIN_SAMPLES = 5000


def auto_binning(n_inputs, n_samples=None):
    """"fixed" or "adaptive": what ``binning="auto"`` means for a hidden layer.

    Fixed-range bins (``[-bin_range, bin_range]``, width 2 by default) reproduce the
    published MNIST figures (784 inputs, 48,000 samples) and resolve potentials that
    are sums over many inputs with weights grown over many updates. On smaller data
    adaptive bins (each neuron's potential divided by its largest magnitude in the
    batch) resolve the potentials better: 5-fold accuracy, adaptive against fixed,
    on tables with at least 16 inputs and fewer than 5,000 rows: 5-class
    ``make_classification`` (3,000 x 30) 0.603 against 0.564, orange juice
    (1,070 x 19) 0.833 against 0.824, job attrition (1,470 x 71) 0.877 against
    0.871, body dimensions (507 x 24) 0.988 against 0.986; with fewer than 16 inputs
    (iris, 4 features) 0.953 against 0.867. See the user guide's accuracy page.
    None (unknown) for either count does not rule fixed bins out.
    """
    if n_inputs is not None and n_inputs < FIXED_BINS_MIN_INPUTS:
        return "adaptive"
    if n_samples is not None and n_samples < FIXED_BINS_MIN_SAMPLES:
        return "adaptive"
    return "fixed"


class InfomorphicBase(
    PlainStateMixin, InfomorphicTrainingMixin, NestedGoalParamsMixin, BaseEstimator
):
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

    def _expected_structure(self, n_classes):
        return [(n_classes if layer.readout else layer.n_neurons, layer.sources)
                for layer in self._layer_plan()]

    def _build_network(self, X, n_classes, rng, goals):
        specs = self._engine_specs(self._layer_plan(), goals, n_classes, X.shape[1],
                                   n_samples=X.shape[0])
        return Network.from_specs(X.shape[1], n_classes, specs, rng)

    def _engine_specs(self, plan, goals, n_classes, n_features=None, n_samples=None):
        """The engine's LayerSpec of every planned layer (readout: one neuron per class);
        ``n_features`` (inputs of the first layer) and ``n_samples`` (rows of the first
        fit or partial_fit call) let "auto" binning see each layer's number of inputs
        and the size of the data."""
        specs = []
        n_inputs = n_features
        for layer, (_, weights) in zip(plan, goals):
            # "auto": fixed-range bins for hidden layers with enough inputs trained on
            # enough samples (what reproduces the published figures, see
            # docs/user_guide/limitations.rst), adaptive ones otherwise (auto_binning),
            # and adaptive bins for the readout, always adaptive as in the papers.
            binning = "adaptive" if layer.readout else self.binning
            if binning == "auto":
                binning = auto_binning(n_inputs, n_samples)
            n_inputs = layer.n_neurons
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

    def _pid_rows(self, X):
        """X validated as the network's input rows for ``pid_atoms``."""
        return validate_data(self, X, reset=False, accept_sparse="csr", dtype=np.float64,
                             order="C")

    # -- input checks shared by the classifier and the transformer -------------------
    def _starts_over(self, incremental):
        """Whether this fit starts from scratch (and resets ``n_features_in_`` and
        ``classes_``): partial_fit on its first call, fit unless warm-started."""
        if incremental:
            return not hasattr(self, "_network")
        return not (self.warm_start and hasattr(self, "_network"))

    def _validate_rows(self, X, y="no_validation", reset=False, training=False):
        """Validated X (and y, unless "no_validation") as the fit loop takes them; a
        y of None where labels are needed gets scikit-learn's own error.

        ``training``: dense X is not checked for NaN and infinity here; the fit loop
        does it as it gathers the rows of the first epoch (raising the same error, the
        estimator left as before the call), which saves a pass over X.
        """
        checks = dict(_X_CHECKS, ensure_all_finite=not training or sparse.issparse(X))
        if isinstance(y, str) and y == "no_validation":
            return validate_data(self, X, reset=reset, **checks)
        return validate_data(self, X, y, reset=reset, y_numeric=False, **checks)

    def _fit_labels(self, y, first, classes=None):
        """Label indices of y. A first call sets ``classes_`` (from ``classes``, else
        from y); later ones check that ``classes``, if given, are ``classes_``."""
        if first:
            self.classes_, y_idx = self._encode(y, classes)
            return y_idx
        if classes is not None and not np.array_equal(
            sorted_labels(classes, "classes"), self.classes_
        ):
            raise ValueError(
                f"classes={classes!r} differs from classes_={self.classes_!r} "
                "of the first partial_fit call."
            )
        return self._encode(y, self.classes_)[1]

    def _outputs(self, X):
        """The network's deterministic outputs on new rows (fitted state checked)."""
        check_is_fitted(self)
        return self._checked_outputs(self._validate_rows(X))
