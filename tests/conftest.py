"""Shared fixtures. With CI=true a missing prerequisite fails instead of skipping."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import config

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip locally when a prerequisite is missing; fail in CI (no hidden skips)."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"missing prerequisite in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The real public samples in ../shared/data/real, read in place."""
    path = config.real_data_dir()
    require(path.is_dir(), f"real samples not found at {path}")
    return path


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with tiny synthetic raw files, processed tables and a fitted model."""
    from helpers.app.build import build_demo

    data = tmp_path_factory.mktemp("tiny_data")
    build_demo(data, scale="tiny", seed=0)
    return data


@pytest.fixture()
def tiny_env(tiny_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point CINE_DATA_DIR at the tiny synthetic data for the duration of a test."""
    monkeypatch.setenv("CINE_DATA_DIR", str(tiny_data_dir))
    return tiny_data_dir


@pytest.fixture()
def mail_env(tiny_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder (own subscriptions database and outbox) sharing the tiny model;
    mail settings reset, links on https://cine.example.fr/cine/."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("models", "processed"):
        (data / name).symlink_to(tiny_data_dir / name)
    monkeypatch.setenv("CINE_DATA_DIR", str(data))
    for var in [v for v in os.environ if v.startswith(("CINE_SMTP_", "CINE_MAIL_", "CINE_CINEMA"))]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("CINE_PUBLIC_URL", "https://cine.example.fr/cine/")
    monkeypatch.setenv("CINE_MAIL_FROM", "films@cine.example.fr")
    return data
