"""Fixtures shared by the estimator tests."""

import warnings

import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_infomorph import InfomorphicClassifier


def pytest_collection_modifyitems(items):
    # ``short_fit`` tests check mechanics (search, reproducibility, input handling) on
    # fits too short or data too small for the readout to learn: the warnings that
    # say so are expected there. The docstring examples of the package are short fits
    # too (a few epochs, to run in a second). Every other warning still shows.
    for item in items:
        if item.get_closest_marker("short_fit") or type(item).__name__ == "DoctestItem":
            item.add_marker(pytest.mark.filterwarnings(
                "ignore::sklearn_infomorph._diagnostics.InfomorphicFitWarning"))
            item.add_marker(pytest.mark.filterwarnings(
                "ignore::sklearn.exceptions.ConvergenceWarning"))


@pytest.fixture(scope="session")
def digits():
    """Standardised digits split 70/30 (stratified): X_train, X_test, y_train, y_test."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.fixture(scope="session")
def fitted_fcl(digits):
    """F+C+L classifier on the digits (60 hidden neurons, 40 epochs); do not modify it."""
    X_train, _, y_train, _ = digits
    clf = InfomorphicClassifier(
        hidden_layer_sizes=(60,), sources="FCL", batch_size=128, max_iter=40, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X_train, y_train)
