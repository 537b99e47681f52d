"""Plots of the PID atoms of fitted infomorphic estimators, as scikit-learn Displays.

matplotlib is optional (``pip install sklearn-infomorph[plot]``) and only imported
when a display is plotted. Each display follows scikit-learn's pattern: the
constructor stores the data, :meth:`plot` draws it and stores ``ax_`` and
``figure_`` (and the drawn artists), and ``from_estimator`` computes the data from a
fitted estimator, then plots.
"""

import numpy as np
import pandas as pd

from ._fitted_layer import fitted_layer
from .atoms import atom_history_means, describe_atom, dominant_atom, layer_atoms

__all__ = ["AtomHistoryDisplay", "AtomsDisplay"]


def _pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
        raise ImportError(
            f"{caller} needs matplotlib; install it with "
            "`pip install sklearn-infomorph[plot]` (or `pip install matplotlib`)."
        ) from exc
    return plt


def _axes(ax, caller):
    plt = _pyplot(caller)
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _colors(n):
    """n distinct colours: tab10 up to 10 atoms, tab20 up to 20, then a colormap."""
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    if n <= 20:
        return [colormaps["tab20"](i) for i in range(n)]
    return [colormaps["turbo"](x) for x in np.linspace(0, 1, n)]


def _label(atom):
    return f"{atom}: {describe_atom(atom)}"


def _check_frame(data, what):
    if not isinstance(data, pd.DataFrame) or data.shape[0] == 0 or data.shape[1] == 0:
        raise ValueError(
            f"{what} must be a non-empty pandas DataFrame; got {type(data).__name__}."
        )
    if data.isna().to_numpy().any():
        raise ValueError(
            f"{what} contains NaN; pass the atoms of one layer only, e.g. "
            "sklearn_infomorph.atoms.layer_atoms(estimator, layer)."
        )


class AtomsDisplay:
    """Per-neuron PID atoms of one layer: a sorted stacked bar chart or a heatmap.

    Build it with :meth:`from_estimator`, or from a DataFrame of atoms (e.g.
    :func:`sklearn_infomorph.atoms.layer_atoms`) and call :meth:`plot`.

    Parameters
    ----------
    atoms : pandas.DataFrame of shape (n_neurons, n_atoms)
        Atoms in bits, one row per neuron (the index gives the neuron ids), one
        column per atom. No NaN.
    layer : str, default=None
        Layer name, used in the title.

    Attributes
    ----------
    order_ : ndarray
        Neuron ids in plotted order (left to right / column order of the image).
    bars_ : dict of str -> matplotlib.container.BarContainer
        ``kind="bar"``: the bars of each atom; ``bars_[atom][k]`` is neuron
        ``order_[k]``. Positive atoms stack upwards from 0, negative ones
        (misinformation) downwards.
    image_ : matplotlib.image.AxesImage
        ``kind="heatmap"``: array of shape (n_atoms, n_neurons), atoms as rows.
    colorbar_ : matplotlib.colorbar.Colorbar
        ``kind="heatmap"``: the colour scale.
    legend_ : matplotlib.legend.Legend or None
        ``kind="bar"``: names every atom in plain words.
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    See Also
    --------
    AtomHistoryDisplay : Mean atoms of a layer per epoch.
    sklearn_infomorph.atoms.describe_atom : The plain-word atom names.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_infomorph import InfomorphicTransformer
    >>> from sklearn_infomorph.plotting import AtomsDisplay
    >>> X, _ = load_digits(return_X_y=True)
    >>> tr = InfomorphicTransformer(n_neurons=6, max_iter=2, random_state=0).fit(X / 16)
    >>> disp = AtomsDisplay.from_estimator(tr)
    >>> len(disp.bars_["{F}"])
    6
    """

    def __init__(self, atoms, *, layer=None):
        self.atoms = atoms
        self.layer = layer

    def _sorted(self, sort):
        """Neurons grouped by dominant atom (in column order), largest value first."""
        atoms = self.atoms
        if not sort:
            return atoms
        dominant = dominant_atom(atoms, atoms=list(atoms.columns))
        rank = dominant.map({a: i for i, a in enumerate(atoms.columns)}).to_numpy()
        top = atoms.to_numpy().max(axis=1)
        order = np.lexsort((-top, rank))
        return atoms.iloc[order]

    def plot(self, ax=None, *, kind="bar", sort=True, legend=True, cmap="RdBu_r"):
        """Draw the atoms.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        kind : {"bar", "heatmap"}, default="bar"
            Stacked bars (one per neuron, one colour per atom) or an image with the
            atoms as rows and the neurons as columns.
        sort : bool, default=True
            Group the neurons by their dominant atom (in lattice order), largest
            first within a group; False keeps the neuron order.
        legend : bool, default=True
            ``kind="bar"``: show a legend naming each atom in plain words.
        cmap : str, default="RdBu_r"
            ``kind="heatmap"``: colormap, centred on 0 bits.

        Returns
        -------
        self : AtomsDisplay
        """
        if kind not in ("bar", "heatmap"):
            raise ValueError(f"kind must be 'bar' or 'heatmap', got {kind!r}.")
        _check_frame(self.atoms, "atoms")
        ax = _axes(ax, "AtomsDisplay.plot")
        data = self._sorted(sort)
        self.order_ = data.index.to_numpy()
        values = data.to_numpy(dtype=np.float64)
        names = [str(c) for c in data.columns]
        x = np.arange(len(data))
        self.bars_, self.image_, self.colorbar_, self.legend_ = {}, None, None, None
        if kind == "bar":
            up, down = np.zeros(len(data)), np.zeros(len(data))
            for k, (name, color) in enumerate(zip(names, _colors(len(names)))):
                v = values[:, k]
                bottom = np.where(v >= 0, up, down)
                self.bars_[name] = ax.bar(
                    x, v, bottom=bottom, width=0.85, color=color, label=_label(name)
                )
                up += np.maximum(v, 0)
                down += np.minimum(v, 0)
            ax.axhline(0, color="black", linewidth=0.6)
            ax.set_xlim(-0.6, len(data) - 0.4)
            ax.set_ylabel("bits")
            if legend:
                self.legend_ = ax.legend(
                    title="atom", fontsize="small", loc="upper left",
                    bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                )
        else:
            limit = float(np.max(np.abs(values))) or 1.0
            self.image_ = ax.imshow(
                values.T, aspect="auto", cmap=cmap, vmin=-limit, vmax=limit,
                interpolation="nearest",
            )
            ax.set_yticks(np.arange(len(names)), [_label(n) for n in names], fontsize="small")
            self.colorbar_ = ax.figure.colorbar(self.image_, ax=ax, label="bits")
        if len(data) <= 40:
            ax.set_xticks(
                x, [str(n) for n in self.order_], fontsize="small",
                rotation=90 if len(data) > 16 else 0,
            )
        ax.set_xlabel("neuron (sorted by dominant atom)" if sort else "neuron")
        ax.set_title("PID atoms per neuron" + (f", {self.layer}" if self.layer else ""))
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls, estimator, *, layer=None, kind="bar", sort=True, legend=True, ax=None
    ):
        """Plot the ``pid_atoms_`` of one layer of a fitted estimator.

        Parameters
        ----------
        estimator : fitted infomorphic estimator (classifier, transformer, memory) or Pipeline
        layer : str, default=None
            A name from ``layer_names_``; None is the first layer.
        kind : {"bar", "heatmap"}, default="bar"
            See :meth:`plot`.
        sort : bool, default=True
            See :meth:`plot`.
        legend : bool, default=True
            See :meth:`plot`.
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.

        Returns
        -------
        display : AtomsDisplay
        """
        found = fitted_layer(estimator, layer)
        display = cls(layer_atoms(found.estimator, found.name), layer=found.name)
        return display.plot(ax=ax, kind=kind, sort=sort, legend=legend)


