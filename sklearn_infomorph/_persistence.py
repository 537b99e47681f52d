"""Plain fitted state: what the estimators pickle, and how a loaded one is rebuilt.

A fitted estimator's pickle (or joblib or skops file) holds numpy arrays, builtins and
the package's public types only (``sklearn_infomorph.Goal``): the engine network is
stored as the plain dict of its ``export_state()`` and rebuilt on load by
``restore_network``, so no engine class is pickled and a change inside the engine
cannot break a saved model.

Every state carries :data:`STATE_FORMAT` and the package version that wrote it. On
load:

- a format newer than this version reads raises an error naming both versions;
- entries this version does not know (added by a newer, compatible version) are
  ignored: nothing here reads them;
- parameters missing from the state (added after it was written) take the value a fit
  of that time implied: the ``__init__`` default (of each name ``get_params`` lists),
  or, where that default changed what a fit does, the value in the class's
  ``_STATE_DEFAULTS``; fitted attributes added later are filled the same way.

Pickles written before states had a format (format 0, with engine objects inside) are
read as they are, with the same filling of missing entries, as long as the engine
classes they name still exist where they were (those of release 0.1.0 have moved).
"""

import inspect

import sklearn

from ._engine._contract import restore_network
from ._version import __version__

#: Format of the estimators' pickled state. Raise it only for a change that an older
#: version cannot read (an entry whose meaning changed); adding an entry keeps it, as
#: older versions ignore what they do not know.
STATE_FORMAT = 1

#: The module under which the public classes are pickled (and shown by skops).
PUBLIC_MODULE = "sklearn_infomorph"

# Key of the format record in a state (the attribute names never collide with it).
_META = "_sklearn_infomorph_state"


def public_path(cls):
    """Class decorator: ``cls`` is pickled as ``sklearn_infomorph.<name>``.

    Pickle, joblib and skops record a class by its ``__module__``; the public one keeps
    saved models loadable when the class moves between private modules, and skops
    lists it under the name users import. The functions defined in the class body get
    that module too, so that doctest still finds their examples (it collects a
    method where its ``__module__`` says).
    """
    cls.__module__ = PUBLIC_MODULE
    for value in vars(cls).values():
        for function in (getattr(value, "__func__", None), getattr(value, "fget", None), value):
            if inspect.isfunction(function):
                function.__module__ = PUBLIC_MODULE
    return cls


class PlainStateMixin:
    """``__getstate__`` / ``__setstate__`` of plain values (see the module docstring).

    Placed before ``BaseEstimator`` in the bases, it wraps scikit-learn's own
    ``__getstate__`` / ``__setstate__``, which still run.
    """

    #: Fitted attributes holding engine objects: name -> function rebuilding the
    #: object from the plain dict its ``export_state()`` returned.
    _EXPORTED_STATE = {"_network": restore_network}

    #: Entries whose value for a state written before they existed is not the
    #: ``__init__`` default: name -> (last format without it, value). A parameter
    #: added with a default that changes what fit does, or a fitted attribute added
    #: later, belongs here.
    _STATE_DEFAULTS = {}

    def __getstate__(self):
        # A copy: object.__getstate__ returns the instance's own __dict__.
        state = dict(super().__getstate__())
        for name in self._EXPORTED_STATE:
            value = state.get(name)
            if value is not None:
                state[name] = value.export_state()
        state[_META] = {
            "format": STATE_FORMAT,
            "version": __version__,
            "sklearn_version": sklearn.__version__,
        }
        return state

    def __setstate__(self, state):
        state = dict(state)
        meta = state.pop(_META, None) or {"format": 0, "version": "0.1.0 or earlier"}
        written = meta.get("format", 0)
        if not isinstance(written, int) or written > STATE_FORMAT:
            raise ValueError(_newer_format_message(type(self).__name__, meta))
        # What a state written before an entry existed implies: the entries of
        # _STATE_DEFAULTS (fitted attributes only on a fitted state, as scikit-learn
        # tells one: an attribute ending in "_"), then the __init__ defaults.
        params = _init_defaults(type(self))
        fitted = any(k.endswith("_") and not k.startswith("__") for k in state)
        for name, (last_without, value) in self._STATE_DEFAULTS.items():
            if written <= last_without and name not in state and (name in params or fitted):
                state[name] = value
        for name, value in params.items():
            state.setdefault(name, value)
        for name, restore in self._EXPORTED_STATE.items():
            if isinstance(state.get(name), dict):
                try:
                    state[name] = restore(state[name])
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(
                        f"The {name} state of this {type(self).__name__}, saved by "
                        f"sklearn-infomorph {meta.get('version')}, cannot be rebuilt by "
                        f"sklearn-infomorph {__version__}: {exc!r}"
                    ) from exc
        super().__setstate__(state)


def _init_defaults(cls):
    """The ``__init__`` default of every parameter scikit-learn's ``get_params`` lists
    (parameters without a default are left out: a subclass may require some)."""
    signature = inspect.signature(cls.__init__)
    return {name: signature.parameters[name].default for name in cls._get_param_names()
            if signature.parameters[name].default is not inspect.Parameter.empty}


def _newer_format_message(name, meta):
    ours = __version__
    theirs = meta.get("version", "unknown")
    return (
        f"This {name} was saved by sklearn-infomorph {theirs} (state format "
        f"{meta.get('format')!r}); sklearn-infomorph {ours}, installed here, reads state "
        f"formats up to {STATE_FORMAT}. Load it with sklearn-infomorph {theirs} or newer "
        f"(pip install --upgrade \"sklearn-infomorph>={theirs}\"), or refit the model "
        f"with {ours}."
    )
