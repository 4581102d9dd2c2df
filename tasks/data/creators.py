"""Who made each model: the creator, the unit the hedonic regression clusters its errors by.

Models of one lab share pricing policy, serving stack and release cadence, and families of near-duplicates (sizes,
reasoning-effort levels, dated versions) share a creator: their errors are not independent, so the hedonic
regression's cluster-robust intervals group models by creator (``tasks/methods/hedonic.py``).

Sources do not always say who made a model: the FutureTech file's ``Creator`` column is empty for 163 of its 204
models (it was filled only for the newest ones); Artificial Analysis names a creator for every model. Where the
analysis table's ``creator`` is empty, it is inferred from the model's *name* with a committed mapping,
``data/creators.csv``:

- columns ``pattern``, ``creator``, ``reason``, ``source``;
- ``pattern`` is a case-insensitive Python regular expression searched in the name (``^`` anchors a name prefix);
- the **first** matching row wins, so rows that claim fine-tunes released by another lab (``Nemotron`` -> NVIDIA,
  ``Hermes`` -> Nous Research, ``^DeepSeek`` for the R1 distillations onto Llama and Qwen) come before the family
  rules they would otherwise fall under (``^Llama`` -> Meta, ``^Qwen`` -> Alibaba);
- creator names follow Artificial Analysis' spelling, so the two bundled snapshots cluster alike.

A creator given by the source is never overridden. A model that neither the source nor the mapping attributes is
its own cluster (a singleton: conservative, it is assumed independent of every other model) and is listed, so the
mapping can be extended. Cluster labels compare creators case-insensitively with whitespace collapsed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from tasks.files.settings import data_dir

CREATOR_MAP_COLUMNS = ["pattern", "creator", "reason", "source"]
ORIGINS = ("source", "mapping", "none")  # where a model's creator came from


def creators_file() -> Path:
    return data_dir() / "creators.csv"


def read_creator_map(path: Path) -> pd.DataFrame:
    """The committed mapping, checked: the four columns, a creator on every row, every pattern a valid regex."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in CREATOR_MAP_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(CREATOR_MAP_COLUMNS)}")
    for number, row in enumerate(frame.itertuples(index=False), start=2):  # line 1 is the header
        if not row.pattern.strip() or not row.creator.strip():
            raise ValueError(f"{path}, line {number}: pattern and creator must not be empty")
        try:
            re.compile(row.pattern, re.IGNORECASE)
        except re.error as err:
            raise ValueError(f"{path}, line {number}: pattern {row.pattern!r} is not a valid regular expression: "
                             f"{err}") from None
    return frame[CREATOR_MAP_COLUMNS].reset_index(drop=True)


def creator_from_name(name: str, mapping: pd.DataFrame) -> str | None:
    """The creator of the first mapping row whose pattern is found in ``name`` (case-insensitive), else None."""
    for pattern, creator in zip(mapping["pattern"], mapping["creator"]):
        if re.search(pattern, str(name), re.IGNORECASE):
            return creator.strip()
    return None


def _given(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    value = " ".join(str(value).split())
    return value or None


def assign_creators(models: pd.DataFrame, mapping: pd.DataFrame | None) -> pd.DataFrame:
    """Per row of ``models`` (columns ``model_id``, ``name``, ``creator``): the creator and where it came from.

    Returns ``model_id``, ``creator`` (None when unknown), ``origin`` (``source``, ``mapping`` or ``none``) and
    ``cluster``: the case-folded creator, or ``model:<model_id>`` (its own cluster) when unknown. Same index as
    ``models``.
    """
    creators, origins = [], []
    for name, given in zip(models["name"], models["creator"]):
        creator = _given(given)
        origin = "source"
        if creator is None:
            creator = creator_from_name(name, mapping) if mapping is not None and len(mapping) else None
            origin = "mapping" if creator is not None else "none"
        creators.append(creator)
        origins.append(origin)
    clusters = [c.casefold() if c is not None else f"model:{m}" for c, m in zip(creators, models["model_id"])]
    return pd.DataFrame({"model_id": models["model_id"].to_numpy(), "creator": pd.Series(creators, dtype=object),
                         "origin": origins, "cluster": clusters}, index=models.index)
