"""The classifier on small tabular data: no silent failure, stopping, MLP-like outputs."""

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import InfomorphicClassifier
from sklearn_infomorph._auto import auto_batch_size, auto_rate_scale, learning_rates
from sklearn_infomorph._diagnostics import InfomorphicFitWarning, warn_if_not_learned


def _rare_class_data(n=600):
    X, y = make_classification(n, 10, n_informative=5, weights=[0.97, 0.03], random_state=0)
    return StandardScaler().fit_transform(X), y


def test_warns_naming_the_class_when_the_readout_learned_nothing():
    X, y = _rare_class_data()
    # Learning rates this small leave the readout at about 0 bits after 3 epochs.
    clf = InfomorphicClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0,
                                learning_rate_init=1e-6, readout_learning_rate=1e-6)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"), \
            pytest.warns(InfomorphicFitWarning) as record:
        clf.fit(X, y)
    messages = " ".join(str(w.message) for w in record)
    assert re.search(r"class 1 carries 0\.0\d\d bits", messages)
    # The warning points at the user's call to fit (its stack level counts the frames).
    assert {w.filename for w in record if w.category is InfomorphicFitWarning} == {__file__}
    assert 'class_weight="balanced"' in messages
    mi = clf.pid_atoms_.loc["readout", "MI_C"].to_numpy()
    assert mi[1] < 0.02 * 0.2  # the warning's claim, checked on the fitted atoms


@pytest.mark.parametrize("n_silent", [2, 12])
def test_one_warning_per_fit_names_every_class_not_learned(n_silent):
    n_classes = 20
    share = np.full(n_classes, 1 / n_classes)
    readout_mi = np.full(n_classes, 0.3)
    readout_mi[:n_silent] = 0.001
    classes = np.array([f"c{k}" for k in range(n_classes)])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        warn_if_not_learned(classes, share, readout_mi, predicted=share)
    assert len(record) == 1 and record[0].category is InfomorphicFitWarning
    message = str(record[0].message)
    assert f"The readout neurons of {n_silent} of 20 classes" in message
    named = min(n_silent, 10)
    assert all(f"class 'c{k}' 0.001 of 0.286" in message for k in range(named))
    assert f"'c{named}'" not in message
    assert ("and 2 more" in message) == (n_silent == 12)


def test_warns_when_one_class_is_predicted_for_every_training_row():
    X, y = _rare_class_data()
    clf = InfomorphicClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0,
                                learning_rate_init=1e-6, readout_learning_rate=1e-6)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        clf.fit(X, y)
    one_class = [w for w in record if "for every training sample" in str(w.message)]
    predicted = np.unique(clf.predict(X))
    assert (len(one_class) == 1) == (len(predicted) == 1)
    if one_class:
        assert f"predicts class {predicted[0].item()!r}" in str(one_class[0].message)


def test_no_warning_when_every_class_is_learned():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings(), pytest.warns(ConvergenceWarning, match="max_iter=30"):
        warnings.simplefilter("error", InfomorphicFitWarning)
        InfomorphicClassifier(hidden_layer_sizes=(10,), batch_size=16, max_iter=30,
                              random_state=0).fit(X, y)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_stopping_rules_wait_until_learning_has_started(early_stopping):
    X, y = _rare_class_data(200)
    # One Adam update per epoch (one batch); learning rate 0.1: weights can have moved by
    # about 1 after 10 updates. tol=10 bits never counts as an improvement, so without
    # the warm-up the fit would stop after n_iter_no_change=2 epochs.
    clf = InfomorphicClassifier(
        hidden_layer_sizes=(5,), batch_size=400, learning_rate_init=0.1,
        readout_learning_rate=0.1, tol=10.0, n_iter_no_change=2, max_iter=50,
        early_stopping=early_stopping, random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfomorphicFitWarning)
        clf.fit(X, y)
    assert clf.n_iter_ == 10 + 2 - 1  # count starts at the 10th update, stops 2 later
    # a smaller learning rate waits longer
    clf.set_params(learning_rate_init=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfomorphicFitWarning)
        clf.fit(X, y)
    assert clf.n_iter_ == 20 + 2 - 1


