"""One place per neuron kind: the registry :data:`KINDS` of kind descriptors.

A kind is data, not a branch: its sources, how its activation constants follow from
the :class:`~._specs.Activation` of a spec, which sources carry trained weights (the
others enter through a fixed identity), its default goal. Everything else follows
from the sources:

* **kernel slots**: the activation ``theta(f, s, t)`` takes the potential of the
  first source as f, of the second as s, of the third (if any) as t. The numba
  kernels read the codes :attr:`NeuronKind.slot_codes` (``CONTEXT``, ``LATERAL`` or
  ``NO_SOURCE`` for s and t) and never the kind itself.
* **initialisation** (:func:`init_params`): ``W_X`` and ``b_X`` of every trained
  source X in source order, uniform on +-1/sqrt(fan-in); the fan-in of F is the
  layer's inputs, of C the context size, of L the most senders of any neuron of
  the (possibly sparse) lateral mask.
* **gradient routing**: the kernel writes one row of deltas ``-dG/dtheta *
  dtheta/d(slot potential)`` and one bias gradient per slot; ``W_X`` and ``b_X``
  take those of X's slot, :meth:`NeuronKind.slot`.

docs/design.rst ("Adding a neuron kind") walks through a new entry;
tests/test_kinds.py runs every registered kind through the kernels.
"""

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

#: Canonical order of the source letters (feedforward, context, lateral).
SOURCE_LETTERS = "FCL"

#: Kernel codes of what fills the activation's second and third slots (s, t).
NO_SOURCE, CONTEXT, LATERAL = 0, 1, 2
_SLOT_CODES = {"C": CONTEXT, "L": LATERAL}


def bivariate_constants(act):
    """(base, c1, w1, c2, w2) of ``sigmoid(f (k1 + (1 - k1) 2 sigmoid(k2 f s)))``
    (Makkeh et al. 2025): base = k1, c1 = 2 (1 - k1), w1 = k2, no third source."""
    k1 = float(act.k1)
    return k1, 2.0 * (1.0 - k1), float(act.k2), 0.0, 0.0


def trivariate_constants(act):
    """(base, c1, w1, c2, w2) of ``sigmoid(f ((1 - c1 - c2) + c1 sigmoid(w1 f s) + c2
    sigmoid(w2 f t)))`` (Schneider et al., ICLR 2025)."""
    c1, c2, w1, w2 = (float(v) for v in (act.c1, act.c2, act.w1, act.w2))
    return 1.0 - c1 - c2, c1, w1, c2, w2


def readout_constants(act):
    """The bivariate form with k1 = 1: the readout's context only gates."""
    return 1.0, 2.0 * (1.0 - 1.0), float(act.k2), 0.0, 0.0


@dataclass(frozen=True)
class NeuronKind:
    """What makes a kind of infomorphic neuron.

    Parameters
    ----------
    name : str
        The key in :data:`KINDS` (a spec's ``kind``).
    sources : str
        Source letters in canonical order: the lattice's sources and the
        activation's slots (f, s, t).
    constants : callable
        :class:`~._specs.Activation` -> (base, c1, w1, c2, w2) of the kernels'
        activation.
    default_preset : str
        Name of the goal preset (``_goal.PRESETS``) used when none is given.
    fixed : str, default=""
        Sources entering through a fixed identity, not trained weights (only C:
        then one neuron per context unit, with a zero bias).
    readout : bool, default=False
        The network's output layer (one neuron per class, its firing
        probabilities are the network's prediction).
    """

    name: str
    sources: str
    constants: Callable = field(repr=False)
    default_preset: str
    fixed: str = ""
    readout: bool = False

    @property
    def trained(self):
        """Sources with trained weights ``W_X`` and bias ``b_X``, in source order."""
        return "".join(s for s in self.sources if s not in self.fixed)

    @property
    def slot_codes(self):
        """(code of slot s, code of slot t) for the kernels."""
        codes = [_SLOT_CODES[s] for s in self.sources[1:]] + [NO_SOURCE, NO_SOURCE]
        return codes[0], codes[1]

    def slot(self, source):
        """The activation slot, hence the delta and bias-gradient row, of ``source``."""
        return self.sources.index(source)


KINDS = {kind.name: kind for kind in (
    NeuronKind("FC", "FC", bivariate_constants, "context_optimised"),
    NeuronKind("FL", "FL", bivariate_constants, "lateral_optimised"),
    NeuronKind("FCL", "FCL", trivariate_constants, "trivariate_optimised"),
    # One neuron per class; C is its own class's label (Makkeh et al. 2025).
    NeuronKind("readout", "FC", readout_constants, "readout", fixed="C", readout=True),
)}


def hidden_source_sets():
    """The source sets of the kinds a hidden layer can be (the estimators' ``sources``)."""
    return tuple(k.sources for k in KINDS.values() if not k.readout)


def kind_of(spec):
    """The :class:`NeuronKind` of a LayerSpec: its ``kind``, else "readout" when its
    (older) ``readout`` flag is set, else the kind named like its sources."""
    name = spec.kind or ("readout" if spec.readout else spec.sources)
    if name not in KINDS:
        raise ValueError(f"Unknown neuron kind {name!r}; the registered kinds are "
                         f"{sorted(KINDS)}.")
    kind = KINDS[name]
    if spec.sources is not None and spec.sources != kind.sources:
        raise ValueError(f"Neuron kind {name!r} has sources {kind.sources!r}, the spec "
                         f"names {spec.sources!r}.")
    return kind


def init_params(kind, n_inputs, n_context, n_neurons, connections, rng):
    """Initial weights and biases of a layer of ``kind`` and its lateral mask (or None).

    The draws from ``rng`` follow the trained sources in order (F, then C, then the
    lateral mask and L), so that a layer is reproducible from its seed.
    """
    params, mask = {}, None
    for source in kind.trained:
        if source == "L":
            mask = lateral_mask(n_neurons, connections, rng)
            fan_in = max(1, int(mask.sum(axis=0).max()))
        else:
            fan_in = n_inputs if source == "F" else n_context
        bound = 1.0 / np.sqrt(fan_in)
        senders = n_neurons if source == "L" else fan_in
        weights = rng.uniform(-bound, bound, (senders, n_neurons))
        params["W_" + source] = weights * mask if source == "L" else weights
        params["b_" + source] = rng.uniform(-bound, bound, n_neurons)
    return params, mask


def lateral_mask(n_neurons, connections, rng):
    """0/1 matrix (sender, receiver): no self connection, <= connections senders each."""
    mask = np.ones((n_neurons, n_neurons)) - np.eye(n_neurons)
    if connections is None or connections >= n_neurons - 1:
        return mask
    mask[:] = 0.0
    for j in range(n_neurons):
        others = np.delete(np.arange(n_neurons), j)
        mask[rng.choice(others, size=connections, replace=False), j] = 1.0
    return mask
