"""What a Debian server runs (``deploy/``): the systemd units agree with each other and with
the code, the environment file names only variables the code reads, ``python -m helpers
nginx`` refuses values that would break the configuration, and ``serve`` stopped by
SIGTERM (``systemctl stop``) takes its Voilà server and kernels with it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from benchmarks.common import free_port
from helpers import cli, config

DEPLOY = config.PROJECT_ROOT / "deploy"
PROJECT = "/opt/cine-creuse"
ENV_FILE = "/etc/cine-creuse/cine-creuse.env"


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file as {section: {key: [values, in order]}}."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
        else:
            key, _, value = line.partition("=")
            current.setdefault(key, []).append(value)
    return sections


def test_the_services_run_the_same_way_as_an_unprivileged_user() -> None:
    services = sorted(DEPLOY.glob("*.service"))
    assert [p.name for p in services] == ["cine-creuse@.service", "cine-notify.service",
                                          "cine-refresh.service"]
    commands = {}
    for path in services:
        service = unit(path)["Service"]
        for key, value in {"User": "cine", "Group": "cine", "WorkingDirectory": PROJECT,
                           "EnvironmentFile": ENV_FILE, "NoNewPrivileges": "true",
                           "ProtectSystem": "strict", "ProtectHome": "true",
                           "PrivateTmp": "true", "ReadWritePaths": f"{PROJECT}/data",
                           "CapabilityBoundingSet": ""}.items():
            assert service[key] == [value], (path.name, key)
        (command,) = service["ExecStart"]
        python, m, package, name, *options = command.replace("%i", "8866").split()
        assert (python, m, package) == (f"{PROJECT}/.venv/bin/python", "-m", "helpers")
        parser = argparse.ArgumentParser()
        module = importlib.import_module(f"helpers.cli.{cli.COMMANDS[name][0]}")
        getattr(module, f"add_{name}_arguments")(parser)
        parser.parse_args(options)  # the options exist
        commands[path.stem] = [name, *options]
    assert commands == {"cine-creuse@": ["serve", "--port", "8866"], "cine-notify": ["notify"],
                        "cine-refresh": ["build", "--refresh", "--quiet"]}
    serve = unit(DEPLOY / "cine-creuse@.service")
    assert serve["Service"]["Restart"] == ["on-failure"]
    assert serve["Service"]["KillMode"] == ["control-group"]
    assert serve["Install"]["WantedBy"] == ["multi-user.target"]
    for timer in sorted(DEPLOY.glob("*.timer")):
        sections = unit(timer)
        assert (DEPLOY / f"{timer.stem}.service").is_file()
        assert sections["Timer"]["Persistent"] == ["true"]
        assert sections["Install"]["WantedBy"] == ["timers.target"]
    assert unit(DEPLOY / "cine-refresh.timer")["Timer"]["OnCalendar"] == ["*-*-02 04:30:00"]


def test_the_environment_file_names_what_the_code_reads() -> None:
    example = (DEPLOY / "cine-creuse.env.example").read_text()
    named = set(re.findall(r"^#? ?(CINE_[A-Z_]+)=", example, re.MULTILINE))
    code = "\n".join(p.read_text() for p in (config.PROJECT_ROOT / "helpers").rglob("*.py"))
    read = set(re.findall(r"\"(CINE_[A-Z_]+)\"", code))
    assert named <= read, named - read
    assert {"CINE_HOST", "CINE_BASE_URL", "CINE_MAX_VISITORS", "CINE_DATA_DIR",
            "CINE_PUBLIC_URL", "CINE_SMTP_HOST", "CINE_MAIL_FROM"} <= named
    assert "CINE_BASE_URL=/films/" in example.splitlines()


def test_the_nginx_command_writes_the_site_and_refuses_bad_values(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    base = ["nginx", "--cert", "/etc/letsencrypt/live/films.example.fr/fullchain.pem",
            "--key", "/etc/letsencrypt/live/films.example.fr/privkey.pem",
            "--out", str(tmp_path), "--brotli", "off"]
    assert cli.main([*base, "--server-name", "films.example.fr"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [f"wrote {tmp_path / n}" for n in ("cine-creuse.conf", "errors/429.html",
                                                          "errors/503.html")]
    assert out[3] == "brotli: off; routing: none"
    site = (tmp_path / "cine-creuse.conf").read_text()
    assert "listen 443 ssl http2;" in site and "listen [::]:443 ssl http2;" in site
    assert "return 301 https://$host$request_uri;" in site  # port 80 to https
    assert "root /var/www/html;" in site and "location = /films/ {" in site
    assert "brotli" not in site.replace("brotli or gzip", "")
    assert 'lang="fr"' in (tmp_path / "errors" / "429.html").read_text()
    for bad in (["--server-name", "films.example.fr;\n include /etc/passwd"],
                ["--server-name", "ok.fr", "--backend", "10.0.0.2:8866 down"],
                ["--server-name", "ok.fr", "--base-url", "/films/ x"],
                ["--server-name", "ok.fr", "--base-url", "/"],  # two "location /": refused
                ["--server-name", "ok.fr", "--log-dir", "/var/log/{x}"]):
        assert cli.main([*base, *bad]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, err


@pytest.mark.slow
def test_serve_stopped_by_sigterm_takes_its_server_and_kernels_along(
        tiny_data_dir: Path) -> None:
    """Regression: ``serve`` died at once on SIGTERM and left Voilà running, port taken."""
    port = free_port()
    env = {**os.environ, "CINE_DATA_DIR": str(tiny_data_dir), "CINE_PORT": str(port),
           "CINE_BASE_URL": "/films/", "CINE_MAX_VISITORS": "3"}
    proc = subprocess.Popen([sys.executable, "-m", "helpers", "serve"], env=env,
                            cwd=config.PROJECT_ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None and time.monotonic() < deadline
            try:
                if requests.get(f"http://127.0.0.1:{port}/films/healthz",
                                timeout=2).json()["preheated_ready"] == 1:
                    break
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.5)
        family = psutil.Process(proc.pid).children(recursive=True)
        assert len(family) >= 2  # Voilà and its preheated kernel
        proc.send_signal(signal.SIGTERM)  # to serve alone, as systemd's first signal
        assert proc.wait(timeout=60) in (0, -signal.SIGTERM, 128 + signal.SIGTERM)
        gone, alive = psutil.wait_procs(family, timeout=30)
        assert alive == []
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/films/healthz", timeout=2)
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of that session
            os.killpg(proc.pid, signal.SIGKILL)
