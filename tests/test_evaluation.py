"""papers_test_accuracy: the papers' sampled, per-batch test rule."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import InfomorphicClassifier
from sklearn_infomorph.evaluation import papers_test_accuracy


def test_close_to_but_not_the_deterministic_accuracy(digits, fitted_fcl):
    _, X_test, _, y_test = digits
    deterministic = fitted_fcl.score(X_test, y_test)
    sampled = [papers_test_accuracy(fitted_fcl, X_test, y_test, random_state=s) for s in range(3)]
    # Sampling the hidden outputs costs a few points on this small network (about
    # 0.90 against 0.94 here); it is still far above chance (0.1).
    assert all(abs(a - deterministic) < 0.08 for a in sampled)
    assert all(a != deterministic for a in sampled)


def test_depends_on_the_seed_only(digits, fitted_fcl):
    _, X_test, _, y_test = digits
    a = papers_test_accuracy(fitted_fcl, X_test, y_test, random_state=0)
    assert a == papers_test_accuracy(fitted_fcl, X_test, y_test, random_state=0)
    values = {papers_test_accuracy(fitted_fcl, X_test, y_test, random_state=s) for s in range(4)}
    assert len(values) > 1
    rng = np.random.default_rng(5)
    assert 0.5 < papers_test_accuracy(fitted_fcl, X_test, y_test, random_state=rng) <= 1.0


@pytest.mark.short_fit
def test_readout_only_matches_predict(digits):
    # Without hidden layers nothing is sampled; with batches holding every class
    # evenly, the per-batch inversion rule agrees with the one decided after fit.
    X_train, X_test, y_train, y_test = digits
    clf = InfomorphicClassifier(
        hidden_layer_sizes=(), batch_size=128, max_iter=40, random_state=0,
        readout_calibration=False,  # the papers' decision: normalised firing probabilities
    ).fit(X_train, y_train)
    assert clf.readout_flip_.any()  # the inversion is exercised
    for seed in (0, 1):
        assert papers_test_accuracy(clf, X_test, y_test, random_state=seed) == pytest.approx(
            clf.score(X_test, y_test)
        )


def test_mean_over_batches_and_inputs(digits, fitted_fcl):
    _, X_test, _, y_test = digits
    # Batches of one row: each readout neuron is inverted when its own theta is
    # >= 0.5, a different (worse) rule than on a whole batch.
    whole = papers_test_accuracy(fitted_fcl, X_test, y_test, random_state=0)
    single = papers_test_accuracy(fitted_fcl, X_test, y_test, batch_size=1, random_state=0)
    assert single != whole
    dense = papers_test_accuracy(fitted_fcl, X_test, y_test, batch_size=100, random_state=3)
    csr = papers_test_accuracy(
        fitted_fcl, sparse.csr_matrix(X_test), y_test, batch_size=100, random_state=3
    )
    assert dense == csr


@pytest.mark.short_fit
def test_pipeline(digits):
    X_train, X_test, y_train, y_test = digits
    pipe = make_pipeline(StandardScaler(), InfomorphicClassifier(
        hidden_layer_sizes=(20,), batch_size=128, max_iter=5, random_state=0
    )).fit(X_train, y_train)
    direct = papers_test_accuracy(pipe[-1], pipe[0].transform(X_test), y_test, random_state=0)
    assert papers_test_accuracy(pipe, X_test, y_test, random_state=0) == direct


def test_errors(digits, fitted_fcl):
    X_train, X_test, y_train, y_test = digits
    with pytest.raises(NotFittedError):
        papers_test_accuracy(InfomorphicClassifier(), X_test, y_test)
    logistic = LogisticRegression(max_iter=200).fit(X_train, y_train)
    with pytest.raises(TypeError, match="InfomorphicClassifier"):
        papers_test_accuracy(logistic, X_test, y_test)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="batch_size must be a positive integer"):
            papers_test_accuracy(fitted_fcl, X_test, y_test, batch_size=bad)
    with pytest.raises(ValueError, match="features"):
        papers_test_accuracy(fitted_fcl, X_test[:, :10], y_test)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        papers_test_accuracy(fitted_fcl, X_test, y_test[:-1])
    with pytest.raises(ValueError, match="labels not in classes"):
        papers_test_accuracy(fitted_fcl, X_test, y_test + 100)
    with pytest.raises(ValueError, match="1-dimensional"):
        papers_test_accuracy(fitted_fcl, X_test, y_test[:, None])
