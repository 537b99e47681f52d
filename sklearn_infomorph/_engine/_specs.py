"""Typed descriptions of what the engine builds: a layer's goal, binning, activation
and optimiser. The estimators translate their parameters into these once per fit."""

from dataclasses import dataclass, field, fields, is_dataclass

import numpy as np


@dataclass(frozen=True)
class GoalWeights:
    """Weights of a goal on the lattice atoms (``gamma``, lattice order) and on H_res."""

    gamma: np.ndarray
    gamma_h: float = 0.0


@dataclass(frozen=True)
class Binning:
    """How source potentials are binned for the PID estimate.

    ``fixed``: equal bins on [-half_range, half_range], values clamped; otherwise
    adaptive (each neuron's potential divided by its largest absolute value in the
    batch, bins on [-1, 1]).
    """

    n_bins: int
    fixed: bool
    half_range: float


@dataclass(frozen=True)
class Activation:
    """Constants of the activation functions (each kind's ``constants`` in ``_kinds.py``
    turns them into the kernels' (base, c1, w1, c2, w2))."""

    k1: float = 0.9
    k2: float = 2.0
    c1: float = 0.1
    c2: float = 0.1
    w1: float = 2.0
    w2: float = 2.0


@dataclass(frozen=True)
class Optimiser:
    """Adam's learning rate and L2 weight decay."""

    learning_rate: float
    weight_decay: float = 0.0


@dataclass(frozen=True)
class LayerSpec:
    """One layer of infomorphic neurons.

    ``kind``: the neuron kind's name in ``_kinds.KINDS`` ("FC", "FL", "FCL",
    "readout"); None takes the kind named like ``sources``. ``sources`` must be the
    kind's sources (None: the kind's). ``readout``: older spelling of
    ``kind="readout"`` (one neuron per class, C the own class's label through a fixed
    identity, k1 = 1), accepted until the estimators pass ``kind``.
    ``lateral_connections``: each neuron listens to at most this many random others
    (None: all others).
    """

    n_neurons: int
    sources: str
    goal: GoalWeights
    binning: Binning
    optimiser: Optimiser
    activation: Activation = field(default_factory=Activation)
    readout: bool = False
    lateral_connections: int | None = None
    kind: str | None = None


@dataclass(frozen=True)
class MemorySpec:
    """An infomorphic associative memory of ``n_neurons`` neurons.

    ``external_weight``: the fixed weight of each neuron's external bit;
    ``binning``: of the recurrent field (fixed range; the external bit gets two bins);
    ``init_scale``: standard deviation of the initial recurrent weights.
    """

    n_neurons: int
    goal: GoalWeights
    external_weight: float
    binning: Binning
    optimiser: Optimiser
    init_scale: float


def to_plain(spec):
    """A spec as plain values: a dict per dataclass, arrays copied, numpy scalars as
    Python numbers (what :func:`from_plain` reads back)."""
    values = {}
    for f in fields(spec):
        value = getattr(spec, f.name)
        if is_dataclass(value):
            value = to_plain(value)
        elif isinstance(value, np.ndarray):
            value = value.copy()
        elif isinstance(value, np.generic):
            value = value.item()
        values[f.name] = value
    return values


# The spec type of every nested field, by field name.
_NESTED = {"goal": GoalWeights, "binning": Binning, "optimiser": Optimiser,
           "activation": Activation}


def from_plain(cls, values):
    """The spec ``cls`` (a dataclass of this module) from :func:`to_plain`'s values.

    Fields ``cls`` does not have (written by a newer version) are ignored; fields
    missing from ``values`` (an older state) take their defaults.
    """
    known = {f.name for f in fields(cls)}
    return cls(**{name: from_plain(_NESTED[name], value) if name in _NESTED else value
                  for name, value in values.items() if name in known})
