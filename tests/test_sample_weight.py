"""Sample and class weights: a weighted empirical distribution in every neuron's PID."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score

from sklearn_infomorph import InfomorphicClassifier, InfomorphicTransformer
from sklearn_infomorph._engine._batch_pid import BatchPID
from sklearn_infomorph.lattice import redundancy_lattice


def _batch(n_sources, n_samples=40, n_neurons=5, n_bins=4, seed=0):
    rng = np.random.default_rng(seed)
    bins = rng.integers(0, n_bins, size=(n_samples, n_neurons, n_sources))
    theta = rng.uniform(0.05, 0.95, size=(n_samples, n_neurons))
    gamma = rng.normal(size=len(redundancy_lattice(n_sources)))
    return bins, theta, gamma, n_bins


@pytest.mark.parametrize("n_sources", [2, 3])
def test_integer_weights_count_like_repeated_rows(n_sources):
    bins, theta, gamma, n_bins = _batch(n_sources)
    weights = np.random.default_rng(1).integers(1, 5, size=bins.shape[0])
    pid = BatchPID(n_sources)
    weighted = pid.evaluate(bins, theta, n_bins, gamma, 0.3, sample_weight=weights)
    rows = np.repeat(np.arange(bins.shape[0]), weights)
    repeated = pid.evaluate(bins[rows], theta[rows], n_bins, gamma, 0.3)
    for a, b in zip(weighted[:3], repeated[:3]):  # atoms, H_res, goal
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    # The gradient of a weighted row is the sum over its copies.
    summed = np.zeros_like(weighted[3])
    np.add.at(summed, rows, repeated[3])
    np.testing.assert_allclose(weighted[3], summed, rtol=1e-10, atol=1e-14)
    # and the weights did change the PID (the test is not vacuous)
    plain = pid.evaluate(bins, theta, n_bins, gamma, 0.3)
    assert not np.allclose(plain[0], weighted[0])


def test_zero_weight_rows_are_left_out_of_the_pid():
    bins, theta, gamma, n_bins = _batch(2, seed=3)
    weights = np.ones(bins.shape[0])
    weights[::3] = 0.0
    pid = BatchPID(2)
    weighted = pid.evaluate(bins, theta, n_bins, gamma, 0.0, sample_weight=weights)
    kept = weights > 0
    removed = pid.evaluate(bins[kept], theta[kept], n_bins, gamma, 0.0)
    for a, b in zip(weighted[:3], removed[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(weighted[3][kept], removed[3], rtol=1e-12, atol=1e-14)
    assert np.all(weighted[3][~kept] == 0.0)


def test_unit_weights_are_bit_identical_to_no_weights():
    bins, theta, gamma, n_bins = _batch(3, seed=5)
    pid = BatchPID(3)
    plain = pid.evaluate(bins, theta, n_bins, gamma, 0.2)
    ones = pid.evaluate(bins, theta, n_bins, gamma, 0.2, sample_weight=np.ones(len(bins)))
    for a, b in zip(plain, ones):
        np.testing.assert_array_equal(a, b)


@pytest.mark.short_fit
def test_unit_equal_and_zero_weights_at_model_level(digits):
    X, _, y, _ = digits
    X, y = X[:300], y[:300]
    plain = InfomorphicClassifier(hidden_layer_sizes=(10,), max_iter=3, random_state=0)
    reference = plain.fit(X, y).coefs_
    ones = plain.fit(X, y, sample_weight=np.ones(len(y))).coefs_
    equal = plain.fit(X, y, sample_weight=np.full(len(y), 3.0)).coefs_
    for a, b, c in zip(reference, ones, equal):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])  # the unweighted path
            np.testing.assert_allclose(a[key], c[key], rtol=1e-6, atol=1e-9)
    # zero weight == the row removed
    weights = np.ones(len(y))
    weights[::4] = 0.0
    dropped = plain.fit(X, y, sample_weight=weights).coefs_
    removed = plain.fit(X[weights > 0], y[weights > 0]).coefs_
    for a, b in zip(dropped, removed):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    # unequal weights train differently
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    weighted = plain.fit(X, y, sample_weight=weights).coefs_
    assert not np.allclose(weighted[0]["F"], reference[0]["F"])


@pytest.mark.short_fit
def test_integer_weights_equal_repeated_rows_in_a_readout_only_network():
    # One mini-batch and no sampled hidden outputs: the fits differ only by the
    # rounding of sums taken in another order.
    X, y = make_classification(40, 6, n_informative=4, n_classes=3, random_state=0)
    weights = np.random.default_rng(0).integers(0, 4, size=len(y))
    rows = np.repeat(np.arange(len(y)), weights)
    params = dict(hidden_layer_sizes=(), batch_size=200, max_iter=25,
                  readout_learning_rate=0.02, random_state=0)
    weighted = InfomorphicClassifier(**params).fit(X, y, sample_weight=weights)
    repeated = InfomorphicClassifier(**params).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X),
                               rtol=1e-5)
    np.testing.assert_allclose(weighted.pid_atoms_, repeated.pid_atoms_, rtol=1e-6,
                               atol=1e-9)
    unweighted = InfomorphicClassifier(**params).fit(X, y)
    assert not np.allclose(unweighted.predict_proba(X), repeated.predict_proba(X),
                           rtol=1e-3)


def test_class_weight_balanced_learns_the_minority_class():
    X, y = make_classification(2000, 20, n_informative=10, weights=[0.97, 0.03],
                               random_state=0)
    X_train, y_train, X_test, y_test = X[:1500], y[:1500], X[1500:], y[1500:]
    clf = InfomorphicClassifier(hidden_layer_sizes=(20,), class_weight="balanced",
                                random_state=0).fit(X_train, y_train)
    assert balanced_accuracy_score(y_test, clf.predict(X_test)) > 0.65
    # a dict with the same ratio is the same fit (up to the rounding of weights that
    # differ by a constant factor, which the PID normalises away)
    counts = np.bincount(y_train)
    ratio = {0: 1.0, 1: counts[0] / counts[1]}
    same = InfomorphicClassifier(hidden_layer_sizes=(20,), class_weight=ratio,
                                 random_state=0).fit(X_train, y_train)
    np.testing.assert_allclose(same.coefs_[0]["F"], clf.coefs_[0]["F"], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (-np.ones(60), "negative value"),
        (np.ones(59), r"one weight per sample of X, i.e. shape \(60,\)"),
        (np.ones((60, 2)), r"one weight per sample"),
        (np.r_[np.nan, np.ones(59)], "NaN or infinity"),
        (np.zeros(60), "non-zero"),
    ],
)
def test_sample_weight_errors_name_the_fix(sample_weight, match):
    X, y = make_classification(60, 5, random_state=0)
    with pytest.raises(ValueError, match=match):
        InfomorphicClassifier(max_iter=1).fit(X, y, sample_weight=sample_weight)


def test_class_weight_errors():
    X, y = make_classification(60, 5, random_state=0)
    with pytest.raises(ValueError, match="not in y: \\[7\\]"):
        InfomorphicClassifier(max_iter=1, class_weight={7: 2.0}).fit(X, y)
    with pytest.raises(ValueError, match="class_weight"):
        InfomorphicClassifier(max_iter=1, class_weight="uniform").fit(X, y)
    with pytest.raises(ValueError, match="not supported by partial_fit"):
        InfomorphicClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])


def test_partial_fit_takes_sample_weight():
    X, y = make_classification(200, 5, random_state=0)
    weights = np.where(y == 1, 4.0, 1.0)
    a = InfomorphicClassifier(hidden_layer_sizes=(5,), random_state=0)
    b = InfomorphicClassifier(hidden_layer_sizes=(5,), random_state=0)
    a.partial_fit(X, y, classes=[0, 1], sample_weight=weights)
    b.partial_fit(X, y, classes=[0, 1])
    assert not np.allclose(a.coefs_[0]["F"], b.coefs_[0]["F"])
    # the weighted PID is recorded: class 1 weighs 4x, so the label is no longer 50/50
    assert not np.allclose(a.pid_atoms_.to_numpy(), b.pid_atoms_.to_numpy(), equal_nan=True)


# -- InfomorphicTransformer ---------------------------------------------------------
def _coefs_equal(a, b):
    for key in a.coefs_[0]:
        np.testing.assert_array_equal(a.coefs_[0][key], b.coefs_[0][key])
        np.testing.assert_array_equal(a.intercepts_[0][key], b.intercepts_[0][key])


def test_transformer_integer_weights_count_like_repeated_rows_in_the_pid():
    # One mini-batch with the label as context (no sampled lateral outputs): the PID
    # of the batch (recorded as it trained) is the same distribution both ways.
    X, y = make_classification(40, 6, n_informative=4, n_classes=3, random_state=0)
    weights = np.random.default_rng(0).integers(0, 4, size=len(y))
    rows = np.repeat(np.arange(len(y)), weights)
    params = dict(n_neurons=4, sources="FC", batch_size=500, shuffle=False, random_state=0)
    weighted = InfomorphicTransformer(**params).partial_fit(X, y, sample_weight=weights)
    repeated = InfomorphicTransformer(**params).partial_fit(X[rows], y[rows])
    plain = InfomorphicTransformer(**params).partial_fit(X, y)
    np.testing.assert_allclose(weighted.pid_atoms_, repeated.pid_atoms_, rtol=1e-9,
                               atol=1e-12)
    assert not np.allclose(plain.pid_atoms_, repeated.pid_atoms_, rtol=1e-3)


def test_transformer_unit_and_zero_weights(digits):
    X, y = digits[0][:300], digits[2][:300]
    params = dict(n_neurons=6, max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter"):  # 2 epochs only
        plain = InfomorphicTransformer(**params).fit(X)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        ones = InfomorphicTransformer(**params).fit(X, sample_weight=np.ones(len(X)))
    _coefs_equal(plain, ones)  # the unweighted path, bit for bit
    np.testing.assert_array_equal(plain.transform(X), ones.transform(X))
    # zero weight == the row removed, also with a context source and early stopping
    weights = np.ones(len(X))
    weights[::4] = 0.0
    kept = weights > 0
    for extra in (dict(), dict(sources="FC", early_stopping=True, max_iter=3)):
        with pytest.warns(ConvergenceWarning, match="max_iter"):
            dropped = InfomorphicTransformer(**{**params, **extra}).fit(
                X, y, sample_weight=weights)
        with pytest.warns(ConvergenceWarning, match="max_iter"):
            removed = InfomorphicTransformer(**{**params, **extra}).fit(X[kept], y[kept])
        _coefs_equal(dropped, removed)
        if extra:
            assert dropped.validation_scores_ == removed.validation_scores_
    # partial_fit drops them too
    dropped = InfomorphicTransformer(**params).partial_fit(X, sample_weight=weights)
    removed = InfomorphicTransformer(**params).partial_fit(X[kept])
    _coefs_equal(dropped, removed)


def test_transformer_unequal_weights_train_and_score_differently(digits):
    X, y = digits[0][:300], digits[2][:300]
    weights = np.where(y < 5, 4.0, 0.5)
    params = dict(n_neurons=6, sources="FC", max_iter=3, early_stopping=True,
                  random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        plain = InfomorphicTransformer(**params).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        weighted = InfomorphicTransformer(**params).fit(X, y, sample_weight=weights)
    assert not np.allclose(plain.coefs_[0]["F"], weighted.coefs_[0]["F"])
    assert weighted.validation_scores_ != plain.validation_scores_
    assert np.all(np.isfinite(weighted.validation_scores_))
    a = InfomorphicTransformer(n_neurons=6, random_state=0).partial_fit(X, sample_weight=weights)
    b = InfomorphicTransformer(n_neurons=6, random_state=0).partial_fit(X)
    assert not np.allclose(a.coefs_[0]["F"], b.coefs_[0]["F"])


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (-np.ones(60), "negative value"),
        (np.ones(59), r"one weight per sample of X, i.e. shape \(60,\)"),
        (np.ones((60, 2)), r"one weight per sample"),
        (np.r_[np.inf, np.ones(59)], "NaN or infinity"),
        (np.zeros(60), "non-zero"),
        (["a"] * 60, "sample_weight|float"),
    ],
)
def test_transformer_sample_weight_errors_name_the_fix(method, sample_weight, match):
    X, _ = make_classification(60, 5, random_state=0)
    with pytest.raises(ValueError, match=match):
        getattr(InfomorphicTransformer(n_neurons=3, max_iter=1), method)(
            X, sample_weight=sample_weight)
