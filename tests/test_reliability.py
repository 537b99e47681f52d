"""Reliability: plain fitted state, parameter validation, bad and extreme input,
numerical safety, divergence, interruption and reproducibility."""

import importlib
import pkgutil
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from numba.core.registry import CPUDispatcher
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from sklearn_infomorph import Goal, InfomorphicClassifier, InfomorphicTransformer
from sklearn_infomorph import _engine as engine
from sklearn_infomorph._diagnostics import InfomorphicFitWarning
from sklearn_infomorph._engine import _network
from sklearn_infomorph._engine._batch_pid import BatchPID

CONFIGS = [
    (InfomorphicClassifier, dict(hidden_layer_sizes=(5,), sources="FC")),
    (InfomorphicClassifier, dict(hidden_layer_sizes=(5,), sources="FL")),
    (InfomorphicClassifier, dict(hidden_layer_sizes=(5, 4), sources="FCL")),
    (InfomorphicTransformer, dict(n_neurons=5, sources="FL")),
    (InfomorphicTransformer, dict(n_neurons=5, sources="FC")),
    (InfomorphicTransformer, dict(n_neurons=5, sources="FCL")),
]
IDS = [f"{cls.__name__[11:]}-{p['sources']}" for cls, p in CONFIGS]


def make(cls, **params):
    base = dict(max_iter=3, batch_size=32, random_state=0, n_jobs=1)
    return cls(**{**base, **params})


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return (X - X.mean(0)) / X.std(0), y


def outputs(est, X):
    if isinstance(est, InfomorphicClassifier):
        return est.predict_proba(X)
    return est.transform(X)


def weights(est):
    return [(k, v) for layer in est.coefs_ + est.intercepts_ for k, v in layer.items()]


def assert_same_model(a, b, X):
    for (ka, va), (kb, vb) in zip(weights(a), weights(b), strict=True):
        assert ka == kb
        np.testing.assert_array_equal(va, vb)
    np.testing.assert_array_equal(outputs(a, X), outputs(b, X))
    pd.testing.assert_frame_equal(a.pid_atoms_, b.pid_atoms_)


# -- fitted state --------------------------------------------------------------------
_SCALARS = (bool, int, float, str, type(None), np.number, np.bool_)


