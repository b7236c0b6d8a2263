"""Widgets shared by the dashboard's tabs (decade slider, genre choices, button rows)."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import pandas as pd

from helpers.fmt import genre_fr
from helpers.schema import decade_of


def decade_slider(movies: pd.DataFrame, width: str,
                  selected: tuple[int, int] | None = None) -> widgets.IntRangeSlider:
    """A decade-range slider spanning the catalogue's decades; ``selected`` (clipped to the
    span) or all of them selected."""
    years = pd.to_numeric(movies["year"], errors="coerce").dropna()
    lo = decade_of(int(years.min())) if len(years) else 1900
    hi = decade_of(int(years.max())) if len(years) else 2020
    value = (lo, hi) if selected is None else tuple(min(max(d, lo), hi) for d in sorted(selected))
    return widgets.IntRangeSlider(value=value, min=lo, max=hi, step=10, description="Années",
                                  continuous_update=False, readout_format="d",
                                  layout=widgets.Layout(width=width))


def decade_range(slider: widgets.IntRangeSlider) -> tuple[int, int] | None:
    """The slider's decades as a filter: None when the whole span is selected."""
    lo, hi = slider.value
    return None if (lo, hi) == (slider.min, slider.max) else (int(lo), int(hi))


def genre_options(movies: pd.DataFrame) -> list[tuple[str, str]]:
    """(French label, IMDb name) of the catalogue's genres, in French alphabetical order."""
    genres = movies["genres"].explode().dropna().unique()
    return sorted(((genre_fr(str(g)), str(g)) for g in genres), key=lambda o: o[0].casefold())


def fill_buttons(buttons: Sequence[widgets.Button], labels: list[tuple[str, str]]) -> None:
    """Show one button per (description, tooltip) and hide the spare ones."""
    for i, button in enumerate(buttons):
        if i < len(labels):
            button.description, button.tooltip = labels[i]
            button.layout.display = "flex"
        else:
            button.description = ""
            button.layout.display = "none"