class AtomHistoryDisplay:
    """Mean PID atoms of a layer's neurons per training epoch, one line per atom.

    Parameters
    ----------
    history : pandas.DataFrame of shape (n_epochs, n_atoms)
        Mean bits per neuron, index ``epoch``, one column per atom (e.g.
        :func:`sklearn_infomorph.atoms.atom_history_means`). No NaN.
    layer : str, default=None
        Layer name, used in the title.

    Attributes
    ----------
    lines_ : dict of str -> matplotlib.lines.Line2D
        The line of each atom (x: epochs, y: mean bits).
    legend_ : matplotlib.legend.Legend or None
        Names every atom in plain words.
    ax_ : matplotlib.axes.Axes
    figure_ : matplotlib.figure.Figure

    See Also
    --------
    AtomsDisplay : The atoms of each neuron after training.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_infomorph import InfomorphicTransformer
    >>> from sklearn_infomorph.plotting import AtomHistoryDisplay
    >>> X, _ = load_digits(return_X_y=True)
    >>> tr = InfomorphicTransformer(n_neurons=6, max_iter=3, random_state=0).fit(X / 16)
    >>> disp = AtomHistoryDisplay.from_estimator(tr)
    >>> disp.lines_["{F}"].get_xdata().tolist()
    [1, 2, 3]
    """

    def __init__(self, history, *, layer=None):
        self.history = history
        self.layer = layer

    def plot(self, ax=None, *, legend=True):
        """Draw the mean atoms per epoch.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.
        legend : bool, default=True
            Show a legend naming each atom in plain words.

        Returns
        -------
        self : AtomHistoryDisplay
        """
        _check_frame(self.history, "history")
        ax = _axes(ax, "AtomHistoryDisplay.plot")
        epochs = self.history.index.to_numpy()
        names = [str(c) for c in self.history.columns]
        self.lines_ = {}
        for name, color in zip(names, _colors(len(names))):
            (self.lines_[name],) = ax.plot(
                epochs, self.history[name].to_numpy(dtype=np.float64), color=color,
                marker="o" if len(epochs) <= 20 else None, markersize=3,
                label=_label(name),
            )
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xlabel("epoch")
        ax.set_ylabel("mean bits per neuron")
        ax.set_title("PID atoms during training" + (f", {self.layer}" if self.layer else ""))
        self.legend_ = None
        if legend:
            self.legend_ = ax.legend(
                title="atom", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                borderaxespad=0.0,
            )
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, layer=None, atoms=None, legend=True, ax=None):
        """Plot the mean atoms per epoch of one layer of a fitted estimator.

        Parameters
        ----------
        estimator : fitted infomorphic estimator (classifier, transformer, memory) or Pipeline
        layer : str, default=None
            A name from ``layer_names_``; None is the first layer.
        atoms : list of str, default=None
            Columns to draw (atoms, ``H_res``, ``MI``, ...); None draws every atom
            of the layer.
        legend : bool, default=True
            See :meth:`plot`.
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.

        Returns
        -------
        display : AtomHistoryDisplay
        """
        found = fitted_layer(estimator, layer)
        est, layer = found.estimator, found.name
        means = atom_history_means(est, layer)
        if atoms is None:
            atoms = found.columns("atoms")
        unknown = [a for a in atoms if a not in means.columns]
        if unknown:
            raise ValueError(
                f"atoms {unknown} are not recorded for layer {layer!r}; choose from "
                f"{list(means.columns)}."
            )
        return cls(means[list(atoms)], layer=layer).plot(ax=ax, legend=legend)