def _plain(value, path, seen):
    """Fail on anything reachable that is not an array, scalar, frame or container."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, _SCALARS):
        return
    if isinstance(value, np.ndarray):
        assert value.dtype.kind in "biuf" or (
            value.dtype.kind in "OU" and all(isinstance(v, (str, int)) for v in value.ravel())
        ), f"{path}: array of {value.dtype}"
        return
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _plain(item, f"{path}[{i}]", seen)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _plain(key, f"{path} key", seen)
            _plain(item, f"{path}[{key!r}]", seen)
        return
    # Objects of this package (the private engine, Goal) are walked into: they must be
    # made of the same plain parts. Anything else (a numba object, a random generator,
    # a function, a lock) fails.
    module = type(value).__module__
    # Public types (Goal) pickle under the package's top level, "sklearn_infomorph".
    assert module.split(".")[0] == "sklearn_infomorph", f"{path}: {type(value)!r}"
    _plain(vars(value), f"{path}.", seen)


@pytest.mark.short_fit
@pytest.mark.parametrize("cls, params", CONFIGS, ids=IDS)
def test_fitted_state_is_plain_arrays_scalars_and_frames(cls, params, data):
    X, y = data
    est = make(cls, early_stopping=True, **params).fit(X, y)
    est.partial_fit(X, y)
    hyper = est.get_params(deep=False)
    state = {k: v for k, v in vars(est).items() if k not in hyper}
    assert "_network" in state and "_rng_state" in state
    _plain(state, "est", set())
    # Public fitted attributes are plain without walking into any object.
    for name in ("coefs_", "intercepts_", "goal_curve_", "pid_atoms_", "pid_history_"):
        _plain(getattr(est, name), name, {id(Goal)})


# -- parameter validation ------------------------------------------------------------
BAD_PARAMS = [
    ("n_bins", 1, r"'n_bins' parameter .* range \[2, 1024\]"),
    ("n_bins", 5000, r"'n_bins' parameter .* range \[2, 1024\]"),
    ("binning", "equal", r"'binning' parameter .* among \{.*'adaptive'"),
    ("bin_range", 0.0, r"'bin_range' parameter .* range \(0.0, inf\)"),
    ("bin_range", np.inf, r"'bin_range' parameter"),
    ("lateral_connections", -1, r"'lateral_connections' parameter .* None or an int"),
    ("k1", 1.5, r"'k1' parameter .* range \[0.0, 1.0\]"),
    ("k2", np.nan, r"'k2' parameter .* range \(-inf, inf\)"),
    ("c1", -0.1, r"'c1' parameter"),
    ("c2", 2, r"'c2' parameter"),
    ("w1", np.inf, r"'w1' parameter"),
    ("w2", "a", r"'w2' parameter"),
    ("batch_size", 0, r"'batch_size' parameter .* among \{'auto'\} or an int"),
    ("learning_rate_init", 0.0, r"'learning_rate_init' parameter .* \(0.0, inf\)"),
    ("alpha", -1.0, r"'alpha' parameter"),
    ("max_iter", 0, r"'max_iter' parameter"),
    ("shuffle", "yes", r"'shuffle' parameter .*'bool'"),
    ("random_state", "seed", r"'random_state' parameter"),
    ("tol", -1.0, r"'tol' parameter"),
    ("early_stopping", 2, r"'early_stopping' parameter"),
    ("validation_fraction", 1.0, r"'validation_fraction' parameter .* \(0.0, 1.0\)"),
    ("n_iter_no_change", 0, r"'n_iter_no_change' parameter"),
    ("warm_start", None, r"'warm_start' parameter"),
    ("verbose", "loud", r"'verbose' parameter"),
    ("n_jobs", 0, r"'n_jobs' parameter .* None, an int in the range \(-inf, -1\]"),
    ("sources", "F", r"sources must name .* 'FC', 'FL' or 'FCL'"),
    ("sources", ("F", 1), r"sources must name"),
    ("sources", 3, r"'sources' parameter"),
    ("goal", 3, r"'goal' parameter .* None, .*dict"),
    ("goal", "no_such", r"'goal' parameter of .*: Unknown goal preset .*context_heuristic"),
    ("goal", {"red": np.nan}, r"'goal' parameter .*'red' must be a finite real"),
    ("goal", {"red": np.inf}, r"'goal' parameter .*'red' must be a finite real"),
    ("goal", {"red": "1"}, r"'goal' parameter .*'red' must be a finite real"),
    ("goal", {"red": True}, r"'goal' parameter .*'red' must be a finite real"),
    ("goal", Goal(unq_L=1.0), r"'goal' parameter .*unknown atom 'unq_L'.*Valid names: "
     r"\{F\}\{C\}, \{F\}, \{C\}, \{FC\}, aliases"),
]
CLASSIFIER_ONLY = [
    ("hidden_layer_sizes", (4, 0), r"hidden_layer_sizes must be positive integers"),
    ("hidden_layer_sizes", "big", r"'hidden_layer_sizes' parameter"),
    ("readout_goal", {"bogus": 1.0}, r"'readout_goal' parameter .*unknown atom 'bogus'"),
    ("readout_goal", "nope", r"'readout_goal' parameter .*Unknown goal preset"),
    ("readout_learning_rate", -1.0, r"'readout_learning_rate' parameter"),
    ("readout_alpha", -1.0, r"'readout_alpha' parameter"),
]
TRANSFORMER_ONLY = [
    ("n_neurons", 0, r"'n_neurons' parameter .* range \[1, inf\)"),
    ("output", "binary", r"'output' parameter .* among \{.*'probability'"),
]


@pytest.mark.parametrize(
    "cls, name, value, message",
    [(InfomorphicClassifier, *case) for case in BAD_PARAMS + CLASSIFIER_ONLY]
    + [(InfomorphicTransformer, *case) for case in BAD_PARAMS[:5] + TRANSFORMER_ONLY],
)
def test_every_bad_parameter_is_named(cls, name, value, message, data):
    X, y = data
    est = make(cls, sources="FC", hidden_layer_sizes=(3,)) if cls is InfomorphicClassifier \
        else make(cls, sources="FC", n_neurons=3)
    est.set_params(**{name: value})
    with pytest.raises((ValueError, TypeError), match=message):
        est.fit(X, y)
    with pytest.raises((ValueError, TypeError), match=message):
        clone(est).partial_fit(X, y, classes=np.unique(y))


def test_every_parameter_has_a_constraint():
    for cls in (InfomorphicClassifier, InfomorphicTransformer):
        assert set(cls._parameter_constraints) == set(cls().get_params(deep=False))


def test_c1_plus_c2_and_goal_checked_before_any_data():
    # Parameter errors come first, even with data that would fail too.
    with pytest.raises(ValueError, match=r"c1 \+ c2 must be <= 1"):
        InfomorphicClassifier(c1=0.6, c2=0.6).fit([[np.nan]], [0])


# -- bad and extreme input -----------------------------------------------------------
@pytest.mark.short_fit
@pytest.mark.parametrize("cls, params", CONFIGS[:1] + CONFIGS[3:4], ids=IDS[:1] + IDS[3:4])
def test_bad_input_clear_errors(cls, params, data):
    X, y = data
    est = make(cls, **params)
    for bad, message in [(np.nan, "Input X contains NaN"), (np.inf, "Input X contains inf")]:
        X_bad = X.copy()
        X_bad[5, 2] = bad
        with pytest.raises(ValueError, match=message):
            clone(est).fit(X_bad, y)
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        clone(est).fit(X[:0], y[:0])
    with pytest.raises(ValueError, match=r"0 feature\(s\)"):
        clone(est).fit(X[:, :0], y)
    with pytest.raises(ValueError, match="Expected 2D array"):
        clone(est).fit(X[:, 0], y)
    fitted = clone(est).fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features"):
        outputs(fitted, X[:, :5])


def test_label_errors(data):
    X, y = data
    clf = make(InfomorphicClassifier, hidden_layer_sizes=(3,))
    with pytest.raises(ValueError, match=r"mixes label types \(number, string\)"):
        clf.fit(X, np.array([1, "a"] * 60, dtype=object))
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        clf.fit(X, X[:, 0])
    with pytest.raises(ValueError, match="at least 2 classes; got 1"):
        clf.fit(X[:1], y[:1])  # one sample
    with pytest.raises(ValueError, match=r"labels not in classes: \['c'\]"):
        clf.partial_fit(X, np.where(y == 2, "c", "a"), classes=["a", "b"])
    with pytest.raises(ValueError, match=r"labels not in classes"):  # int y, str classes
        clone(clf).partial_fit(X, y, classes=["a", "b"])


@pytest.mark.short_fit
def test_one_sample_and_one_feature(data):
    X, y = data
    one = make(InfomorphicTransformer, n_neurons=3).fit(X[:1])
    assert np.isfinite(one.transform(X)).all()
    clf = make(InfomorphicClassifier, hidden_layer_sizes=(3,)).fit(X[:, :1], y)
    assert np.isin(clf.predict(X[:, :1]), clf.classes_).all()


def _finite_model(est, X):
    assert all(np.isfinite(v).all() for _, v in weights(est))
    assert np.isfinite(est.goal_curve_).all()
    out = outputs(est, X)
    assert np.isfinite(out).all() and np.all((out > 0) & (out < 1))
    return out


@pytest.mark.short_fit
@pytest.mark.parametrize("cls, params", CONFIGS, ids=IDS)
def test_extreme_but_valid_inputs_give_finite_models(cls, params, data):
    X, y = data
    for X_odd in (np.ones_like(X), X * 1e6, X * 1e-6, np.c_[X, np.full(len(X), 7.0)]):
        _finite_model(make(cls, **params).fit(X_odd, y), X_odd)
    # n_bins=2, a batch larger than the data, lateral connections cut to 0
    _finite_model(make(cls, n_bins=2, batch_size=10**6, lateral_connections=0, **params)
                  .fit(X, y), X)


def _flip_rule(theta, y_idx):
    """The readout inversion rule: a neuron is inverted when its mean firing
    probability on its own class is below that on the other classes."""
    return np.array([theta[y_idx == k, k].mean() < theta[y_idx != k, k].mean()
                     for k in range(theta.shape[1])])


@pytest.mark.short_fit
def test_readout_flip_follows_the_rule_on_the_last_epoch(data, monkeypatch):
    # The flip is the inversion rule applied to the readout's firing probabilities of
    # the last epoch's batches, as trained (no pass over the data after fit).
    X, y = data  # 120 samples, batches of 32: 4 batches per epoch
    seen = []
    original = _network.Network.train_batch

    def recording(self, x, y_onehot, rng, update=True, readout_theta=None, **kwargs):
        out = original(self, x, y_onehot, rng, update=update, readout_theta=readout_theta,
                       **kwargs)
        seen.append((readout_theta.copy(), y_onehot.argmax(axis=1)))
        return out

    monkeypatch.setattr(_network.Network, "train_batch", recording)
    clf = make(InfomorphicClassifier, hidden_layer_sizes=(4,), n_bins=5).fit(X, y)
    assert len(seen) == 12
    theta = np.vstack([t for t, _ in seen[-4:]])
    labels = np.concatenate([c for _, c in seen[-4:]])
    np.testing.assert_array_equal(clf.readout_flip_, _flip_rule(theta, labels))
    # Sparse X trains on the same float32 rows, hence the same flip.
    sparse_clf = make(InfomorphicClassifier, hidden_layer_sizes=(4,), n_bins=5).fit(
        sparse.csr_matrix(X), y
    )
    np.testing.assert_array_equal(sparse_clf.readout_flip_, clf.readout_flip_)


@pytest.mark.short_fit
def test_readout_flip_agrees_with_a_pass_over_the_data_once_learned():
    # Where the readout has learned, the flip from the last epoch's batches is the one
    # a separate deterministic pass over the training data would decide.
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X - X.mean(0)) / (X.std(0) + 1e-9)
    for sources in ("FC", "FL", "FCL"):
        clf = make(InfomorphicClassifier, hidden_layer_sizes=(30,), sources=sources,
                   max_iter=10, batch_size=64).fit(X, y)
        assert clf.score(X, y) > 0.7
        flip = clf.readout_flip_.copy()
        assert 0 < flip.sum() < len(flip)  # both kinds of neuron: the rule is exercised
        theta = clf._network.readout_outputs(X)
        np.testing.assert_array_equal(_flip_rule(theta, y), flip)


@pytest.mark.short_fit
def test_hundred_classes():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(100), 3)
    X = rng.normal(size=(300, 4)) + y[:, None] * 0.05
    clf = make(InfomorphicClassifier, hidden_layer_sizes=(8,), max_iter=2)
    with pytest.warns(InfomorphicFitWarning, match="readout neurons of 9\\d of 100 classes"):
        clf.fit(X, y)  # 3 rows per class, 2 epochs: not learned, one warning says so
    proba = _finite_model(clf, X)
    assert proba.shape == (300, 100)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.readout_flip_.shape == (100,)


@pytest.mark.short_fit
def test_string_and_categorical_labels_equal_integer_codes(data):
    X, y = data
    names = np.array(["cat", "dog", "eel"])
    ints = make(InfomorphicClassifier, hidden_layer_sizes=(4,)).fit(X, y)
    strs = make(InfomorphicClassifier, hidden_layer_sizes=(4,)).fit(X, names[y])
    cats = make(InfomorphicClassifier, hidden_layer_sizes=(4,)).fit(
        X, pd.Series(pd.Categorical(names[y]))
    )
    for other in (strs, cats):
        np.testing.assert_array_equal(other.classes_, names)
        np.testing.assert_array_equal(other.predict(X), names[ints.predict(X)])
        np.testing.assert_array_equal(other.predict_proba(X), ints.predict_proba(X))


@pytest.mark.short_fit
@pytest.mark.parametrize("cls, params", CONFIGS, ids=IDS)
def test_dtype_layout_and_sparse_inputs_give_the_same_model(cls, params, data):
    X, y = data
    X = np.round(X * 4)  # integer valued, exactly representable in every dtype
    reference = make(cls, **params).fit(X, y)
    variants = [
        X.astype(np.float32), X.astype(np.int64), np.asfortranarray(X),
        np.repeat(X, 2, axis=1)[:, ::2], X.tolist(), pd.DataFrame(X),
        sparse.csr_matrix(X), sparse.csc_array(X), sparse.coo_matrix(X),
    ]
    for X_variant in variants:
        est = make(cls, **params).fit(X_variant, y)
        for (_, a), (_, b) in zip(weights(reference), weights(est)):
            # sparse products sum in another order: equal up to rounding
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(outputs(est, X_variant), outputs(reference, X),
                                   rtol=1e-9, atol=1e-12)


@pytest.mark.short_fit
def test_lateral_connections_zero_is_an_ablation(data):
    X, y = data
    tr = make(InfomorphicTransformer, n_neurons=4, lateral_connections=0).fit(X)
    np.testing.assert_array_equal(tr.coefs_[0]["L"], 0.0)
    np.testing.assert_allclose(tr.pid_atoms_["MI_L"], 0.0, atol=1e-12)
    assert (tr.pid_atoms_["MI_F"] > 0).all()


@pytest.mark.short_fit
def test_warm_start_applies_a_changed_goal(data):
    X, y = data
    tr = make(InfomorphicTransformer, n_neurons=4, sources="FC", goal={"red": 1.0}).fit(X, y)
    tr.set_params(warm_start=True, goal={"syn": 1.0}).fit(X, y)
    assert tr.goal_.get_params() == {"syn": 1.0}
    layer = tr._network.layers[0]
    gamma = np.zeros(len(layer.lattice))
    gamma[layer.lattice.index("syn")] = 1.0
    np.testing.assert_array_equal(layer.gamma, gamma)


# -- numerical safety ----------------------------------------------------------------
def test_no_fastmath_that_drops_nan_or_inf():
    # fastmath=True (or the nnan / ninf flags) lets LLVM assume no NaN/inf, which would
    # void the finiteness checks; fused multiply-adds ("contract") keep them.
    kernels = []
    for info in pkgutil.iter_modules(engine.__path__):
        module = importlib.import_module(f"{engine.__name__}.{info.name}")
        kernels += [obj for obj in vars(module).values() if isinstance(obj, CPUDispatcher)]
    assert len(kernels) >= 5
    for kernel in kernels:
        flags = kernel.targetoptions.get("fastmath", False)
        assert flags is False or (
            isinstance(flags, (set, frozenset)) and not flags & {"fast", "nnan", "ninf"}
        ), (kernel.py_func.__name__, flags)


def test_pid_of_saturated_neurons_is_finite():
    # Every neuron at the clamp bound on every sample: P(t) near 0 or 1, no log(0).
    rng = np.random.default_rng(0)
    pid = BatchPID(3, "FCL")
    bins = rng.integers(0, 4, size=(64, 5, 3))
    theta = np.full((64, 5), 1e-6)
    theta[:, 1] = 1 - 1e-6
    gamma = rng.normal(size=len(pid.lattice))
    atoms, h_res, goal, grad = pid.evaluate(bins, theta, 4, gamma, gamma_h=0.5)
    for array in (atoms, h_res, goal, grad):
        assert np.isfinite(array).all()


# -- divergence and interruption -----------------------------------------------------
def _patched_train_batch(monkeypatch, at_call, action):
    """Run ``action(network)`` at the ``at_call``-th learning batch (1-based)."""
    original = _network.Network.train_batch
    calls = {"n": 0}

    def train_batch(self, x, y_onehot, rng, update=True, **kwargs):
        if update:
            calls["n"] += 1
            if calls["n"] == at_call:
                action(self)
        return original(self, x, y_onehot, rng, update=update, **kwargs)

    monkeypatch.setattr(_network.Network, "train_batch", train_batch)


def _poison(network):
    network.layers[0].params["W_F"][0, 0] = np.nan


def _interrupt(network):
    raise KeyboardInterrupt


@pytest.mark.short_fit
@pytest.mark.parametrize("cls, params", [CONFIGS[2], CONFIGS[3]], ids=[IDS[2], IDS[3]])
@pytest.mark.parametrize("action, warning", [(_poison, ConvergenceWarning),
                                             (_interrupt, UserWarning)])
def test_divergence_or_interrupt_keeps_the_completed_epochs(
    cls, params, action, warning, data, monkeypatch
):
    X, y = data  # 120 samples, batches of 32: 4 batches per epoch
    reference = make(cls, max_iter=2, **params).fit(X, y)
    _patched_train_batch(monkeypatch, 11, action)  # third batch of the third epoch
    with pytest.warns(warning, match=r"(diverged in epoch 3|interrupted).*after the 2 "):
        est = make(cls, max_iter=10, **params).fit(X, y)
    assert est.n_iter_ == 2 and est.goal_curve_.shape[0] == 2 and est.t_ == 240
    for (_, a), (_, b) in zip(weights(reference), weights(est), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(outputs(est, X), outputs(reference, X))
    assert est.pid_history_["epoch"].nunique() == 2


def test_interrupt_in_the_first_epoch_leaves_empty_records(data, monkeypatch):
    X, y = data
    _patched_train_batch(monkeypatch, 2, _interrupt)
    with pytest.warns(UserWarning, match="interrupted"):
        est = make(InfomorphicClassifier, max_iter=5, sources="FC").fit(X, y)
    assert est.n_iter_ == 0
    history = est.pid_history_
    assert history.empty
    assert list(history.columns) == ["epoch", "layer", "neuron", "atom", "bits"]
    assert est.predict(X).shape == (len(X),)


def test_divergence_in_partial_fit_keeps_the_previous_state(data, monkeypatch):
    X, y = data
    tr = make(InfomorphicTransformer, n_neurons=4).partial_fit(X)
    before = [v.copy() for _, v in weights(tr)]
    _patched_train_batch(monkeypatch, 2, _poison)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        tr.partial_fit(X)
    assert tr.n_iter_ == 1
    for a, (_, b) in zip(before, weights(tr)):
        np.testing.assert_array_equal(a, b)


def test_real_divergence_stops_with_a_finite_model(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow in the products
        with pytest.warns(ConvergenceWarning, match="diverged"):
            clf = make(InfomorphicClassifier, hidden_layer_sizes=(4,), sources="FCL",
                       learning_rate_init=1e300, readout_learning_rate=1e300).fit(X * 1e10, y)
    _finite_model(clf, X * 1e10)


@pytest.mark.short_fit
def test_non_finite_outputs_at_prediction_raise_instead_of_nan(data, monkeypatch):
    X, y = data
    for est in (make(InfomorphicClassifier, hidden_layer_sizes=(3,)).fit(X, y),
                make(InfomorphicTransformer, n_neurons=3).fit(X)):
        engine_predict = est._engine_predict

        def overflowing(X_rows):  # as if row 2 overflowed in the products
            out = engine_predict(X_rows)
            out[2, 0] = np.nan
            return out

        monkeypatch.setattr(est, "_engine_predict", overflowing)
        with pytest.raises(ValueError, match=r"not finite for 1 of the 4 samples \(e.g. row 2\)"):
            outputs(est, X[:4])


# -- reproducibility -----------------------------------------------------------------
@pytest.mark.short_fit
@pytest.mark.parametrize("cls, params", CONFIGS, ids=IDS)
def test_same_random_state_same_model_across_runs_and_clone(cls, params, data):
    # Thread counts (at sizes that reach the engine's thread thresholds): test_common.py.
    X, y = data
    first = make(cls, **params).fit(X, y)
    assert_same_model(first, make(cls, **params).fit(X, y), X)
    assert_same_model(first, clone(first).fit(X, y), X)
    other_seed = make(cls, **params).set_params(random_state=1).fit(X, y)
    assert not np.array_equal(weights(first)[0][1], weights(other_seed)[0][1])


@pytest.mark.short_fit
def test_random_state_none_varies(data):
    X, y = data
    a, b = (make(InfomorphicTransformer, random_state=None).fit(X) for _ in range(2))
    assert not np.array_equal(a.coefs_[0]["F"], b.coefs_[0]["F"])


def test_error_messages_name_the_fix():
    # Divergence and interruption messages say what to do / what was kept.
    text = re.escape("Scale the inputs (e.g. StandardScaler) or lower learning_rate_init")
    clf = InfomorphicClassifier()
    clf.n_iter_ = 3
    with pytest.warns(ConvergenceWarning, match=text):
        clf._warn_diverged()
