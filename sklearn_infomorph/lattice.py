"""The redundancy lattice of the partial information decomposition.

The lattice is generated in code for n = 2, 3 or 4 sources. Its elements are the
antichains of non-empty source subsets; each antichain names one PID atom.

Atom order
----------
The order is stable and documented: antichains are sorted by

1. the size of their smallest source subset (redundancies of single sources first),
2. the number of subsets, largest first,
3. the sorted subset sizes,
4. the subsets themselves, as tuples of source indices.

For two sources this gives ``{0}{1}, {0}, {1}, {01}`` (redundancy, the two unique
informations, synergy); for three sources ``{0}{1}{2}, {0}{1}, {0}{2}, {1}{2},
{0}{12}, {1}{02}, {2}{01}, {0}, {1}, {2}, {01}{02}{12}, {01}{02}, {01}{12},
{02}{12}, {01}, {02}, {12}, {012}``, the order used in the published trivariate
goal tables. The last atom is always the synergy of all sources.
"""

from functools import lru_cache
from itertools import combinations
from math import comb

import numpy as np

__all__ = ["Lattice", "redundancy_lattice"]

#: Number of atoms for n = 2, 3, 4 sources (Dedekind numbers minus 2).
N_ATOMS = {2: 4, 3: 18, 4: 166}


def _subset_tuple(mask):
    return tuple(i for i in range(mask.bit_length()) if mask >> i & 1)


def _is_antichain(masks):
    return not any(a != b and a & b == a for a in masks for b in masks)


def _below(beta, alpha):
    """True when antichain ``beta`` lies below ``alpha`` (every a contains some b)."""
    return all(any(b & a == b for b in beta) for a in alpha)


def _sort_key(antichain):
    subsets = sorted((_subset_tuple(m) for m in antichain), key=lambda s: (len(s), s))
    sizes = tuple(len(s) for s in subsets)
    return (sizes[0], -len(subsets), sizes, tuple(subsets))


class Lattice:
    """The redundancy lattice for ``n_sources`` sources.

    Parameters
    ----------
    n_sources : int
        Number of sources, 2, 3 or 4.
    source_names : sequence of str, default=None
        One short name per source, used in the atom names (``"F", "C"`` gives
        ``{F}{C}``). Defaults to the source indices ``"0", "1", ...``.

    Attributes
    ----------
    antichains : list of tuple of int
        Each antichain as a tuple of source bitmasks (bit i set = source i).
    names : list of str
        Readable atom names in lattice order, e.g. ``"{F}{C}"``.
    order : ndarray of bool, shape (n_atoms, n_atoms)
        ``order[a, b]`` is True when antichain ``b`` lies below or equals ``a``.
    moebius : ndarray of float64, shape (n_atoms, n_atoms)
        Moebius inversion matrix: ``atoms = moebius @ i_cap``.
    aliases : dict
        Short names for the bivariate case (``red``, ``unq_<name>``, ``syn``) and
        ``syn`` for the synergy of all sources in general.

    Examples
    --------
    >>> from sklearn_infomorph import Lattice
    >>> lattice = Lattice(2, source_names="FC")
    >>> lattice.names
    ['{F}{C}', '{F}', '{C}', '{FC}']
    >>> lattice.index("red"), lattice.index("{FC}")
    (0, 3)
    >>> lattice.moebius.astype(int)              # atoms = moebius @ i_cap
    array([[ 1,  0,  0,  0],
           [-1,  1,  0,  0],
           [-1,  0,  1,  0],
           [ 1, -1, -1,  1]])
    >>> lattice.mi_names()
    ['MI_F', 'MI_C', 'MI']
    """

    def __init__(self, n_sources, source_names=None):
        if isinstance(n_sources, bool) or not isinstance(n_sources, (int, np.integer)) or (
            n_sources not in N_ATOMS
        ):
            raise ValueError(
                f"n_sources must be 2, 3 or 4, got {n_sources!r}; the I^sx PID here "
                "supports 2 to 4 sources."
            )
        if source_names is None:
            source_names = [str(i) for i in range(n_sources)]
        source_names = [str(s) for s in source_names]
        if len(source_names) != n_sources or len(set(source_names)) != n_sources:
            raise ValueError(
                f"source_names must hold {n_sources} distinct names, got {source_names!r}."
            )
        self.n_sources = int(n_sources)
        self.source_names = tuple(source_names)
        self.antichains = _antichains(n_sources)
        self.names = [self._name(a) for a in self.antichains]
        self.order, self.moebius = _order_and_moebius(n_sources)
        self.top = len(self.antichains) - 1
        self.aliases = self._make_aliases()

    def __len__(self):
        return len(self.antichains)

    def __repr__(self):
        return f"Lattice(n_sources={self.n_sources}, source_names={self.source_names})"

    def subset_name(self, mask):
        """Concatenated source names of a bitmask, e.g. ``"FC"``."""
        return "".join(self.source_names[i] for i in _subset_tuple(mask))

    def _name(self, antichain):
        subsets = sorted((_subset_tuple(m) for m in antichain), key=lambda s: (len(s), s))
        return "".join(
            "{" + "".join(self.source_names[i] for i in s) + "}" for s in subsets
        )

    def _make_aliases(self):
        aliases = {"syn": self.names[self.top]}
        if self.n_sources == 2:
            a, b = self.source_names
            aliases.update(
                {"red": self.names[0], f"unq_{a}": self.names[1], f"unq_{b}": self.names[2]}
            )
        return aliases

    def index(self, name):
        """Position of an atom given its name or alias; ValueError lists valid names."""
        name = self.aliases.get(name, name)
        try:
            return self.names.index(name)
        except ValueError:
            raise ValueError(
                f"Unknown atom {name!r} for sources {self.source_names}. Valid atoms: "
                f"{', '.join(self.names)}; aliases: {', '.join(self.aliases)}."
            ) from None

    def mi_names(self):
        """Names of the mutual informations reported next to the atoms.

        ``"MI"`` is the joint mutual information I(T; all sources); ``"MI_<names>"``
        the mutual information with each proper subset of sources, in mask order.
        """
        full = (1 << self.n_sources) - 1
        return [f"MI_{self.subset_name(m)}" for m in range(1, full)] + ["MI"]

    def inclusion_exclusion_terms(self):
        """Union-probability terms of each antichain.

        ``P(W_alpha(s)) = sum_k coef_k * P(S_{mask_k} = s_{mask_k})`` with the terms
        of antichain ``a`` at ``ptr[a]:ptr[a + 1]``. Duplicate masks are merged and
        zero coefficients dropped.

        Returns
        -------
        ptr : ndarray of int64, shape (n_atoms + 1,)
        masks : ndarray of int64
        coefs : ndarray of float64
        support : ndarray of int64, shape (n_atoms,)
            The union of all subsets in each antichain.
        """
        return _terms(self.n_sources)