@pytest.mark.parametrize("n_samples, batch_size, scale", [
    (120, "auto", 3.0),      # 4 updates per epoch (iris)
    (416, "auto", 3.0),      # 13 updates of 32
    (448, "auto", 40 / 14),  # 14
    (1000, "auto", 2.0),     # 20 updates of 50
    (5120, "auto", 2.0),     # 20 updates of 256
    (10240, "auto", 1.0),    # 40 updates of 256
    (48000, 1024, 1.0),      # the papers' MNIST setups: 47 updates of 1024
    (2000, 100, 2.0),        # an explicit batch size counts as it is: 20 updates
])
def test_auto_learning_rates_follow_the_updates_per_epoch(n_samples, batch_size, scale):
    assert auto_rate_scale(n_samples, auto_batch_size(n_samples) if batch_size == "auto"
                           else batch_size) == pytest.approx(scale)
    hidden, readout = learning_rates("auto", "auto", batch_size, n_samples)
    assert (hidden, readout) == pytest.approx((0.002 * scale, 0.003 * scale))
    # A number is used as it is, whatever the data; no data: the base rates.
    assert learning_rates(0.05, "auto", batch_size, n_samples)[0] == 0.05
    assert learning_rates("auto", 0.07, batch_size, n_samples)[1] == 0.07
    assert learning_rates("auto", "auto", batch_size, None) == (0.002, 0.003)


@pytest.mark.short_fit
def test_auto_learning_rates_reach_the_network_and_the_warm_up():
    X, y = _rare_class_data(200)
    rates = lambda clf: [layer.optimizer.learning_rate  # noqa: E731
                         for layer in clf._network.layers]
    # 200 rows in one batch: 1 update per epoch, so "auto" is 3 times the base rates,
    # and the stopping rules start counting after 1 / 0.006 = 167 updates (tol=10 bits
    # never counts as an improvement: the fit stops n_iter_no_change=2 epochs later).
    params = dict(hidden_layer_sizes=(5,), batch_size=400, tol=10.0, n_iter_no_change=2,
                  max_iter=200, random_state=0)
    clf = InfomorphicClassifier(**params).fit(X, y)
    assert rates(clf) == pytest.approx([0.006, 0.009])
    assert clf.n_iter_ == 167 + 2 - 1
    assert clf.get_params()["learning_rate_init"] == "auto"  # the parameter stays
    # Explicit rates are kept as given; the other "auto" still follows the data.
    clf = InfomorphicClassifier(learning_rate_init=0.05, **params).fit(X, y)
    assert rates(clf) == pytest.approx([0.05, 0.009])
    assert clf.n_iter_ == 112 + 2 - 1  # the slowest layer now the readout: 1 / 0.009
    # partial_fit: the rows of its first call.
    clf = InfomorphicClassifier(hidden_layer_sizes=(5,), random_state=0)
    clf.partial_fit(X[:100], y[:100], classes=[0, 1]).partial_fit(X, y)
    assert rates(clf) == pytest.approx([0.006, 0.009])  # 100 rows: 4 updates of 32


def test_small_data_learns_with_the_defaults():
    # Iris: 120 training rows. The earlier defaults (one batch of all rows per epoch,
    # so one Adam update, and an uncalibrated readout) left it at about 0.83.
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3,
                                                        stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    clf = InfomorphicClassifier(hidden_layer_sizes=(20,), max_iter=40, random_state=0)
    assert clf._training_settings().batch(len(X_train)) == 32  # auto: 20+ updates/epoch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(scaler.transform(X_train), y_train)
    assert clf.score(scaler.transform(X_test), y_test) >= 0.9


def test_auto_binning_is_adaptive_on_small_data():
    X, y = load_iris(return_X_y=True)  # 4 features, 150 rows
    X = StandardScaler().fit_transform(X)
    params = dict(hidden_layer_sizes=(20, 5), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auto = InfomorphicClassifier(**params).fit(X, y)
        adaptive = InfomorphicClassifier(binning="adaptive", **params).fit(X, y)
        fixed = InfomorphicClassifier(binning="fixed", **params).fit(X, y)
    # Below 5,000 samples every hidden layer is adaptive, the second (20 inputs) too.
    assert [layer.binning.fixed for layer in auto._network.layers] == [False] * 3
    assert [layer.binning.fixed for layer in fixed._network.layers] == [True, True, False]
    for ca, cb in zip(auto.coefs_, adaptive.coefs_):
        np.testing.assert_array_equal(ca["F"], cb["F"])
    assert not np.allclose(auto.coefs_[1]["F"], fixed.coefs_[1]["F"])


@pytest.mark.short_fit
def test_predict_log_proba_and_loss_curve():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = InfomorphicClassifier(hidden_layer_sizes=(5,), max_iter=4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(clf.predict_proba(X)))
    assert len(clf.loss_curve_) == clf.n_iter_ == 4
    np.testing.assert_allclose(clf.loss_curve_, -clf.goal_curve_.sum(axis=1))
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.set_params(early_stopping=True).fit(X, y).best_loss_ is None
