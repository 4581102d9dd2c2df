"""The estimation methods: one module per method, found here by itself.

A method module defines
- ``NAME``: the ``method`` column of its trends (``frontier``, ``hedonic``, ...);
- ``SECTIONS``: the preset sections it reads, by TOML table name -> pydantic model (``[frontier]`` ->
  ``FrontierSection``); ``tasks.study.presets`` builds the ``Preset`` model from every method's sections, so a new
  method's section is valid in a preset TOML without touching any other file;
- ``plan(preset, snapshot, analysis, common) -> list[TrendSpec]``: the trends the preset asks of this snapshot;
- ``fit(analysis, spec, context) -> TrendFit``: one trend, pure (DataFrames in, a typed result out);
- optionally ``derive(fits) -> list[TrendFit]``: trends computed from the others (the frontier's geometric
  means across bands) and ``DERIVED``: the method names it derives; ``CONTEXT``: the shared files its fits read
  (``"creators"``: the creator mapping), passed in ``context`` and part of its cache key.

Adding a method: one module here, its section in a preset TOML, and a test.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType

# modules of this package that are not methods
_SUPPORT: set[str] = set()


@functools.cache
def registry() -> dict[str, ModuleType]:
    """Method name -> module, for every module of this package that defines ``NAME``, ``SECTIONS``, ``plan`` and
    ``fit`` (helpers such as ``geomean`` and ``breaks`` define fewer)."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in _SUPPORT or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if all(hasattr(module, attribute) for attribute in ("NAME", "SECTIONS", "plan", "fit")):
            found[module.NAME] = module
    return found


def method(name: str) -> ModuleType:
    methods = registry()
    for module in methods.values():
        if name == module.NAME or name in getattr(module, "DERIVED", ()):
            return module
    raise ValueError(f"unknown method {name!r}; known: {', '.join(methods)}")


def sections() -> dict[str, type]:
    """Every preset section of every method: TOML table name -> pydantic model."""
    out: dict[str, type] = {}
    for module in registry().values():
        for name, model in getattr(module, "SECTIONS", {}).items():
            if name in out and out[name] is not model:
                raise ValueError(f"preset section [{name}] is declared by two methods")
            out[name] = model
    return out


def all_method_names() -> list[str]:
    """Every value the ``method`` column can take (methods and the trends they derive)."""
    names = []
    for module in registry().values():
        names += [module.NAME, *getattr(module, "DERIVED", ())]
    return names


def quantities() -> list[str]:
    """Every quantity a trend can follow: the shared vocabulary's, and those a method declares (``QUANTITIES``)."""
    from tasks.core.vocabulary import QUANTITIES

    names = list(QUANTITIES)
    for module in registry().values():
        names += [q for q in getattr(module, "QUANTITIES", ()) if q not in names]
    return names
