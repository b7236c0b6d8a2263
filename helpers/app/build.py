"""The service's data jobs: build from the real sources, or the offline synthetic demo.

``build`` is the main job's data part (download, ingest, fit) and makes a new data release
(:mod:`helpers.data.releases`) put in service while the dashboard serves; with
``refresh`` it first asks the sources what changed and builds nothing when nothing did.
``build_demo`` writes synthetic raw files and builds from them, and the processed manifest
records that the data is synthetic so the dashboard and the report say so;
``ensure_data`` gives the notebooks (and Colab) processed tables either way.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from helpers import config
from helpers.errors import CineError


@dataclass
class BuildResult:
    """What :func:`build` did: the release put in service (None: nothing changed, the one
    in service was kept), the raw files that changed, and the old releases pruned or kept
    because a running process still uses them."""

    release: Path | None
    serving: Path | None
    changed: list[str] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    in_use: list[Path] = field(default_factory=list)


def build(refresh: bool = False, force: bool = False, progress: bool = True) -> BuildResult:
    """Everything the dashboard needs, from the configured real sources, as a new release.

    ``refresh``: cached raw files are checked with the sources (conditional GET: only what
    changed is downloaded) and nothing is rebuilt when the release in service was built
    from the same files. ``force``: download everything again. A failure at any step
    leaves the release in service as it was.
    """
    from helpers.data import releases
    from helpers.data.download import download_all, fingerprint

    data = config.data_dir()
    with releases.lock(data):
        paths = download_all(config.raw_dir(), progress=progress, refresh=refresh,
                             force=force)
        inputs = {name: fingerprint(path) for name, path in sorted(paths.items())}
        serving = releases.current(data)
        before = (releases.read_inputs(serving) if serving else None) or {}
        changed = [name for name in inputs if before.get(name) != inputs[name]]
        release = None
        if not (refresh and serving is not None and not changed):
            release = releases.build_release(data, lambda stage: _fill(stage, inputs))
            releases.switch(data, release)
        removed, in_use = releases.prune(data)
    return BuildResult(release, releases.current(data), changed, removed, in_use)


def _fill(release: Path, inputs: dict) -> None:
    """Tables, model and default KPI page of a new release, from the raw files."""
    from helpers.app import indicators
    from helpers.data import releases

    processed = tables_and_model(config.raw_dir(), release)
    try:  # the first visitor of the KPI tab then waits for nothing
        indicators.ensure_default_page(processed)
    except CineError as exc:  # the tab says so in French; recommendations still work
        print(f"warning: {exc}", file=sys.stderr)
    releases.write_inputs(release, inputs)


def build_demo(data_dir: Path | None = None, scale: str = "small", seed: int = 0) -> Path:
    """Write synthetic raw data, ingest it and fit the recommender under ``data_dir``
    (default: the demo's own folder, :func:`helpers.config.demo_dir`)."""
    from helpers.data.synthetic import generate

    data = Path(data_dir) if data_dir is not None else config.demo_dir()
    generate(data / "raw", scale=scale, seed=seed)
    tables_and_model(data / "raw", data)
    return data


def tables_and_model(raw: Path, folder: Path) -> Path:
    """Ingest ``raw`` into ``folder/processed`` and fit the recommender into
    ``folder/models`` (a release, or a data folder); returns the processed folder."""
    from helpers.data.ingest import ingest
    from helpers.reco.model import fit_and_save

    processed = folder / "processed"
    ingest(raw, processed)
    fit_and_save(processed, config.model_path(folder))
    return processed


def ensure_data() -> Path:
    """Processed tables for the notebooks (and Colab); return their folder.

    Tables already built are used as they are; raw files already in the data folder are
    ingested; otherwise the real files are downloaded and built. Only when the sources
    cannot be reached at all does it build the synthetic demo, in its own folder, and
    point this process at it, saying so loudly. Any other error is raised: a failed
    ingest never replaces real files by synthetic ones.
    """
    from helpers.data.catalog import clear_cache
    from helpers.data.ingest import find_raw_file, ingest
    from helpers.errors import SourceUnreachable
    from helpers.schema import MANIFEST

    processed = config.processed_dir()
    if (processed / MANIFEST).is_file():
        return processed
    if find_raw_file(config.raw_dir(), "title.basics") is not None:
        ingest(config.raw_dir(), processed, require_all=False)
        return processed
    try:
        build()
    except SourceUnreachable as exc:
        print(f"Données réelles inaccessibles ({exc}).\n"
              "=> Jeu de démonstration SYNTHÉTIQUE utilisé (pas de vraies données IMDb/TMDB), "
              f"dans {config.demo_dir()}.")
        demo = build_demo()
        os.environ["CINE_DATA_DIR"] = str(demo)
        clear_cache()
    return config.processed_dir()
