"""The classifier's readout decision (inversion and calibration), fitted inside fit from
the readout outputs the epochs computed, and the pluggable stopping rule."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import InfomorphicClassifier, _readout
from sklearn_infomorph._calibration import ReadoutStats, decide, fit_platt, log_odds
from sklearn_infomorph._engine import _network
from sklearn_infomorph._stopping import GoalPlateau, Verdict

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning",
                                        "ignore::UserWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X[:600]), y[:600]


def _theta(rng, n=3000, n_classes=4):
    y = rng.integers(0, n_classes, n)
    z = rng.normal(size=(n, n_classes)) + 2.0 * (y[:, None] == np.arange(n_classes))
    z[:, 1] *= -1.0  # neuron 1 fires for "not my class"
    return 1.0 / (1.0 + np.exp(-z)), y


def _reference_flip(theta, y, w):
    """The inversion rule, row by row: own-class weighted mean below the others'."""
    flip = np.zeros(theta.shape[1], dtype=bool)
    for k in range(theta.shape[1]):
        own = y == k
        flip[k] = np.average(theta[own, k], weights=w[own]) < np.average(
            theta[~own, k], weights=w[~own])
    return flip


def test_statistics_merge_by_addition_and_give_the_row_by_row_flip():
    rng = np.random.default_rng(0)
    theta, y = _theta(rng)
    w = rng.uniform(0.5, 2.0, len(y))
    whole = ReadoutStats.from_theta(theta, y, w)
    parts = ReadoutStats.from_theta(theta[:1000], y[:1000], w[:1000]) + \
        ReadoutStats.from_theta(theta[1000:], y[1000:], w[1000:])
    for key, value in whole.to_state().items():
        np.testing.assert_allclose(parts.to_state()[key], value, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(whole.flip(), _reference_flip(theta, y, w))
    assert whole.flip().tolist() == [False, True, False, False]
    # A class with no rows: inverted when the mean firing probability is >= 0.5.
    absent = ReadoutStats.from_theta(np.full((4, 2), 0.7), np.zeros(4, dtype=int))
    assert absent.flip().tolist() == [True, True]


def test_state_keeps_occupied_cells_only_and_reads_back():
    rng = np.random.default_rng(2)
    theta, y = _theta(rng, n=200)
    stats = ReadoutStats.from_theta(theta, y, rng.uniform(0.5, 2.0, len(y)))
    state = stats.to_state()
    assert state["hist_cells"].size == np.count_nonzero(stats.hist_weight) <= 200 * 4
    again = ReadoutStats.from_state(pickle.loads(pickle.dumps(state)))
    for key in ("theta_sum", "weight", "hist_weight", "hist_z"):
        np.testing.assert_array_equal(getattr(again, key), getattr(stats, key))


def test_binned_calibration_matches_platt_on_every_row():
    rng = np.random.default_rng(1)
    theta, y = _theta(rng)
    stats = ReadoutStats.from_theta(theta, y)
    decision = decide(stats)
    flipped = np.where(decision.flip, 1.0 - theta, theta)
    z = log_odds(flipped).T
    target = (y[None, :] == np.arange(4)[:, None]).astype(float)
    exact = fit_platt(z, target, np.ones_like(z))
    np.testing.assert_allclose(decision.calibration, exact, atol=5e-3)
    assert np.all(decision.label_bits > 0.1)


def test_decision_uses_the_training_rows_only(digits):
    X, y = digits
    clf = InfomorphicClassifier(hidden_layer_sizes=(12,), max_iter=4, batch_size=64,
                                early_stopping=True, validation_fraction=0.25,
                                random_state=0).fit(X, y)
    n_train = len(y) - int(round(0.25 * len(y)))
    weight = clf._readout_stats["weight"]
    np.testing.assert_allclose(weight.sum(axis=0), n_train)
    assert weight[0].sum() == n_train


def test_partial_fit_decides_on_every_chunk_seen(digits):
    X, y = digits
    clf = InfomorphicClassifier(hidden_layer_sizes=(12,), batch_size=64, random_state=0)
    for lo in range(0, len(y), 200):
        clf.partial_fit(X[lo:lo + 200], y[lo:lo + 200], classes=np.unique(y))
        np.testing.assert_allclose(clf._readout_stats["weight"].sum(axis=0), lo + 200)
    own = clf._readout_stats["weight"][0]
    np.testing.assert_allclose(own, np.bincount(y, minlength=10))
    assert clf.readout_calibration_.shape == (10, 2)


def test_calibration_reads_a_bounded_subset_and_pickles_plain_arrays(digits, monkeypatch):
    # The inversion comes from the epochs; the calibration from the readout as it
    # predicts on at most CALIBRATION_ROWS training rows (weighted up to all of them).
    X, y = digits
    calls = []
    original = _network.Network.readout_outputs

    def spy(self, x):
        calls.append(len(x))
        return original(self, x)

    monkeypatch.setattr(_network.Network, "readout_outputs", spy)
    monkeypatch.setattr(_readout, "CALIBRATION_ROWS", 100)
    clf = InfomorphicClassifier(hidden_layer_sizes=(12,), max_iter=3, batch_size=64,
                                random_state=0).fit(X, y)
    assert calls == [100]
    stats = ReadoutStats.from_state(clf._readout_stats)
    np.testing.assert_allclose(stats.hist_weight.sum(axis=(0, 2)), len(y))
    assert all(isinstance(v, np.ndarray) for v in clf._readout_stats.values())
    assert isinstance(clf.readout_flip_, np.ndarray)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    # The subset is drawn apart from the fit's generator: training is unchanged.
    monkeypatch.setattr(_readout, "CALIBRATION_ROWS", 10_000)
    full = InfomorphicClassifier(hidden_layer_sizes=(12,), max_iter=3, batch_size=64,
                                 random_state=0).fit(X, y)
    np.testing.assert_array_equal(full.coefs_[0]["F"], clf.coefs_[0]["F"])
    np.testing.assert_array_equal(full.readout_flip_, clf.readout_flip_)


def test_an_estimator_can_bring_its_own_stopping_rule(digits):
    class StopAfterTwo(GoalPlateau):
        def update(self, est, epoch, data):
            return Verdict(stop=est.n_iter_ >= 2)

    class Classifier(InfomorphicClassifier):
        def _stopping_rule(self, settings):
            return StopAfterTwo(settings.tol, settings.n_iter_no_change)

    X, y = digits
    clf = Classifier(hidden_layer_sizes=(8,), max_iter=10, batch_size=64, random_state=0)
    with pytest.warns(UserWarning):  # not learned after 2 epochs; no max_iter warning
        clf.fit(X, y)
    assert clf.n_iter_ == 2 and clf.goal_curve_.shape == (2, 2)


def test_max_iter_warning_names_the_fix(digits):
    X, y = digits
    with pytest.warns(ConvergenceWarning, match="increase max_iter"):
        InfomorphicClassifier(hidden_layer_sizes=(8,), max_iter=2, batch_size=64,
                              random_state=0).fit(X, y)
