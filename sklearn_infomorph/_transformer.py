"""InfomorphicTransformer: one layer of infomorphic neurons as a feature extractor."""

from numbers import Integral

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ._bad_input import fit_context
from ._base import InfomorphicBase, LayerPlan
from ._labels import canonical_sources, encode_labels
from ._persistence import public_path
from ._weights import drop_zero_weights, sample_fit_weights

_FEATURE_PREFIX = "infomorphic"


@public_path
class InfomorphicTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, InfomorphicBase):
    """One layer of infomorphic neurons that learns features from a local PID goal.

    Each of the ``n_neurons`` neurons sees the data (feedforward source F) and,
    depending on ``sources``, the other neurons of the layer (lateral source L) and
    the one-hot label (context source C). It maximises its own goal, a weighted sum
    of the I^sx PID atoms of its binary output with respect to these sources. The
    learned features are the neurons' firing probabilities.

    - Unsupervised (``sources="FL"``, the default): ``fit(X)`` needs no labels.
      Lateral goals make the neurons specialise, e.g. ``goal="lateral_heuristic"``
      (unique information of F: each neuron encodes what the others do not) or
      the published ``"lateral_optimised"`` goal (the default).
    - Supervised (``sources`` includes C, e.g. ``"FC"`` or ``"FCL"``):
      ``fit(X, y)`` uses the one-hot label as context during training.
      :meth:`transform` never needs labels (the context input is zero).

    Parameters
    ----------
    n_neurons : int, default=100
        Number of neurons, i.e. of output features.
    sources : {"FL", "FC", "FCL"}, default="FL"
        Input classes of the neurons: feedforward F with lateral L (unsupervised),
        context C (supervised) or both (supervised).
    goal : Goal, str, dict or None, default=None
        Goal of the neurons: a :class:`Goal`, a preset name (see
        :meth:`Goal.preset`) or a dict of atom weights. None uses the published
        optimised goal for ``sources``.
    output : {"probability", "sign"}, default="probability"
        What :meth:`transform` returns: each neuron's firing probability
        ``P(Y=+1)`` in [0, 1], or the deterministic code ``+1`` where that
        probability is >= 0.5 and ``-1`` elsewhere.
    n_bins : int, default=20
        Bins per source potential for the PID estimate, 2 to 1024.
    binning : {"auto", "adaptive", "fixed"}, default="auto"
        "adaptive": each neuron's potential divided by its largest absolute value
        in the batch, bins on [-1, 1]; "fixed": bins on [-bin_range, bin_range], values
        clamped; "auto": fixed for layers with at least 16 inputs trained on at
        least 5,000 samples, the setting that reproduces the published MNIST
        accuracies (see the user guide's limitations for the evidence), adaptive
        otherwise (see the classifier).
    bin_range : float, default=20.0
        Half width of the fixed binning range.
    lateral_connections : int or None, default=None
        With L: each neuron listens to at most this many random other neurons
        (None: all others). 0 disconnects them: the lateral source is then the
        constant bias, an ablation baseline.
    k1, k2 : float, default=0.9, 2.0
        Bivariate activation ``sigmoid(f (k1 + (1 - k1) 2 sigmoid(k2 f s)))``.
    c1, c2, w1, w2 : float, default=0.1, 0.1, 2.0, 2.0
        Trivariate activation ``sigmoid(f ((1-c1-c2) + c1 sigmoid(w1 f c) +
        c2 sigmoid(w2 f l)))``.
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is ``min(256, n_samples)``. The papers use 1024.
        The PID is estimated per batch, so very small batches give noisy goals.
    learning_rate_init : float, default=0.002
        Adam learning rate.
    alpha : float, default=3.5e-4
        L2 weight decay.
    max_iter : int, default=100
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the single random generator of a fit (initial weights, lateral
        partners, shuffling, stochastic outputs, validation split).
    tol : float, default=1e-4
        Stop when the mean goal (or, with early stopping, the validation goal)
        has not improved by at least ``tol`` for ``n_iter_no_change`` epochs.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop on the mean goal of
        the neurons evaluated on it without learning (with C, on its labels); the
        weights of the best validation epoch are kept.
    validation_fraction : float, default=0.1
        Share of training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before stopping.
    warm_start : bool, default=False
        Continue from the previous fit's weights and optimiser state.
    verbose : bool or int, default=False
        Print one line per epoch: mean goal and time.
    n_jobs : int or None, default=None
        Threads for the PID kernels and BLAS. None keeps the current numba thread
        count (inside joblib workers that is already ``cpus // n_jobs``); -1 uses
        all allowed cores.

    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X has string feature names.
    classes_ : ndarray of shape (n_classes,)
        Only with a context source C: the labels, in one-hot order.
    n_iter_ : int
        Epochs run.
    layer_names_ : list of str
        ``["hidden_0"]``.
    goal_ : Goal
        The resolved goal of the neurons (also in ``goals_["hidden_0"]``).
    coefs_, intercepts_ : list of dict
        One dict, source letter -> weights / biases. ``coefs_[0]["F"]`` of shape
        (n_features, n_neurons) holds the receptive fields.
    goal_curve_ : ndarray of shape (n_epochs, 1)
        Mean goal per neuron per epoch, in bits.
    pid_atoms_ : pandas.DataFrame
        One row per neuron (index layer, neuron): atoms, H_res, H_T and mutual
        informations in bits, on the training data after the last epoch.
    pid_history_ : pandas.DataFrame
        Tidy (epoch, layer, neuron, atom, bits) of every epoch.
    validation_scores_, best_validation_score_ : list, float or None
        Early-stopping validation goals (bits per neuron).

    See Also
    --------
    InfomorphicClassifier : The same neurons with an infomorphic readout.

    Notes
    -----
    :meth:`transform` is deterministic and batch independent: the context input is
    zero and, with a lateral source, the recurrence uses the expected output
    ``2 theta - 1`` of its first step instead of a sample. Output feature names are
    ``infomorphic0``, ``infomorphic1``, ...

    Sample weights act in every neuron's PID, as in :class:`InfomorphicClassifier`:
    each mini-batch's joint distribution is the weighted empirical one, and each
    sample's share of the goal gradient is scaled by its weight. An integer weight
    counts like that many copies of the row in the PID; rows of weight 0 are left
    out before training (also from the batches and the early-stopping split); weights
    that are all 1 give the unweighted fit bit for bit. ``pid_atoms_`` and the
    early-stopping goal use the weights too.

    A training run that diverges (a goal or weight no longer finite) stops with a
    ``ConvergenceWarning`` and keeps the weights after the last completed epoch; a
    ``KeyboardInterrupt`` during fit keeps the completed epochs too (``n_iter_``
    counts them). Sparse X (CSR) is densified one mini-batch at a time.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_infomorph import InfomorphicTransformer
    >>> X, y = load_digits(return_X_y=True)
    >>> features = InfomorphicTransformer(n_neurons=20, max_iter=3, random_state=0)
    >>> make_pipeline(StandardScaler(), features).fit_transform(X).shape
    (1797, 20)
    >>> features.get_feature_names_out()[:3].tolist()
    ['infomorphic0', 'infomorphic1', 'infomorphic2']
    >>> clf = make_pipeline(StandardScaler(), InfomorphicTransformer(
    ...     n_neurons=20, max_iter=3, random_state=0), LogisticRegression())
    >>> clf.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **InfomorphicBase._parameter_constraints,
        "n_neurons": [Interval(Integral, 1, None, closed="left")],
        "output": [StrOptions({"probability", "sign"})],
    }

    def __init__(
        self, n_neurons=100, *, sources="FL", goal=None, output="probability", n_bins=20,
        binning="auto", bin_range=20.0, lateral_connections=None, k1=0.9, k2=2.0,
        c1=0.1, c2=0.1, w1=2.0, w2=2.0, batch_size="auto", learning_rate_init=0.002,
        alpha=3.5e-4, max_iter=100, shuffle=True, random_state=None, tol=1e-4,
        early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
        warm_start=False, verbose=False, n_jobs=None,
    ):
        self.n_neurons = n_neurons
        self.sources = sources
        self.goal = goal
        self.output = output
        self.n_bins = n_bins
        self.binning = binning
        self.bin_range = bin_range
        self.lateral_connections = lateral_connections
        self.k1 = k1
        self.k2 = k2
        self.c1 = c1
        self.c2 = c2
        self.w1 = w1
        self.w2 = w2
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.verbose = verbose
        self.n_jobs = n_jobs

    # -- structure -----------------------------------------------------------------
    def _layer_plan(self):
        sources = canonical_sources(self.sources)
        return [LayerPlan("hidden_0", sources, "goal", n_neurons=self.n_neurons,
                          learning_rate=self.learning_rate_init, alpha=self.alpha)]

    def _supervised(self):
        return "C" in canonical_sources(self.sources)

    @property
    def _n_features_out(self):
        # Used by get_feature_names_out; AttributeError (so "not fitted") before fit.
        return self._network.n_outputs

    @property
    def goal_(self):
        """The resolved :class:`Goal` of the neurons."""
        check_is_fitted(self)
        return self.goals_["hidden_0"]

    # -- fitting -------------------------------------------------------------------
    def _encode(self, y, classes=None):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} with sources={self.sources!r} requires y to be "
                "passed, but the target y is None: the context source C is the one-hot "
                "label. Call fit(X, y), or use sources='FL' for an unsupervised layer."
            )
        return encode_labels(y, classes, who="A context source C")

    def _fit_data(self, X, y, incremental, classes=None):
        """Validated X, label indices (None without a context source C) and the size
        of the one-hot context."""
        first = self._starts_over(incremental)
        if not self._supervised():
            # Unsupervised: y is accepted (pipelines pass it) and ignored.
            X = self._validate_rows(X, reset=first, training=True)
            if first and not incremental and hasattr(self, "classes_"):
                del self.classes_
            return X, None, 0
        if y is None:
            self._encode(None)  # raises the "needs y" error
        X, y = self._validate_rows(X, y, reset=first, training=True)
        if first or hasattr(self, "classes_"):
            y_idx = self._fit_labels(y, first, classes if incremental else None)
            return X, y_idx, len(self.classes_)
        # Continued from a fit without C (no classes_): the structure check in
        # _fit_network then refuses the new source.
        classes, y_idx = self._encode(y, classes)
        return X, y_idx, len(classes)

    @fit_context
    def fit(self, X, y=None, sample_weight=None):
        """Learn the layer's weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; scale it (e.g. StandardScaler) as for any neural network.
        y : array-like of shape (n_samples,), default=None
            Class labels, required when ``sources`` includes the context C and
            ignored otherwise.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in every neuron's PID (see Notes);
            rows of weight 0 are left out. None weighs every sample 1.

        Returns
        -------
        self : InfomorphicTransformer
        """
        X, y_idx, n_classes = self._fit_data(X, y, incremental=False)
        return self._fit_weighted(X, y_idx, n_classes, sample_weight, incremental=False)

    @fit_context
    def partial_fit(self, X, y=None, classes=None, sample_weight=None):
        """One epoch over X (and y), continuing from the current state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Class labels; required with a context source C, ignored otherwise.
        classes : array-like of shape (n_classes,), default=None
            All classes, read on the first call with a context source C. None takes
            the classes of that first y; later calls cannot add classes (their
            labels must be among them).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample, as in :meth:`fit`.

        Returns
        -------
        self : InfomorphicTransformer
        """
        X, y_idx, n_classes = self._fit_data(X, y, incremental=True, classes=classes)
        return self._fit_weighted(X, y_idx, n_classes, sample_weight, incremental=True)

    def _fit_weighted(self, X, y_idx, n_classes, sample_weight, incremental):
        """_fit_network with the checked sample weights, rows of weight 0 dropped."""
        weights = sample_fit_weights(sample_weight, X.shape[0])
        X, y_idx, weights = drop_zero_weights(X, y_idx, weights)
        return self._fit_network(X, y_idx, n_classes, incremental=incremental,
                                 sample_weight=weights)

    def _engine_predict(self, X):
        return self._network.hidden_expected(X)

    def _validation_score(self, X_val, y_val, flip, sample_weight=None):
        """Mean goal per neuron on held-out data, evaluated without learning (bits);
        with ``sample_weight``, each batch's goal is that of its weighted PID."""
        onehot = None
        if y_val is not None:
            onehot = np.eye(len(self.classes_))[y_val]
        sums = self._evaluate(X_val, onehot, sample_weight=sample_weight).sums
        return float(sum(goal.mean() for _, _, goal in sums) / X_val.shape[0])

    # -- transforming --------------------------------------------------------------
    def transform(self, X):
        """Firing probabilities (or +-1 codes) of the neurons; no labels needed.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_neurons)
            ``P(Y=+1)`` per neuron with ``output="probability"``; ``+1`` where it
            is >= 0.5 and ``-1`` elsewhere with ``output="sign"``.
        """
        theta = self._outputs(X)
        if self.output == "sign":
            return np.where(theta >= 0.5, 1.0, -1.0)
        return theta

    def get_feature_names_out(self, input_features=None):
        """Output feature names ``infomorphic0``, ``infomorphic1``, ...

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against ``feature_names_in_``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features, generate_names=False)
        return np.asarray(
            [f"{_FEATURE_PREFIX}{i}" for i in range(self._n_features_out)], dtype=object
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.sparse = True
        try:
            supervised = self._supervised()
        except ValueError:  # invalid sources: fit reports it
            supervised = False
        # Labels are optional for the unsupervised (F, L) layer, required with C.
        tags.target_tags.required = supervised
        return tags
