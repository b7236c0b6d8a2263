"""``python -m helpers serve``: the customers' dashboard, served by Voilà.

Runs :mod:`helpers.app.server` (Voilà with gzip, admission control, ``healthz`` and a
privacy-minded access log). Sources are stripped, kernels are preheated (a pool of ready
kernels that have already run the notebook, so a visitor's page is usable in a couple of
seconds), at most ``--max-visitors`` kernels live at once (pool included; past it a French
"service busy" page with HTTP 503), and kernels are culled by what their visitor does: a
page that never connected after 30 s, a visitor who left after 2 minutes, a connected but
idle visitor after 20 minutes (the page then says so in French).

Every option has an environment variable (``CINE_HOST``, ``CINE_PORT``, ``CINE_BASE_URL``,
``CINE_MAX_VISITORS``); the command line wins.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence

from helpers import config
from helpers.errors import CineError
from helpers.schema import MANIFEST

NOTEBOOK = "dashboard.ipynb"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866
DEFAULT_BASE_URL = "/"
#: Seconds before a kernel whose visitor left (websocket closed) is shut down.
CULL_IDLE_TIMEOUT = 120
#: Seconds before a kernel whose page never opened its websocket is shut down.
UNCONNECTED_TIMEOUT = 30
#: Seconds of inactivity before a connected visitor's kernel is released (20 minutes).
CONNECTED_IDLE_TIMEOUT = 20 * 60
#: How often kernels are checked for culling (seconds).
CULL_INTERVAL = 10
#: Extra Tornado handlers mounted under the base URL, as ``"module:function"`` (the function
#: returns ``[(pattern relative to the base URL, handler class, kwargs)]``, see
#: :class:`helpers.app.server.CineVoila`), e.g. the e-mail confirmation links.
EXTRA_HANDLERS: list[str] = ["helpers.app.links:mounted_link_handlers"]
#: The only front-end extensions the page uses: the widgets and Voilà's widget manager
#: (any other JupyterLab extension installed, such as jupyterlab_pygments, is not sent).
LAB_EXTENSIONS = ("@jupyter-widgets/jupyterlab-manager", "@voila-dashboards/widgets-manager8")
#: Seconds Voilà waits for a cell's output once executed (default 4): when many visitors
#: arrive at once the CPU is shared and the app's display message can come later; with
#: the default Voilà then serves a page without the app.
IOPUB_TIMEOUT = 60


def check_ready() -> None:
    """Fail with the command to run when the processed tables or the fitted model are missing."""
    manifest = config.processed_dir() / MANIFEST
    model = config.model_path() / "meta.json"
    for path, what in ((manifest, "processed tables"), (model, "fitted model")):
        if not path.is_file():
            raise CineError(
                f"{what} not found ({path}): run `python -m helpers build` (real data), or "
                "`python -m helpers demo` then `serve --demo` (offline synthetic data)")


def normalise_base_url(base_url: str) -> str:
    """``"films"`` / ``"/films"`` -> ``"/films/"``; refuses what is not a plain URL path."""
    path = "/" + base_url.strip().strip("/")
    if any(c in path for c in "?#\\ ") or "//" in path or ".." in path:
        raise CineError(f"invalid base URL {base_url!r}: give a path such as /films/")
    return path.rstrip("/") + "/"


def voila_command(port: int = DEFAULT_PORT, preheat: bool = True, pool_size: int = 1,
                  cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
                  cull_interval: int = CULL_INTERVAL, host: str = DEFAULT_HOST,
                  base_url: str = DEFAULT_BASE_URL, max_visitors: int = 0,
                  unconnected_timeout: int = UNCONNECTED_TIMEOUT,
                  idle_timeout: int = CONNECTED_IDLE_TIMEOUT,
                  extra: Sequence[str] = ()) -> list[str]:
    """The command line of :mod:`helpers.app.server` (Voilà's options, checked against its
    ``--help-all``; voila 0.5). ``max_visitors`` 0 means no cap; ``extra``: more options."""
    return [
        sys.executable, "-m", "helpers.app.server", str(config.PROJECT_ROOT / NOTEBOOK),
        "--no-browser", f"--port={port}", f"--Voila.ip={host}",
        f"--Voila.base_url={normalise_base_url(base_url)}",
        "--strip_sources=True", f"--preheat_kernel={preheat}",
        f"--pool_size={pool_size if preheat else 0}",
        f"--CineKernelManager.max_kernels={max_visitors}",
        f"--CineKernelManager.unconnected_timeout={unconnected_timeout}",
        f"--CineKernelManager.disconnected_timeout={cull_idle_timeout}",
        f"--MappingKernelManager.cull_idle_timeout={idle_timeout}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT}",
        # Unix sockets between Voilà and its kernels: with TCP, jupyter_client picks a free
        # port, closes it and lets the kernel bind it later; under a crowd another socket
        # can take it meanwhile and the kernel dies ("Address already in use", seen with
        # 10 visitors arriving at once).
        "--KernelManager.transport=ipc",
        *(f"--CineVoila.extra_handlers={path}" for path in EXTRA_HANDLERS),
        f"--VoilaConfiguration.extension_allowlist={list(LAB_EXTENSIONS)}",
        # The extensions' files carry a hash of their content in their names: a repeat
        # visit takes them from the browser's cache instead of asking again for each one
        # (Voilà sends them "no-cache"; this setting is read at each request).
        "--Voila.tornado_settings={'static_immutable_cache': "
        f"['{normalise_base_url(base_url)}voila/labextensions/']}}",
        *extra,
    ]


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise CineError(f"{name}={value!r} is not a whole number") from None


def serve(host: str | None = None, port: int | None = None, base_url: str | None = None,
          max_visitors: int | None = None, preheat: bool = True, pool_size: int = 1,
          cache_posters: bool = False) -> int:
    """Check the data, draw the default indicators page, then run the server until stopped.

    Options left to None come from ``CINE_HOST``, ``CINE_PORT``, ``CINE_BASE_URL`` and
    ``CINE_MAX_VISITORS``, else the defaults; the default capacity is computed from the
    memory available (:mod:`helpers.app.capacity`) and printed.
    """
    from helpers.app import capacity, indicators

    host = host or os.environ.get("CINE_HOST") or DEFAULT_HOST
    port = port if port is not None else _env_int("CINE_PORT", DEFAULT_PORT)
    base_url = normalise_base_url(base_url or os.environ.get("CINE_BASE_URL") or
                                  DEFAULT_BASE_URL)
    max_visitors = (max_visitors if max_visitors is not None
                    else _env_int("CINE_MAX_VISITORS", 0))
    pool = pool_size if preheat else 0
    if max_visitors <= 0:
        max_visitors, why = capacity.default_max_visitors()
        print(f"max visitors: {max_visitors} ({why}; set --max-visitors to change)",
              flush=True)
    else:
        print(f"max visitors: {max_visitors}", flush=True)
    if max_visitors <= pool:
        raise CineError(f"--max-visitors ({max_visitors}) must exceed --pool-size ({pool}): "
                        "the preheated kernels count in it")

    check_ready()
    if cache_posters:
        from helpers.app.posters import cache_posters as fetch_posters
        from helpers.data.catalog import load_movies

        try:
            cached = fetch_posters(load_movies())
            print(f"{len(cached):,} posters cached in {config.posters_dir()}")
        except CineError as exc:
            print(f"warning: {exc}", file=sys.stderr)
    try:
        if indicators.ensure_default_page(config.processed_dir()):
            print("default indicators page drawn", flush=True)
    except CineError as exc:  # the tab will say so in French; recommendations still work
        print(f"warning: {exc}", file=sys.stderr)
    command = voila_command(port, preheat, pool_size, host=host,
                            base_url=base_url, max_visitors=max_visitors)
    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    print(f"Ciné Creuse dashboard: http://{shown}:{port}{base_url}  (health: {base_url}healthz;"
          " Ctrl-C to stop)", flush=True)
    return run_until_stopped(command)


def run_until_stopped(command: Sequence[str]) -> int:
    """Run the server until it ends; a SIGTERM (``systemctl stop``, ``kill``) or Ctrl-C is
    passed on to it, so that it shuts its kernels down and ends instead of staying behind,
    orphaned, with the port taken."""
    proc = subprocess.Popen(list(command), cwd=config.PROJECT_ROOT)
    previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
