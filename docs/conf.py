"""Sphinx configuration of the sklearn-infomorph documentation.

Build (warnings are errors, the gallery examples are executed)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import os
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: the gallery renders figures to PNG files

import sklearn_infomorph  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for gallery_order (sphinx-gallery imports it by name)

# -- project -------------------------------------------------------------------------
project = "sklearn-infomorph"
author = "the sklearn-infomorph developers"
copyright = "2026, " + author
release = sklearn_infomorph.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.py.md5"]
default_role = "literal"

# -- API reference -------------------------------------------------------------------
# One generated page per public name (api.rst lists them); numpydoc renders the
# docstrings. Class members are documented by the class template, not by numpydoc's
# member tables, so no object is described twice.
autosummary_generate = True
autodoc_default_options = {"inherited-members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- gallery -------------------------------------------------------------------------
# Every examples/plot_*.py is executed during the build; a failing example fails the
# build. Scripts without the plot_ prefix (examples/demo.py, the MNIST benchmarks) are
# shown as code only or not at all.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"plot_",
    "ignore_pattern": r"__init__\.py|demo\.py",
    "plot_gallery": "True",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "within_subsection_order": "gallery_order.ExampleOrder",
    "doc_module": ("sklearn_infomorph",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"sklearn_infomorph": None},
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 5,
}

# Quieter, reproducible example runs (warnings inside examples go to their output).
os.environ.setdefault("PYTHONHASHSEED", "0")

# -- HTML ----------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-infomorph {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "auto_examples/index": []}
html_show_sourcelink = False

# -- members inherited from scikit-learn -----------------------------------------------
# scikit-learn's own docstrings cross-reference pages of its documentation, which do not
# exist here (warnings, hence errors). Its generic estimator methods are skipped, except
# the few whose docstrings stand alone; api.rst says which methods every estimator has.
_SKLEARN_MEMBERS_KEPT = {"get_params", "set_params", "fit_transform", "get_feature_names_out"}


def _defining_module(obj):
    target = getattr(obj, "fget", obj)  # properties
    return getattr(target, "__module__", "") or ""


def _skip_sklearn_members(app, what, name, obj, skip, options):
    module = _defining_module(obj)
    if module.startswith("sklearn.") and name not in _SKLEARN_MEMBERS_KEPT:
        return True
    return None


# In numpydoc type specs, names such as ``shape (n_features_in_,)`` or
# ``default="pid_"`` end in an underscore, which reStructuredText reads as a link to an
# undefined target. Escape that underscore in the "name : type" lines only (before
# numpydoc parses the docstring); prose must still quote such names with backticks.
_TYPE_LINE = re.compile(r"^(\s*[*\w, ]+ : )(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<![\\`])\b([A-Za-z]\w*?)_(?=[\s,.;:)\]\"']|$)")


def _escape_type_underscores(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        match = _TYPE_LINE.match(line)
        if match and "`" not in match.group(2):
            lines[i] = match.group(1) + _TRAILING_UNDERSCORE.sub(r"\1\\_", match.group(2))


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_members)
    app.connect("autodoc-process-docstring", _escape_type_underscores, priority=400)
