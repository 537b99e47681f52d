"""scikit-learn's own estimator checks on both estimators in every source configuration.

No check is expected to fail. The only skips are scikit-learn's array-API checks, which
it runs only when the environment sets SCIPY_ARRAY_API=1.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_infomorph import InfomorphicClassifier, InfomorphicTransformer


# Small, fast networks; n_jobs=1 because tiny fits gain nothing from threads. The
# classifier's readout learns fast enough for the checks' accuracy thresholds.
def _classifier(sources, **params):
    return InfomorphicClassifier(
        hidden_layer_sizes=(10,), sources=sources, max_iter=25, batch_size=32,
        readout_learning_rate=0.02, n_jobs=1, **params,
    )


ESTIMATORS = [
    _classifier("FC"),
    _classifier("FL"),
    _classifier("FCL", lateral_connections=3),
    InfomorphicClassifier(hidden_layer_sizes=(), max_iter=25, readout_learning_rate=0.02,
                          n_jobs=1),
    InfomorphicTransformer(n_neurons=5, max_iter=5, n_jobs=1),
    InfomorphicTransformer(n_neurons=5, max_iter=5, sources="FC", output="sign", n_jobs=1),
    InfomorphicTransformer(n_neurons=5, max_iter=5, sources="FCL", n_jobs=1),
    InfomorphicTransformer(n_neurons=5, max_iter=5, lateral_connections=0, n_jobs=1),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_scikit_learn_checks(estimator, check):
    check(estimator)
