"""A small threaded HTTP server on 127.0.0.1 for the download tests, and an HTTPS proxy
that plays Google Drive for gdown.

Serves in-memory files with HTTP Range, ETag/If-Range, Last-Modified and conditional GETs
(If-None-Match, If-Modified-Since: 304), logs every request, and injects faults on demand:
a connection dropped mid-body, error statuses, ignored Range.
"""

from __future__ import annotations

import hashlib
import socketserver
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

#: A dynamic route: query parameters -> (content type, body[, extra headers]).
Route = Callable[[dict[str, str]], tuple]


class _Threaded:
    """A socketserver run by a thread while the ``with`` block lasts."""

    def _run(self, server: socketserver.BaseServer) -> None:
        self._server = server
        server.daemon_threads = True
        self._thread = threading.Thread(target=server.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self):  # noqa: ANN204 (returns the subclass)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving: the port refuses connections from now on (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()


class FileServer(_Threaded):
    """Context manager serving ``files`` (path -> bytes or Route) on a free local port."""

    def __init__(self, files: dict[str, bytes | Route]) -> None:
        self.files = dict(files)
        self.log: list[tuple[str, str | None]] = []  # (path with query, Range header)
        #: (path, status answered, If-None-Match, If-Modified-Since) of every request
        self.answers: list[tuple[str, int, str | None, str | None]] = []
        self.cut_once: dict[str, int] = {}  # path -> body bytes sent before dropping, once
        self.statuses: dict[str, list[int]] = {}  # path -> next statuses (200: serve the file)
        self.ignore_range = False
        self.etags = True  # False: validators are Last-Modified dates only
        #: path -> modification time (epoch seconds) sent as Last-Modified; default: start
        self.modified: dict[str, float] = {}
        self.started = float(int(time.time()) - 3600)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            """Answers from ``owner.files`` (also used inside the Drive proxy's tunnels)."""

            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                owner._serve(self)

        self.handler = Handler
        self._run(ThreadingHTTPServer(("127.0.0.1", 0), Handler))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def requests_for(self, path: str) -> list[str | None]:
        """Range headers of the requests received for ``path`` (None: no Range)."""
        return [rng for p, rng in self.log if urlparse(p).path == path]

    def conditional_requests(self) -> list[tuple[str, int]]:
        """(path, status) of the requests that carried If-None-Match or If-Modified-Since."""
        return [(path, status) for path, status, match, since in self.answers
                if match is not None or since is not None]

    def _reply(self, h: BaseHTTPRequestHandler, status: int, *args: object) -> None:
        """Record the answer (before the client can see it), then send it."""
        self.answers.append((urlparse(h.path).path, status, h.headers.get("If-None-Match"),
                             h.headers.get("If-Modified-Since")))
        _send(h, status, *args)

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlparse(h.path)
        self.log.append((h.path, h.headers.get("Range")))
        pending = self.statuses.get(parts.path)
        status = pending.pop(0) if pending else 200
        if status != 200:
            return self._reply(h, status, "text/plain", b"error")
        entry = self.files.get(parts.path)
        if entry is None:
            return self._reply(h, 404, "text/plain", b"not found")
        extra: dict[str, str] = {}
        if callable(entry):
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            ctype, body, *more = entry(query)
            extra = more[0] if more else {}
        else:
            ctype, body = "application/octet-stream", entry
        etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
        modified = self.modified.get(parts.path, self.started)
        last_modified = formatdate(modified, usegmt=True)
        validators = {"ETag": etag} if self.etags else {}
        validators["Last-Modified"] = last_modified
        if _not_modified(h, etag if self.etags else None, modified):
            return self._reply(h, 304, ctype, b"", validators)
        start, rng = 0, h.headers.get("Range")
        if_range = h.headers.get("If-Range")
        if rng and not self.ignore_range and (if_range is None or if_range in (etag,
                                                                               last_modified)):
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                return self._reply(h, 416, "text/plain", b"",
                                   {"Content-Range": f"bytes */{len(body)}"})
        headers = {**validators, **extra}
        if start:
            headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
        cut = self.cut_once.pop(parts.path, None)
        return self._reply(h, 206 if start else 200, ctype, body[start:], headers, cut)


def _not_modified(h: BaseHTTPRequestHandler, etag: str | None, modified: float) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    match, since = h.headers.get("If-None-Match"), h.headers.get("If-Modified-Since")
    if match is not None:
        return etag is not None and etag in [tag.strip() for tag in match.split(",")]
    if since is not None:
        return int(modified) <= parsedate_to_datetime(since).timestamp()
    return False


def _send(
    h: BaseHTTPRequestHandler, status: int, ctype: str, body: bytes,
    headers: dict[str, str] | None = None, cut: int | None = None,
) -> None:
    """Answer with the full Content-Length; with ``cut``, send that many bytes and hang up."""
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.end_headers()
    h.wfile.write(body if cut is None else body[:cut])
    if cut is not None:
        h.close_connection = True


#: The hosts gdown talks to for a shared file.
DRIVE_HOSTS = ("drive.google.com", "drive.usercontent.google.com")


def make_test_certificates(folder: Path, hosts: tuple[str, ...] = DRIVE_HOSTS) -> tuple[Path, Path,
                                                                                        Path]:
    """A throw-away CA and a server certificate for ``hosts`` signed by it (openssl);
    returns (CA certificate, server certificate, server key)."""
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.pem", "srv.key", "srv.csr",
                                                       "srv.pem"))
    ext = folder / "srv.ext"
    ext.write_text("subjectAltName=" + ",".join(f"DNS:{h}" for h in hosts) +
                   "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run = lambda *args: subprocess.run(["openssl", *args], check=True,  # noqa: E731
                                       capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
        "-days", "2", "-subj", "/CN=Cine Creuse test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj",
        f"/CN={hosts[0]}")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
        "-days", "2", "-extfile", ext)
    return ca, cert, key


class DriveProxy(_Threaded):
    """An HTTP proxy on 127.0.0.1 that plays Google Drive for gdown: a ``CONNECT`` to one of
    :data:`DRIVE_HOSTS` ends in a real TLS server (certificate of a test CA, which the client
    trusts through ``REQUESTS_CA_BUNDLE``) whose requests the ``files`` server answers.
    Clients find it through ``HTTPS_PROXY``; nothing leaves the machine."""

    def __init__(self, files: FileServer, cert: Path, key: Path) -> None:
        self.files, self.tunnels = files, []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        owner = self

        class Tunnel(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                line = self.rfile.readline(65536).decode("latin-1")
                while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
                    pass
                method, target, _ = (line.split() + ["", "", ""])[:3]
                host = target.rsplit(":", 1)[0]
                if method != "CONNECT" or host not in DRIVE_HOSTS:
                    self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                    return
                owner.tunnels.append(host)
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()
                try:
                    secure = context.wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError):
                    return
                owner.files.handler(secure, self.client_address, self.server)

        self._run(socketserver.ThreadingTCPServer(("127.0.0.1", 0), Tunnel))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"
