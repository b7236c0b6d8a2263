"""``python -m helpers serve``: the customers' dashboard with Voilà on 127.0.0.1.

Sources are stripped, kernels are preheated (a pool of ready kernels that have
already run the notebook, so a visitor's page is usable in a couple of seconds)
and idle kernels are culled (a visitor who left frees their memory).
"""

from __future__ import annotations

import subprocess
import sys

from helpers import config
from helpers.errors import CineError
from helpers.schema import MANIFEST

NOTEBOOK = "dashboard.ipynb"
DEFAULT_PORT = 8866
#: Seconds of inactivity after which a visitor's kernel is shut down, and check period.
CULL_IDLE_TIMEOUT = 120
CULL_INTERVAL = 30
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


def voila_command(port: int = DEFAULT_PORT, preheat: bool = True, pool_size: int = 1,
                  cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
                  cull_interval: int = CULL_INTERVAL) -> list[str]:
    """The Voilà command line (options checked against ``voila --help-all``, voila 0.5)."""
    return [
        sys.executable, "-m", "voila", str(config.PROJECT_ROOT / NOTEBOOK),
        "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
        "--strip_sources=True", f"--preheat_kernel={preheat}",
        f"--pool_size={pool_size if preheat else 0}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT}",
        # Unix sockets between Voilà and its kernels: with TCP, jupyter_client picks a free
        # port, closes it and lets the kernel bind it later; under a crowd another socket
        # can take it meanwhile and the kernel dies ("Address already in use", seen with
        # 10 visitors arriving at once).
        "--KernelManager.transport=ipc",
        # The page: <html lang="fr"> (its title is the notebook's metadata title), and
        # only the extensions it uses.
        "--HTMLExporter.language_code=fr",
        f"--VoilaConfiguration.extension_allowlist={list(LAB_EXTENSIONS)}",
    ]


def serve(port: int = DEFAULT_PORT, preheat: bool = True, pool_size: int = 1,
          cache_posters: bool = False) -> int:
    """Check the data, draw the default indicators page, then run Voilà until stopped."""
    from helpers.app import indicators

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
    command = voila_command(port, preheat, pool_size)
    print(f"Ciné Creuse dashboard: http://127.0.0.1:{port}/  (Ctrl-C to stop)", flush=True)
    return subprocess.call(command, cwd=config.PROJECT_ROOT)
