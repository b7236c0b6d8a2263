"""A page waits long enough for its widgets' state (ipywidgets' control comm timeout).

When a page starts, ipywidgets 8's widget manager (``ManagerBase._loadFromKernel``, shipped
in the front-end extension ``@jupyter-widgets/jupyterlab-manager``) asks the kernel for the
state of every widget on the ``jupyter.widget.control`` comm and waits **4 s** for the answer
(``CONTROL_COMM_TIMEOUT``). Past that it falls back to ipywidgets 7's protocol, one comm per
widget, slower, while the late answer still arrives (jupyter-widgets/ipywidgets#3633, open;
upstream reports pages broken by that race, #3580). The kernel answers in a few milliseconds;
the 4 s are lost on a loaded server (up to 8.5 s under the 40-visitor crowd benchmark) or on
a slow link (the answer is about 110 kB).

At start the server reads the extension's file that holds the wait, writes :data:`WAIT_S` in
place of the 4 s and serves the result at the file's own URL, with the cache headers of the
other extension files (a handler placed before Voilà's). A file not shaped as expected
(another build of the extension) is served unchanged, with a warning at start.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: The extension whose widget manager the page runs (ipywidgets 8).
EXTENSION = "@jupyter-widgets/jupyterlab-manager"
#: How long a page waits for its widgets' state, in seconds (ipywidgets: 4).
WAIT_S = 60
#: The minified timer of ``_loadFromKernel``: its callback's rejection, then the delay.
_TIMER = re.compile(rb'(setTimeout\(\(\)=>\w+\("Control comm did not respond in time"\),)'
                    rb'(4e3)\)')


@dataclass(frozen=True)
class PatchedFile:
    """An extension file as served: its path under ``voila/labextensions/`` and new bytes."""

    path: str
    body: bytes


def patch(source: bytes, wait_s: int = WAIT_S) -> bytes | None:
    """``source`` with the control comm's 4 s wait made ``wait_s``; None unless the timer
    occurs exactly once."""
    if len(_TIMER.findall(source)) != 1:
        return None
    return _TIMER.sub(lambda m: m[1] + str(int(wait_s * 1000)).encode() + b")", source)


def find(labextension_paths: Sequence[Path | str], wait_s: int = WAIT_S) -> PatchedFile | None:
    """The extension's file holding the wait, patched: the first extension folder Voilà
    serves (the first of ``labextension_paths`` holding it) and its one file with the timer;
    None when there is not exactly one."""
    folder = next((Path(root) / EXTENSION for root in labextension_paths
                   if (Path(root) / EXTENSION / "package.json").is_file()), None)
    if folder is None:
        return None
    found = [(path, patched) for path in sorted((folder / "static").glob("*.js"))
             if b"Control comm did not respond in time" in (source := path.read_bytes())
             and (patched := patch(source, wait_s)) is not None]
    if len(found) != 1:
        return None
    path, patched = found[0]
    return PatchedFile(f"{EXTENSION}/static/{path.name}", patched)
