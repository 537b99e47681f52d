"""InfomorphicClassifier: supervised networks of infomorphic neurons."""

from dataclasses import replace
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions

from ._auto import auto_batch_size, learning_rates
from ._bad_input import fit_context
from ._base import InfomorphicBase, LayerPlan
from ._goal import Goal
from ._labels import canonical_sources, encode_labels
from ._persistence import public_path
from ._readout import ReadoutDecisionMixin
from ._weights import drop_zero_weights, fit_weights


@public_path
class InfomorphicClassifier(ClassifierMixin, ReadoutDecisionMixin, InfomorphicBase):
    """Classifier built from infomorphic neurons that each maximise a local PID goal.

    Hidden layers of infomorphic neurons (sources F = the layer below, C = the
    one-hot label, L = the layer's own previous outputs) feed an infomorphic readout
    layer with one neuron per class (F = the last hidden layer, C = its own class's
    label). Every layer maximises its own goal, a weighted sum of the I^sx PID atoms
    of its neurons' outputs; no gradient crosses layers.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Neurons per hidden layer. ``()`` trains the readout directly on the input.
    sources : {"FC", "FL", "FCL"}, default="FCL"
        Input classes of the hidden neurons: feedforward F with context C, lateral L
        or both.
    goal : Goal, str, dict or None, default=None
        Goal of the hidden neurons: a :class:`Goal`, a preset name (see
        :meth:`Goal.preset`) or a dict of atom weights. None uses the published
        optimised goal for ``sources``.
    readout_goal : Goal, str, dict or None, default=None
        Goal of the readout neurons (sources F, C). None uses the published readout
        goal ``red=1, unq_F=-0.2, unq_C=0.1, syn=0.1``.
    n_bins : int, default=20
        Bins per source potential for the PID estimate, 2 to 1024.
    binning : {"auto", "adaptive", "fixed"}, default="auto"
        Hidden-layer binning. "adaptive": each neuron's potential divided by its
        largest absolute value in the batch, bins on [-1, 1]; "fixed": bins on
        [-bin_range, bin_range], values clamped; "auto": fixed for hidden layers
        with at least 16 inputs trained on at least 5,000 samples (rows of X; of the
        first call for partial_fit), the setting that reproduces the published
        accuracies of every MNIST setup (the authors' public configuration uses
        adaptive bins for two-source layers, which measured about 2 points lower;
        see the user guide's limitations), and adaptive otherwise: fixed bins of
        width 2 barely resolve the potentials of layers with few inputs (iris, 4
        features: 0.953 adaptive, 0.867 fixed) or trained on small data (5-class
        make_classification, 3,000 x 30: 0.603 adaptive, 0.564 fixed; see the user
        guide's accuracy page). The readout is always adaptive.
    bin_range : float, default=20.0
        Half width of the fixed binning range.
    lateral_connections : int or None, default=None
        With L: each neuron listens to at most this many random other neurons of
        its layer (None: all others). 0 disconnects them: the lateral source is then
        the constant bias, an ablation baseline.
    k1, k2 : float, default=0.9, 2.0
        Bivariate activation ``sigmoid(f (k1 + (1 - k1) 2 sigmoid(k2 f s)))``.
        The readout always uses k1 = 1.
    c1, c2, w1, w2 : float, default=0.1, 0.1, 2.0, 2.0
        Trivariate activation ``sigmoid(f ((1-c1-c2) + c1 sigmoid(w1 f c) +
        c2 sigmoid(w2 f l)))``.
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is ``n_samples // 20`` clipped to [32, 256] (and at
        most n_samples): about 20 Adam updates per epoch on small data, batches of
        at least 32 samples for the PID estimates. The papers use 1024.
    learning_rate_init : float or "auto", default="auto"
        Adam learning rate of the hidden layers. "auto" follows the number of Adam
        updates per epoch, ``u = ceil(n_samples / batch_size)``: ``0.002 * clip(40 /
        u, 1, 3)``, so that an epoch moves the weights about as far as 40 updates at
        0.002 would. 0.002 from 40 updates per epoch on (the papers' MNIST setups, or
        about 10,000 samples with ``batch_size="auto"``), 0.004 for 640 to 5,120
        samples, 0.006 up to 416 samples (see the user guide's accuracy page).
        ``n_samples`` is the number of rows of the fit (of the first call for
        partial_fit).
    alpha : float, default=3.5e-4
        L2 weight decay of the hidden layers.
    readout_learning_rate : float or "auto", default="auto"
        Adam learning rate of the readout layer; "auto" is ``0.003 * clip(40 / u, 1,
        3)``, as for ``learning_rate_init``.
    readout_alpha : float, default=1.5e-4
        L2 weight decay of the readout layer.
    max_iter : int, default=100
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the single random generator of a fit (initial weights, lateral
        partners, shuffling, stochastic outputs, validation split).
    tol : float, default=1e-4
        Stop when the summed goal (or, with early stopping, the validation accuracy)
        has not improved by at least ``tol`` for ``n_iter_no_change`` epochs.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop on its accuracy; the
        weights of the best validation epoch are kept.
    validation_fraction : float, default=0.1
        Share of training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without improvement before stopping.
    warm_start : bool, default=False
        Continue from the previous fit's weights and optimiser state.
    verbose : bool or int, default=False
        Print one line per epoch: goal per layer, training accuracy, time.
    n_jobs : int or None, default=None
        Threads for the PID kernels and BLAS. None keeps the current numba thread
        count (inside joblib workers that is already ``cpus // n_jobs``); -1 uses
        all allowed cores.
    readout_calibration : bool, default=True
        Decide with calibrated readout neurons: each class neuron's firing
        probability is mapped to the probability of its class on the (weighted)
        training rows by a slope and intercept (Platt scaling, fitted during fit
        on at most 2,048 training rows; see Notes), so that neurons of
        different sharpness, and rare classes, compete fairly in the argmax. False
        predicts with the normalised firing probabilities, as in the papers.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, as in scikit-learn: ``{label: weight}`` (missing
        classes weigh 1) or "balanced", ``n_samples / (n_classes * n_k)`` for class
        k. They multiply ``sample_weight`` (see Notes for what a weight means here).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X has string feature names.
    n_iter_ : int
        Epochs run.
    layer_names_ : list of str
        ``hidden_0``, ..., ``readout``.
    goals_ : dict
        Layer name -> the resolved :class:`Goal`.
    coefs_, intercepts_ : list of dict
        Per layer, source letter -> weights / biases.
    goal_curve_ : ndarray of shape (n_epochs, n_layers)
        Mean goal per neuron per epoch and layer, in bits.
    loss_curve_ : list of float
        ``-goal_curve_.sum(axis=1)``: minus the summed goal per epoch, the quantity
        the stopping rule watches (MLPClassifier's name; lower is better).
    best_loss_ : float or None
        Lowest ``loss_curve_`` value; None with early stopping.
    pid_atoms_ : pandas.DataFrame
        One row per neuron (index layer, neuron): atoms, H_res, H_T and mutual
        informations in bits, recorded during the last epoch (the last epoch of
        ``pid_history_``; with early stopping, the epoch whose weights were kept).
    pid_history_ : pandas.DataFrame
        Tidy (epoch, layer, neuron, atom, bits) of every epoch.
    readout_flip_ : ndarray of bool
        Readout neurons whose output is inverted at prediction.
    readout_calibration_ : ndarray of shape (n_classes, 2) or None
        Slope and intercept of each readout neuron's calibration, applied to its
        log-odds (inverted where flipped); None when ``readout_calibration=False``.
    validation_scores_, best_validation_score_ : list, float or None
        Early-stopping accuracies.

    Notes
    -----
    Prediction is deterministic and needs no labels: the context input is zero,
    each hidden layer passes on its expected output ``2 theta - 1`` instead of a
    sample (the lateral recurrence uses the expected output of its first step),
    and a readout neuron is inverted when its mean firing probability on the
    training samples of its own class is below its mean on the other classes
    (information is invariant to flipping the output; a class without training
    samples falls back to mean firing probability >= 0.5). With
    ``readout_calibration=True`` (the default) each readout neuron's log-odds
    (inverted where flipped) are then mapped to the probability of its class by a
    slope and intercept (Platt scaling, with an L2 penalty on the slope);
    ``predict_proba`` normalises these over the classes (without calibration: the
    firing probabilities). Inversion and calibration form one decision, fitted
    inside fit on the training rows only (never the early-stopping validation
    rows): the inversion from the readout's firing probabilities in the training
    batches of the epoch whose weights are kept (no pass over X), the calibration
    from one prediction call with the final weights on at most 2,048 training rows
    (a fixed random subset of larger data), summarised as weighted log-odds
    histograms per class. ``partial_fit`` adds each chunk's summaries to those of
    the earlier chunks, so the decision covers every row seen. A sample's
    prediction never depends on the other samples it is predicted with. The
    early-stopping score is the accuracy of the inverted, uncalibrated readout.

    Sample and class weights act in every neuron's PID: each mini-batch's joint
    distribution is the weighted empirical one, ``P(t, s) = sum_i w_i P(Y=t | i)
    [bin_i = s] / sum_i w_i`` (the source marginals likewise), and each sample's
    share of the goal gradient is scaled by its weight. An integer weight counts like
    that many copies of the row in the PID; rows of weight 0 are left out before
    batching. The readout inversion and calibration, the early-stopping accuracy and
    ``pid_atoms_`` use the weights too.

    Before ``1 / learning_rate`` Adam updates of the slowest layer (500 at 0.002,
    167 at 0.006) the stopping rules do not count epochs without improvement: no
    weight can have moved by more than about 1 by then. After fit, an
    ``InfomorphicFitWarning`` names a class whose readout neuron carries almost no
    information about its label, or the single class predicted for every training
    sample, with what to try.

    A training run that diverges (a goal or weight no longer finite) stops with a
    ``ConvergenceWarning`` and keeps the weights after the last completed epoch; a
    ``KeyboardInterrupt`` during fit keeps the completed epochs too (``n_iter_``
    counts them). Sparse X (CSR) is densified one mini-batch at a time.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_infomorph import InfomorphicClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), InfomorphicClassifier(
    ...     hidden_layer_sizes=(20,), max_iter=3, random_state=0))
    >>> clf.fit(X, y).predict(X[:3]).shape
    (3,)
    >>> atoms = clf[-1].pid_atoms_          # bits, one row per (layer, neuron)
    >>> atoms.loc["readout"].dropna(axis=1).columns.tolist()[:4]
    ['{F}{C}', '{F}', '{C}', '{FC}']
    """

    _parameter_constraints = {
        **InfomorphicBase._parameter_constraints,
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "readout_goal": [None, str, dict, Goal],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "readout_learning_rate": [Interval(Real, 0, None, closed="neither"),
                                  StrOptions({"auto"})],
        "readout_alpha": [Interval(Real, 0, None, closed="left")],
        "readout_calibration": ["boolean"],
        "class_weight": [None, dict, StrOptions({"balanced"})],
    }

    # Pickles of format 0 (before the format existed) that lack these were fitted
    # before the readout calibration existed: they predict uncalibrated.
    _STATE_DEFAULTS = {"readout_calibration": (0, False), "readout_calibration_": (0, None)}

    def __init__(
        self, hidden_layer_sizes=(100,), *, sources="FCL", goal=None, readout_goal=None,
        n_bins=20, binning="auto", bin_range=20.0, lateral_connections=None, k1=0.9,
        k2=2.0, c1=0.1, c2=0.1, w1=2.0, w2=2.0, batch_size="auto",
        learning_rate_init="auto", alpha=3.5e-4, readout_learning_rate="auto",
        readout_alpha=1.5e-4, max_iter=100, shuffle=True, random_state=None, tol=1e-4,
        early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
        warm_start=False, verbose=False, n_jobs=None, readout_calibration=True,
        class_weight=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.sources = sources
        self.goal = goal
        self.readout_goal = readout_goal
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
        self.readout_learning_rate = readout_learning_rate
        self.readout_alpha = readout_alpha
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
        self.readout_calibration = readout_calibration
        self.class_weight = class_weight

    # -- structure -----------------------------------------------------------------
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if any(not isinstance(s, Integral) or s < 1 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}."
            )
        return sizes

    def _layer_plan(self):
        sources = canonical_sources(self.sources)
        hidden_rate, readout_rate = self._learning_rates()
        plan = [
            LayerPlan(f"hidden_{k}", sources, "goal", n_neurons=size,
                      learning_rate=hidden_rate, alpha=self.alpha)
            for k, size in enumerate(self._hidden_sizes())
        ]
        plan.append(LayerPlan("readout", "FC", "readout_goal", kind="readout",
                              learning_rate=readout_rate, alpha=self.readout_alpha))
        return plan

    def _learning_rates(self):
        """(hidden, readout) learning rates of the fit under way ("auto" resolved for
        ``_fit_rows``, set during fit and partial_fit; outside them: the base rates)."""
        return learning_rates(self.learning_rate_init, self.readout_learning_rate,
                              self.batch_size, getattr(self, "_fit_rows", None))

    # -- fitting -------------------------------------------------------------------
    def _encode(self, y, classes=None):
        return encode_labels(y, classes, who="InfomorphicClassifier")

    @fit_context
    def fit(self, X, y, sample_weight=None):
        """Train the network on (X, y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; scale it (e.g. StandardScaler) as for any neural network.
        y : array-like of shape (n_samples,)
            Class labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in every neuron's PID (see Notes);
            None weighs all samples equally.

        Returns
        -------
        self : InfomorphicClassifier
        """
        reset = self._starts_over(incremental=False)
        X, y = self._validate_rows(X, y, reset=reset, training=True)
        y_idx = self._fit_labels(y, reset)
        return self._fit_weighted(X, y_idx, sample_weight, incremental=False)

    @fit_context
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y), continuing from the current state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All classes; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample, as in :meth:`fit`.

        Returns
        -------
        self : InfomorphicClassifier
        """
        first = self._starts_over(incremental=True)
        X, y = self._validate_rows(X, y, reset=first, training=True)
        if first and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit, e.g. "
                "partial_fit(X, y, classes=np.unique(y_all))."
            )
        y_idx = self._fit_labels(y, first, classes)
        if self.class_weight == "balanced":
            raise ValueError(
                'class_weight="balanced" needs every label at once and is not supported by '
                "partial_fit; compute the weights on all labels, e.g. dict(zip(classes, "
                'compute_class_weight("balanced", classes=classes, y=y_all))), and pass '
                "that dict as class_weight."
            )
        return self._fit_weighted(X, y_idx, sample_weight, incremental=True)

    def _training_settings(self):
        settings = super()._training_settings()
        slowest = min(self._learning_rates())
        return replace(settings, auto_batch=auto_batch_size,
                       updates_before_stopping=int(np.ceil(1.0 / slowest)))

    def _fit_weighted(self, X, y_idx, sample_weight, incremental):
        """_fit_network with the combined sample and class weights (zero rows dropped)."""
        weights = fit_weights(
            sample_weight, self.class_weight, y_idx, len(self.classes_), self.classes_
        )
        X, y_idx, weights = drop_zero_weights(X, y_idx, weights)
        self._epoch_stats = {}  # this call's readout statistics, by epoch
        self._fit_rows = X.shape[0]  # the "auto" learning rates follow it
        try:
            self._fit_network(
                X, y_idx, len(self.classes_), incremental=incremental, sample_weight=weights
            )
        finally:
            del self._epoch_stats, self._fit_rows
        return self

    def _engine_predict(self, X):
        # The readout's firing probabilities as the neurons fire (the classifier
        # applies its decision).
        return self._network.readout_outputs(X)

    # -- prediction ----------------------------------------------------------------
    def predict_proba(self, X):
        """Class probabilities: the calibrated readout neurons, normalised.

        With ``readout_calibration=False``: the normalised firing probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        theta = self._outputs(X)
        if self.readout_calibration_ is None:
            theta = np.where(self.readout_flip_, 1.0 - theta, theta)
            return theta / theta.sum(axis=1, keepdims=True)
        return np.exp(self._decision().log_proba(theta))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        theta = self._outputs(X)  # checks the fitted state first
        return self._decision().log_proba(theta)

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # checks fitted state first
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.sparse = True
        return tags