@lru_cache(maxsize=None)
def _antichains(n):
    all_masks = range(1, 1 << n)
    found = []
    # Sperner: an antichain of subsets of n sources has at most comb(n, n // 2) members.
    for size in range(1, comb(n, n // 2) + 1):
        for combo in combinations(all_masks, size):
            if _is_antichain(combo):
                found.append(combo)
    found.sort(key=_sort_key)
    if len(found) != N_ATOMS[n]:  # pragma: no cover - guards the enumeration bound
        raise RuntimeError(f"lattice for n={n} has {len(found)} antichains")
    return found


@lru_cache(maxsize=None)
def _order_and_moebius(n):
    chains = _antichains(n)
    size = len(chains)
    order = np.zeros((size, size), dtype=bool)
    for a, alpha in enumerate(chains):
        for b, beta in enumerate(chains):
            order[a, b] = _below(beta, alpha)
    # I_cap = Z @ atoms with Z = order; the inverse of a zeta matrix is integral.
    moebius = np.rint(np.linalg.inv(order.astype(np.float64)))
    moebius.setflags(write=False)
    order.setflags(write=False)
    return order, moebius


@lru_cache(maxsize=None)
def _terms(n):
    ptr, masks, coefs, support = [0], [], [], []
    for alpha in _antichains(n):
        merged = {}
        for size in range(1, len(alpha) + 1):
            for beta in combinations(alpha, size):
                union = 0
                for m in beta:
                    union |= m
                merged[union] = merged.get(union, 0) + (-1) ** (size + 1)
        for mask in sorted(merged):
            if merged[mask] != 0:
                masks.append(mask)
                coefs.append(float(merged[mask]))
        ptr.append(len(masks))
        union = 0
        for m in alpha:
            union |= m
        support.append(union)
    arrays = (
        np.array(ptr, dtype=np.int64),
        np.array(masks, dtype=np.int64),
        np.array(coefs, dtype=np.float64),
        np.array(support, dtype=np.int64),
    )
    for a in arrays:
        a.setflags(write=False)
    return arrays


def redundancy_lattice(n_sources, source_names=None):
    """Build the redundancy lattice for ``n_sources`` sources.

    Parameters
    ----------
    n_sources : int
        2, 3 or 4.
    source_names : sequence of str, default=None
        Short source names used in atom names.

    Returns
    -------
    Lattice

    Examples
    --------
    >>> from sklearn_infomorph.lattice import redundancy_lattice
    >>> redundancy_lattice(2, "FC").names
    ['{F}{C}', '{F}', '{C}', '{FC}']
    >>> len(redundancy_lattice(3))
    18
    """
    return Lattice(n_sources, source_names)
