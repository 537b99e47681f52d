"""scikit-learn's own estimator checks on a small, fast InfomorphicClassifier."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_infomorph import InfomorphicClassifier


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(
    [
        InfomorphicClassifier(
            hidden_layer_sizes=(10,), sources="FC", max_iter=25, batch_size=32,
            readout_learning_rate=0.02,
        )
    ]
)
def test_scikit_learn_checks(estimator, check):
    check(estimator)
