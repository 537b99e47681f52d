"""Goal functions of infomorphic neurons: named weights on PID atoms."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator

from ._engine._kinds import KINDS
from ._persistence import public_path

__all__ = ["Goal", "PRESETS"]

_TRIVARIATE_OPTIMISED = {
    "{F}{C}{L}": 0.331, "{F}{C}": 0.978, "{F}{L}": -0.994, "{C}{L}": 0.402,
    "{F}{CL}": 0.243, "{C}{FL}": 0.626, "{L}{FC}": 0.471, "{F}": 0.021,
    "{C}": 0.061, "{L}": -0.947, "{FC}{FL}{CL}": -0.020, "{FC}{FL}": -0.968,
    "{FC}{CL}": -0.692, "{FL}{CL}": 0.427, "{FC}": 0.974, "{FL}": 0.737,
    "{CL}": -0.122, "{FCL}": -0.215, "H_res": 0.035,
}

#: Published goals, name -> (sources, weights): those of the infomorphic papers,
#: Makkeh et al., PNAS 2025 (arXiv 2306.02149) and Schneider et al., ICLR 2025
#: (arXiv 2412.02482), the source of the trivariate ones; ``memory_optimised`` is
#: the optimised goal of the associative memory of Blümel et al. (arXiv 2511.02584)
#: as given in the authors' published code (Priesemann-Group/Infomorphic_Networks,
#: paper_hopfield/plotting/appendix/ablation.ipynb, the "+optimized goal" condition:
#: unique-external 0.48, unique-recurrent -0.16, redundancy 0.25, synergy 0.04,
#: residual entropy -0.63; F is the external source, L the recurrent one).
PRESETS = {
    "context_heuristic": ("FC", {"red": 1.0}),
    "context_optimised": (
        "FC",
        {"red": 0.7755, "unq_F": 0.0379, "unq_C": 0.3185, "syn": 0.1536, "H_res": 0.0076},
    ),
    "lateral_heuristic": ("FL", {"unq_F": 1.0}),
    "lateral_optimised": (
        "FL",
        {"red": 0.5380, "unq_F": 0.8051, "unq_L": -0.4079, "syn": 0.5634, "H_res": -0.0097},
    ),
    "trivariate_heuristic": ("FCL", {"{F}{C}": 1.0}),
    "trivariate_optimised": ("FCL", _TRIVARIATE_OPTIMISED),
    "trivariate_minimal": (
        "FCL", {"{F}{C}{L}": 0.33, "{F}{C}": 1.0, "{F}{L}": -1.0, "{FC}{FL}": -1.0}
    ),
    "readout": ("FC", {"red": 1.0, "unq_F": -0.2, "unq_C": 0.1, "syn": 0.1}),
    "memory_optimised": (
        "FL", {"unq_F": 0.48, "unq_L": -0.16, "red": 0.25, "syn": 0.04, "H_res": -0.63}
    ),
}

#: The default goal of each neuron kind (by kind name: the hidden kinds are named by
#: their sources), the published optimised one; from the engine's kind registry.
DEFAULT_PRESET = {name: kind.default_preset for name, kind in KINDS.items()}


def _canonical_preset(name):
    return name.replace("optimized", "optimised")


@public_path
class Goal(BaseEstimator):
    """Weights of a neuron's goal ``G = sum_a gamma_a Pi_a + gamma_H H_res``.

    Each keyword names a PID atom of the neuron's lattice, by its name
    (``"{F}{C}"``, ``"{FC}"``, ...), a bivariate alias (``red``, ``unq_F``,
    ``unq_C``, ``unq_L``, ``syn``) or ``H_res``. Atoms not named have weight 0.
    Names are checked against the sources when the estimator is fitted; an unknown
    name raises a ValueError that lists the valid ones.

    Being a scikit-learn estimator-like object with ``get_params`` /
    ``set_params``, its weights are tunable as nested parameters, e.g.
    ``GridSearchCV(clf, {"goal__red": [0.5, 1.0]})``.

    Parameters
    ----------
    **weights : float
        Atom name -> weight.

    Examples
    --------
    >>> from sklearn_infomorph import Goal
    >>> Goal(red=1.0, syn=0.1)
    Goal(red=1.0, syn=0.1)
    >>> Goal.preset("context_heuristic")
    Goal(red=1.0)
    """

    def __init__(self, **weights):
        for name, value in weights.items():
            setattr(self, name, value)
        self._names = list(weights)

    def get_params(self, deep=True):
        """The atom weights as a dict (name -> weight)."""
        return {name: getattr(self, name) for name in self._names}

    def set_params(self, **params):
        """Set (or add) atom weights; returns self."""
        for name, value in params.items():
            setattr(self, name, value)
            if name not in self._names:
                self._names.append(name)
        return self

    def __repr__(self, N_CHAR_MAX=700):
        inner = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"Goal({inner})"

    @classmethod
    def preset(cls, name):
        """A published goal by name.

        Parameters
        ----------
        name : str
            One of ``context_heuristic``, ``context_optimised``,
            ``lateral_heuristic``, ``lateral_optimised``, ``trivariate_heuristic``,
            ``trivariate_optimised``, ``trivariate_minimal``, ``readout``,
            ``memory_optimised`` (the associative memory's optimised goal, for
            :class:`InfomorphicAssociativeMemory`, best with its ``n_bins=10``;
            ``optimized`` spelling accepted).

        Returns
        -------
        Goal

        Examples
        --------
        >>> from sklearn_infomorph import Goal
        >>> Goal.preset("lateral_heuristic")
        Goal(unq_F=1.0)
        >>> len(Goal.preset("trivariate_optimized").get_params())  # 18 atoms + H_res
        19
        """
        key = _canonical_preset(name)
        if key not in PRESETS:
            raise ValueError(
                f"Unknown goal preset {name!r}; choose one of {', '.join(PRESETS)}."
            )
        return cls(**PRESETS[key][1])

    def to_vector(self, lattice):
        """Resolve the weights on a lattice.

        Parameters
        ----------
        lattice : Lattice
            The neuron's redundancy lattice.

        Returns
        -------
        gamma : ndarray of float64 (n_atoms,)
            Atom weights in lattice order.
        gamma_h : float
            Weight of H_res.

        Examples
        --------
        >>> from sklearn_infomorph import Goal, redundancy_lattice
        >>> gamma, gamma_h = Goal(red=1.0, syn=0.5, H_res=0.1).to_vector(
        ...     redundancy_lattice(2, "FC"))
        >>> gamma.tolist(), gamma_h
        ([1.0, 0.0, 0.0, 0.5], 0.1)
        """
        gamma = np.zeros(len(lattice))
        gamma_h = 0.0
        for name, value in self.get_params().items():
            # bool is an Integral: reject it, a weight of True is surely a mistake.
            if (
                not isinstance(value, numbers.Real)
                or isinstance(value, (bool, np.bool_))
                or not np.isfinite(value)
            ):
                raise ValueError(
                    f"Goal weight {name!r} must be a finite real number, got {value!r}."
                )
            if name == "H_res":
                gamma_h = float(value)
                continue
            if name not in lattice.names and name not in lattice.aliases:
                raise ValueError(
                    f"Goal names unknown atom {name!r} for sources "
                    f"{''.join(lattice.source_names)}. Valid names: "
                    f"{', '.join(lattice.names)}, aliases "
                    f"{', '.join(lattice.aliases)}, and H_res."
                )
            gamma[lattice.index(name)] += float(value)
        return gamma, gamma_h


def resolve_goal(goal, sources):
    """A fresh Goal from None (the published optimised one), a preset name or a Goal."""
    if goal is None:
        return Goal.preset(DEFAULT_PRESET[sources])
    if isinstance(goal, str):
        return Goal.preset(goal)
    if isinstance(goal, Goal):
        return Goal(**goal.get_params())
    if isinstance(goal, dict):
        return Goal(**goal)
    raise TypeError(
        f"goal must be None, a preset name, a dict of atom weights or a Goal; got "
        f"{type(goal).__name__}."
    )


class NestedGoalParamsMixin:
    """``set_params(<goal param>__<atom>=...)`` whatever form the goal was given in.

    A goal given as a preset name, a dict or None has no parameters of its own, so a
    nested ``goal__<atom>`` parameter first turns it into the equivalent Goal (None
    becomes the estimator's default goal, ``_default_goal(name)``), then sets the
    weight. GridSearchCV can then tune atom weights whatever form the goal had.
    """

    _GOAL_PARAMS = ("goal",)

    def _default_goal(self, name):
        """The goal (preset name, dict or Goal) that None stands for in ``name``."""
        raise NotImplementedError

    def set_params(self, **params):
        """Set parameters; ``goal__<atom>`` also works on a preset name, dict or None.

        ``set_params(goal="context_optimised", goal__red=0.5)`` is the published goal
        with ``red=0.5``.

        Parameters
        ----------
        **params : dict
            Estimator parameters, nested ones as ``<param>__<name>``.

        Returns
        -------
        self : estimator instance
        """
        plain = {k: v for k, v in params.items() if "__" not in k}
        nested = {k: v for k, v in params.items() if "__" in k}
        super().set_params(**plain)
        own = self.get_params(deep=False)
        for name in {k.partition("__")[0] for k in nested}:
            if name in self._GOAL_PARAMS and name in own and not isinstance(own[name], Goal):
                value = self._default_goal(name) if own[name] is None else own[name]
                setattr(self, name, resolve_goal(value, None))
        return super().set_params(**nested)
