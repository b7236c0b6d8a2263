"""Debian's nginx in front of dashboard servers, with the project's site, on loopback ports.

:func:`proxy` renders ``deploy/nginx/`` (``python -m helpers nginx``'s code) into a
temporary prefix with a self-signed certificate for :data:`HOST` (and 127.0.0.1), wraps
it in a minimal main configuration like Debian's ``/etc/nginx/nginx.conf`` (the brotli
module loaded when installed) and runs ``nginx -c CONF -p PREFIX -g 'daemon off;'``
until the block ends. Used by the nginx tests and by the proxy / page benchmarks; a
browser reaches it as ``https://cine.test:<port>/films/`` with :func:`chromium_args`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import free_port, self_signed_cert
from benchmarks.dashboard import CHROMIUM_ARGS
from helpers.app.nginx import BROTLI_MODULE, site, write_site

#: nginx binary (Debian puts it in /usr/sbin, not always on a user's PATH).
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
#: The site's name in tests and benchmarks; Chromium resolves it to 127.0.0.1.
HOST = "cine.test"
MIME_TYPES = Path("/etc/nginx/mime.types")


def available() -> bool:
    """Debian's nginx (with its mime.types) is installed."""
    return Path(NGINX).is_file() and MIME_TYPES.is_file()


def chromium_args(trusted: Proxy | None = None) -> list[str]:
    """:data:`benchmarks.dashboard.CHROMIUM_ARGS` with :data:`HOST` resolved to 127.0.0.1;
    with ``trusted``, that proxy's certificate is accepted as valid (a page with a
    certificate error, even ignored, is never cached by Chromium: repeat visits need it)."""
    args = [f"--host-resolver-rules=MAP {HOST} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
            if arg.startswith("--host-resolver-rules=") else arg for arg in CHROMIUM_ARGS]
    if trusted is not None:
        args.append(f"--ignore-certificate-errors-spki-list={trusted.spki()}")
    return args


@dataclass
class Proxy:
    """A running nginx: ``url`` for browsers (``https://cine.test:<port>/films/``),
    ``local_url`` for Python clients (127.0.0.1, same certificate)."""

    proc: subprocess.Popen
    port: int
    base_url: str
    prefix: Path
    certificate: Path

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}{self.base_url}"

    @property
    def local_url(self) -> str:
        return f"https://127.0.0.1:{self.port}{self.base_url}"

    @property
    def access_log(self) -> Path:
        return self.prefix / "logs" / "cine-creuse.access.log"

    @property
    def error_log(self) -> Path:
        return self.prefix / "logs" / "cine-creuse.error.log"

    def spki(self) -> str:
        """Base64 SHA-256 of the certificate's public key (Chromium's SPKI pin)."""
        public = subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in",
                                 str(self.certificate)], check=True, capture_output=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=public,
                             check=True, capture_output=True).stdout
        return base64.b64encode(hashlib.sha256(der).digest()).decode()



def main_conf(prefix: Path, site_conf: Path, brotli: bool) -> str:
    """The main configuration around the site, as Debian's nginx.conf (one worker here)."""
    user = ""
    if os.geteuid() == 0:  # workers drop to an unprivileged user, as on Debian
        user = "user www-data;" if _has_user("www-data") else "user nobody nogroup;"
    load = f"load_module {BROTLI_MODULE};" if brotli else ""
    temp = "\n".join(f"    {kind}_temp_path {prefix / 'temp' / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}
{load}
worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'logs' / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    sendfile on;
    access_log off;
{temp}
    include {site_conf};
}}
"""


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def configure(prefix: Path, backends: Sequence[str], base_url: str = "/films/",
              port: int | None = None, **options: object) -> tuple[Path, int, Path]:
    """Write certificate, site and main configuration under ``prefix``; returns (main
    configuration, https port, certificate). ``options``: more :class:`NginxSite` fields."""
    prefix.mkdir(parents=True, exist_ok=True)
    for folder in ("logs", "temp", "conf"):
        (prefix / folder).mkdir(exist_ok=True)
    os.chmod(prefix, 0o755)  # workers (www-data) read the error pages
    cert, key = self_signed_cert(prefix / "conf", (HOST, "127.0.0.1"))
    port = port or free_port()
    options = {"http_listen": [], "acme_root": None, **options}
    nginx_site = site([HOST], str(cert), str(key), base_url, backends=list(backends),
                      https_listen=[f"127.0.0.1:{port}"], log_dir=prefix / "logs", **options)
    site_conf = write_site(nginx_site, prefix / "conf" / "site")[0]
    conf = prefix / "conf" / "nginx.conf"
    conf.write_text(main_conf(prefix, site_conf, nginx_site.uses_brotli))
    return conf, port, cert


def check(conf: Path, prefix: Path) -> None:
    """``nginx -t``: raise with nginx's own words when the configuration is refused."""
    done = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(prefix)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"nginx -t refused {conf}:\n{done.stderr}")


@contextmanager
def proxy(backends: Sequence[str], base_url: str = "/films/",
          **options: object) -> Iterator[Proxy]:
    """nginx with the project's site in front of ``backends`` (``host:port``) while the
    block lasts (see the module docstring)."""
    prefix = Path(tempfile.mkdtemp(prefix="cine-nginx-"))
    conf, port, cert = configure(prefix, backends, base_url, **options)
    check(conf, prefix)
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(prefix), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("nginx did not listen within 20 s") from None
                time.sleep(0.1)
        yield Proxy(proc, port, base_url, prefix, cert)
    finally:
        proc.terminate()  # SIGTERM: fast shutdown of the master and its worker
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(prefix, ignore_errors=True)
