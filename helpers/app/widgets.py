"""Widgets shared by the dashboard's tabs: decade range, genre chips, button rows.

Every control is a native, labelled form element (``<select>``, ``<input type=checkbox>``,
``<button>``) usable with one finger and with the keyboard: no slider handle without an
accessible name, no multi-select list that needs Ctrl-click.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import ipywidgets as widgets
import pandas as pd
import traitlets

from helpers.fmt import genre_fr
from helpers.schema import decade_of, decade_span


class DecadeRange(widgets.HBox):
    """Two drop-down lists, "from" and "to" decade; ``value`` is the (first, last) decade.

    Same interface as the range slider it replaces (``value``, ``min``, ``max``, observe
    ``value``): a value set in reverse order or with years is put in order and floored to
    decades, and clipped to the catalogue's span.
    """

    value = traitlets.Tuple(traitlets.Int(), traitlets.Int())
    min = traitlets.Int()
    max = traitlets.Int()

    def __init__(self, lo: int, hi: int, value: tuple[int, int] | None = None,
                 description: str = "Années") -> None:
        options = [(str(d), d) for d in range(lo, hi + 1, 10)]
        self.start = widgets.Dropdown(options=options, value=lo, description=f"{description}, de",
                                      style={"description_width": "initial"})
        self.end = widgets.Dropdown(options=options, value=hi, description="à",
                                    style={"description_width": "initial"})
        for part, css in ((self.start, "cc-decade-from"), (self.end, "cc-decade-to")):
            part.add_class(css)
            part.observe(self._from_parts, names="value")
        super().__init__([self.start, self.end])
        self.add_class("cc-decades")
        self.min, self.max = lo, hi
        self.value = (lo, hi) if value is None else value

    @traitlets.validate("value")
    def _valid(self, proposal: dict) -> tuple[int, int]:
        lo, hi = decade_span(proposal["value"])
        clip = lambda d: min(max(d, self.min), self.max)  # noqa: E731
        return clip(lo), clip(hi)

    @traitlets.observe("value")
    def _to_parts(self, change: dict) -> None:
        self._syncing = True
        try:
            self.start.value, self.end.value = change["new"]
        finally:
            self._syncing = False

    def _from_parts(self, _: object) -> None:
        if not getattr(self, "_syncing", False):
            self.value = (self.start.value, self.end.value)


def decade_slider(movies: pd.DataFrame, selected: tuple[int, int] | None = None,
                  description: str = "Années") -> DecadeRange:
    """A decade range spanning the catalogue's decades; ``selected`` (clipped to the span)
    or all of them selected."""
    years = pd.to_numeric(movies["year"], errors="coerce").dropna()
    lo = decade_of(int(years.min())) if len(years) else 1900
    hi = decade_of(int(years.max())) if len(years) else 2020
    return DecadeRange(lo, hi, selected, description)


def decade_range(picker: DecadeRange) -> tuple[int, int] | None:
    """The picked decades as a filter: None when the whole span is selected."""
    lo, hi = picker.value
    return None if (lo, hi) == (picker.min, picker.max) else (int(lo), int(hi))


def genre_options(movies: pd.DataFrame) -> list[tuple[str, str]]:
    """(French label, IMDb name) of the catalogue's genres, in French alphabetical order."""
    genres = movies["genres"].explode().dropna().unique()
    return sorted(((genre_fr(str(g)), str(g)) for g in genres), key=lambda o: o[0].casefold())


class ChipSelect(widgets.Box):
    """Several choices as check boxes drawn as chips (tap one to toggle it).

    ``value`` is the tuple of chosen values in the options' order; ``options`` the
    (label, value) pairs, as for ``SelectMultiple``.
    """

    value = traitlets.Tuple()

    def __init__(self, options: Sequence[tuple[str, str]]) -> None:
        self.options = tuple(options)
        self.boxes = [widgets.Checkbox(value=False, description=label, indent=False)
                      for label, _ in self.options]
        for box in self.boxes:
            box.add_class("cc-chip")
            box.observe(self._from_boxes, names="value")
        super().__init__(self.boxes)
        self.add_class("cc-chips-select")

    @traitlets.validate("value")
    def _valid(self, proposal: dict) -> tuple:
        wanted = set(proposal["value"])
        return tuple(v for _, v in self.options if v in wanted)

    @traitlets.observe("value")
    def _to_boxes(self, change: dict) -> None:
        chosen = set(change["new"])
        self._syncing = True
        try:
            for box, (_, v) in zip(self.boxes, self.options, strict=True):
                box.value = v in chosen
        finally:
            self._syncing = False

    def _from_boxes(self, _: object) -> None:
        if not getattr(self, "_syncing", False):
            self.value = tuple(v for box, (_, v) in zip(self.boxes, self.options, strict=True)
                               if box.value)


def fill_buttons(buttons: Sequence[widgets.Button], labels: list[tuple[str, str]]) -> None:
    """Show one button per (description, tooltip) and hide the spare ones."""
    for i, button in enumerate(buttons):
        if i < len(labels):
            button.description, button.tooltip = labels[i]
            button.layout.display = "flex"
        else:
            button.description = ""
            button.layout.display = "none"


def _state(model: widgets.Widget) -> str:
    return json.dumps(model.get_state(), sort_keys=True, default=str)


def share_models(root: widgets.Widget, keep: Iterable[widgets.Widget] = ()) -> int:
    """Let the widgets under ``root`` share their layout and style models; returns how many
    models were closed.

    Each widget comes with its own layout and style (about 1 kB of state each, two thirds
    of what a page downloads over its websocket). Layouts still at their defaults become
    one shared layout, except those of ``keep`` (their layout changes later) and those
    already changed (a hidden button); styles with equal settings become one (styles are
    never changed afterwards). On a slow link the page then gets every widget in one message
    in time, instead of asking for each one in turn.
    """
    kept = {id(w) for w in keep}
    default_layout = _state(widgets.Layout())
    shared: dict[tuple[type, str], widgets.Widget] = {}
    closed = 0
    todo, seen = [root], set()
    while todo:
        widget = todo.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        todo.extend(getattr(widget, "children", ()))
        for name in ("layout", "style"):
            model = getattr(widget, name, None)
            if not isinstance(model, widgets.Widget) or (name == "layout" and id(widget) in kept):
                continue
            state = _state(model)
            if name == "layout" and state != default_layout:
                continue
            key = (type(model), state)
            if key not in shared:
                shared[key] = model
            elif shared[key] is not model:
                setattr(widget, name, shared[key])
                model.close()
                closed += 1
    return closed
