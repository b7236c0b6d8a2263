"""``python -m helpers.app.server``: Voilà with what going online needs.

:class:`CineVoila` is Voilà's application with, set before its Tornado application is
built (``--Voila.tornado_settings`` comes too late for most of these):

- gzip compression of text responses (page, scripts, styles, JSON);
- an access log without personal data (method, path without query string, status, time;
  no IP address), and IP addresses and query strings removed from the server's other log
  lines;
- admission control (:mod:`helpers.app.admission`): past the cap, the page handler answers
  with the French 503 page of :mod:`helpers.app.pages` without starting a kernel;
- ``<base-url>healthz``: JSON for monitoring, starts no kernel;
- the ``cine`` page template (Voilà's ``lab`` one, ``lang="fr"``, plus a small script that
  tells a visitor in French when their session has ended);
- Voilà's webpack chunks that the page needs in one script named after its content, cached
  for good (:mod:`helpers.app.chunks`; ``--CineVoila.chunk_bundle=[]`` turns it off);
- a page waits 60 s, not 4, for its widgets' state (:mod:`helpers.app.widget_wait`;
  ``--CineVoila.widget_state_wait``);
- a hook for extra Tornado handlers under the base URL (``--CineVoila.extra_handlers``);
- websocket messages bounded in size.

``python -m helpers serve`` launches it; every Voilà option still works.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import tornado.web
from jupyter_server.utils import url_path_join
from traitlets import Dict, Float, Integer, List, Unicode
from voila import __version__ as voila_version
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from helpers.app import chunks, pages, widget_wait
from helpers.app.admission import CineKernelManager

#: Folder holding ``voila/templates/cine`` and the kernel spec ``kernels/python3`` (see
#: :mod:`helpers.app.kernel_launch`), added to ``JUPYTER_PATH``.
TEMPLATES_ROOT = Path(__file__).resolve().parent / "share"
TEMPLATE = "cine"
#: Largest websocket message accepted from a browser (Tornado's default is 10 MiB); the
#: dashboard's largest legitimate message is a few kB.
WEBSOCKET_MAX_MESSAGE = 2 * 2**20
#: Messages a browser may send per second on a kernel websocket, and the burst allowed:
#: only a script's flood reaches it (a page sends under 25 messages to load and a few per
#: keystroke or click; a limit of 20/s, burst 100, was reached by real pages under a
#: 40-visitor crowd, so these are generous). The surplus is dropped.
WEBSOCKET_RATE = (200.0, 2000)
#: Bytes per second and burst on the same websocket.
WEBSOCKET_BYTES = (4.0 * 2**20, 16 * 2**20)
#: permessage-deflate on kernel websockets (RFC 7692; every browser offers it): the widget
#: state a page asks for when it opens (about 90 kB of JSON) crosses a slow link in a fraction
#: of the bytes. Per connection about 180 kB of zlib state (32 kB window, memory level 5);
#: what a browser sends is decompressed only up to the 2 MiB message limit (Tornado checks).
WEBSOCKET_COMPRESSION = {"compression_level": 6, "mem_level": 5}
#: Cookie naming a visitor's page (random, no personal data) so that the assets its browser
#: loads keep its kernel from being taken for a bot's (see PageActivity).
PAGE_COOKIE = "cc_page"
#: Page query arguments dropped before Voilà reads them (its template and theme overrides,
#: also disabled in the configuration).
IGNORED_ARGUMENTS = ("template", "theme")
_KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')
#: A handler mounted under the base URL: (pattern relative to it, class, initialize kwargs).
HandlerSpec = tuple[str, type[tornado.web.RequestHandler], dict]


# ---------------------------------------------------------------------------- logs
def access_log(logger: logging.Logger, handler: tornado.web.RequestHandler) -> None:
    """One line per request without personal data: status, method, path, duration.

    No IP address, no query string (where a visitor's text could appear), no header.
    Static assets are logged at debug level (about 95 per page).
    """
    status = handler.get_status()
    request = handler.request
    if status >= 500:
        level = logging.ERROR
    elif status >= 400:
        level = logging.WARNING
    elif "/static/" in request.path or "/labextensions/" in request.path:
        level = logging.DEBUG
    else:
        level = logging.INFO
    logger.log(level, "%d %s %s %.0f ms", status, request.method, request.path,
               1000.0 * request.request_time())


#: IPv4 anywhere; IPv6 in brackets or parentheses, as Tornado and URLs write them.
_IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"
                 r"|(?<=[(\[])[0-9a-fA-F]*(?::[0-9a-fA-F]*){2,7}(?=[)\]])")
_QUERY = re.compile(r"(/[^\s?'\"]*)\?[^\s'\")]*")
_REQUEST_REPR = re.compile(r"HTTPServerRequest\(.*", re.DOTALL)


class PrivacyFilter(logging.Filter):
    """Removes IP addresses, query strings and request dumps from log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = _IP.sub("[ip]", _QUERY.sub(r"\1?[query]", _REQUEST_REPR.sub("[request]",
                                                                            message)))
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def install_privacy_filter(*loggers: logging.Logger) -> None:
    """Add :class:`PrivacyFilter` to these loggers and to Tornado's."""
    names = ("tornado.access", "tornado.application", "tornado.general")
    for logger in (*loggers, *(logging.getLogger(name) for name in names)):
        if not any(isinstance(f, PrivacyFilter) for f in logger.filters):
            logger.addFilter(PrivacyFilter())


# ------------------------------------------------------------------------ handlers
class TokenBucket:
    """``rate`` units per second, at most ``burst`` saved: the classic rate limiter."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self, amount: float = 1.0) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < amount:
            return False
        self.tokens -= amount
        return True



class HealthHandler(tornado.web.RequestHandler):
    """``GET <base-url>healthz``: up, kernels, capacity, as JSON; starts no kernel."""

    def get(self) -> None:
        manager = self.settings["kernel_manager"]
        status = manager.status() if isinstance(manager, CineKernelManager) else {}
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"status": "ok", **status}))


class PageActivity(tornado.web.OutputTransform):
    """A request carrying a page cookie: that page's browser is still loading (not a bot)."""

    def __init__(self, manager: CineKernelManager, request: object) -> None:
        super().__init__(request)
        page = request.cookies.get(PAGE_COOKIE)
        if page is not None:
            manager.page_loading(page.value)


class AdmissionVoilaHandler(TornadoVoilaHandler):
    """Voilà's page handler behind admission control (French 503 page past the cap)."""

    _reservation = None
    _kernel_id: str | None = None
    _page: str | None = None

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        if self.notebook_path and path:  # a file next to the notebook: no kernel involved
            self.redirect_to_file(path)
            return
        # ?template= / ?theme= would make Voilà render with a kernel of its own instead of
        # the preheated one: a script could then make every page load a cold start
        for name in IGNORED_ARGUMENTS:
            self.request.arguments.pop(name, None)
            self.request.query_arguments.pop(name, None)
        manager = self.kernel_manager
        if isinstance(manager, CineKernelManager):
            # no await between admission and Voilà taking the preheated kernel
            self._reservation = manager.admit()
            if self._reservation is None:
                self.busy()
                return
            self._page = secrets.token_urlsafe(16)
            self.set_cookie(PAGE_COOKIE, self._page, path=self.settings["server_url"],
                            httponly=True, samesite="Strict")
        async for html in self.get_generator(path=path):
            if self._kernel_id is None and (match := _KERNEL_ID.search(html)):
                self._kernel_id = match[1]
            self.write(html)
            self.flush()

    def busy(self) -> None:
        retry = self.settings.get("cine_retry_after", pages.RETRY_AFTER_S)
        self.set_status(503)
        self.set_header("Retry-After", str(retry))
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(pages.busy_page(retry))

    def on_finish(self) -> None:
        if self._reservation is not None:
            self._reservation.release()
        if self._kernel_id is not None and isinstance(self.kernel_manager, CineKernelManager):
            self.kernel_manager.page_served(self._kernel_id, self._page)
        super().on_finish()


class CineKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """Voilà's kernel websocket, known to the kernel manager (to close it with a reason)."""

    async def open(self, kernel_id: str) -> None:  # type: ignore[override]
        rate = self.settings.get("cine_websocket_rate", WEBSOCKET_RATE)

        def limiters() -> tuple[TokenBucket, TokenBucket]:
            return TokenBucket(*rate), TokenBucket(*WEBSOCKET_BYTES)

        manager = self.kernel_manager
        self._messages, self._bytes = (manager.rate_limits(kernel_id, limiters)
                                       if isinstance(manager, CineKernelManager) else limiters())
        self._dropped = self._received = 0
        self._opened = time.monotonic()
        if isinstance(self.kernel_manager, CineKernelManager):
            self.kernel_manager.track_socket(kernel_id, self)
        await super().open(kernel_id)

    def on_message(self, message: str | bytes) -> None:
        """Forward a browser message to the kernel; a malformed one is dropped with a
        one-line warning (Tornado would log a traceback and drop the connection); past the
        rate limits (:data:`WEBSOCKET_RATE`, :data:`WEBSOCKET_BYTES`) messages are dropped."""
        self._received += 1
        if not (self._messages.take() and self._bytes.take(len(message))):
            self._dropped += 1
            if self._dropped in {1, 100, 10_000}:
                self.log.warning("Rate limit: %d of %d message(s) dropped for kernel %s, "
                                 "%.0f s after it connected", self._dropped, self._received,
                                 self.kernel_id, time.monotonic() - self._opened)
            return
        try:
            super().on_message(message)
        except Exception as exc:  # noqa: BLE001 - untrusted input, never fatal
            self.log.warning("Dropped a malformed websocket message for kernel %s (%s)",
                             self.kernel_id, type(exc).__name__)

    def on_close(self) -> None:
        if isinstance(self.kernel_manager, CineKernelManager):
            self.kernel_manager.untrack_socket(self.kernel_id, self)
        if getattr(self, "connection", None) is not None:
            super().on_close()


def load_handlers(path: str) -> list[HandlerSpec]:
    """The handlers returned by ``module:function`` (see ``CineVoila.extra_handlers``)."""
    module, _, name = path.partition(":")
    factory: Callable[[], list[HandlerSpec]] = getattr(importlib.import_module(module),
                                                       name or "handlers")
    return list(factory())


# ----------------------------------------------------------------------------- app
class CineVoila(Voila):
    """Voilà for the cinema's customers (see the module docstring)."""

    name = "cine-voila"
    classes = [*Voila.classes, CineKernelManager]

    extra_handlers = List(Unicode(), config=True,
                          help="'module:function' paths; each function returns a list of "
                               "(pattern, handler class, kwargs) mounted under the base URL "
                               "(patterns relative to it, e.g. r'mail/confirm/([^/]+)').")
    retry_after = Integer(pages.RETRY_AFTER_S, config=True,
                          help="Retry-After seconds of the 'service busy' page.")
    websocket_rate = Float(WEBSOCKET_RATE[0], config=True,
                           help="Messages per second a browser may send on a kernel websocket.")
    websocket_burst = Integer(WEBSOCKET_RATE[1], config=True,
                              help="Messages a browser may send at once on a kernel websocket.")
    chunk_bundle = List(Integer(), list(chunks.PAGE_CHUNKS), config=True,
                        help="Ids of Voilà's webpack chunks served as one content-hashed "
                             "script loaded before voila.js ([] for none).")
    extension_preloads = Dict(per_key_traits=None, default_value=chunks.EXTENSION_CHUNKS,
                              config=True,
                              help="Front-end extensions' chunk ids the page preloads, by "
                                   "extension ({} for none).")
    widget_state_wait = Integer(widget_wait.WAIT_S, config=True,
                                help="Seconds a page waits for its widgets' state from the "
                                     "kernel (ipywidgets: 4; 0 leaves its file as it is).")
    bundle: chunks.ChunkBundle | None = None
    widget_file: widget_wait.PatchedFile | None = None

    def initialize(self, argv: list[str] | None = None) -> None:
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            [str(TEMPLATES_ROOT), *filter(None, [os.environ.get("JUPYTER_PATH")])])
        # Defaults; the command line still overrides them.
        self.config.VoilaConfiguration.template = TEMPLATE
        self.config.VoilaConfiguration.multi_kernel_manager_class = CineKernelManager
        self.config.HTMLExporter.language_code = "fr"
        self.config.VoilaConfiguration.allow_template_override = "NO"
        self.config.VoilaConfiguration.allow_theme_override = "NO"
        super().initialize(argv)
        install_privacy_filter(self.log)
        self.init_chunk_bundle()
        self.init_widget_wait()

    def add_resources(self, **resources: object) -> None:
        """Values for the page template (``resources.<name>``)."""
        config = self.voila_configuration
        config.resources = {**(config.resources or {}), **resources}
        # the page renderer reads the extra resources from the configuration object
        config.config.VoilaConfiguration.resources = config.resources

    def init_chunk_bundle(self) -> None:
        """Build the chunk bundle and tell the template its name and the extension files to
        preload; a failure only costs requests: the page then fetches each chunk itself."""
        preloads = chunks.extension_preloads(self.labextensions_path, self.extension_preloads)
        if preloads:
            self.add_resources(cine_preloads=preloads)
        if not self.chunk_bundle:
            return
        if voila_version != chunks.VOILA_VERSION:
            self.log.warning("The chunk list was recorded for Voilà %s, this is %s: check "
                             "it with tests/test_chunks.py", chunks.VOILA_VERSION,
                             voila_version)
        try:
            self.bundle = chunks.build_bundle(self.static_paths, self.chunk_bundle)
        except (chunks.ChunkBundleError, OSError) as exc:
            self.log.warning("No chunk bundle (%s): the page fetches each chunk", exc)
            return
        if self.bundle is None:
            self.log.warning("No chunk bundle: none of the listed chunks was found")
            return
        if self.bundle.skipped:
            self.log.warning("Chunks left out of the bundle (absent or not webpack chunks): "
                             "%s", ", ".join(map(str, self.bundle.skipped)))
        self.log.info("%d of Voilà's chunks in %s (%.0f kB, %.0f kB gzipped)",
                      len(self.bundle.ids), self.bundle.name, len(self.bundle.body) / 1e3,
                      len(self.bundle.gzipped) / 1e3)
        self.add_resources(cine_chunk_bundle=self.bundle.name,
                           cine_runtime_version=self.bundle.runtime_version)

    def init_widget_wait(self) -> None:
        """Find and patch the widget manager's file (see :mod:`helpers.app.widget_wait`)."""
        if not self.widget_state_wait:
            return
        self.widget_file = widget_wait.find(self.labextensions_path, self.widget_state_wait)
        if self.widget_file is None:
            self.log.warning("No widget state timer found in %s: pages wait 4 s for their "
                             "widgets' state", widget_wait.EXTENSION)

    def init_settings(self) -> dict:
        settings = super().init_settings()
        settings.update(compress_response=True, log_function=partial(access_log, self.log),
                        websocket_max_message_size=WEBSOCKET_MAX_MESSAGE,
                        websocket_compression_options=WEBSOCKET_COMPRESSION,
                        cine_retry_after=self.retry_after,
                        cine_websocket_rate=(self.websocket_rate, self.websocket_burst))
        return settings

    def init_handlers(self) -> list:
        replaced = {TornadoVoilaHandler: AdmissionVoilaHandler,
                    VoilaKernelWebsocketHandler: CineKernelWebsocketHandler}
        voila = [(spec[0], replaced.get(spec[1], spec[1]), *spec[2:])
                 for spec in super().init_handlers()]
        if isinstance(self.kernel_manager, CineKernelManager):
            # Voilà builds its Tornado application just before asking for the handlers, and
            # transforms are only taken at construction: add ours to the built application.
            self.app.transforms.append(partial(PageActivity, self.kernel_manager))
        ours: list = [(url_path_join(self.server_url, "healthz"), HealthHandler)]
        if self.bundle is not None:
            ours.append(chunks.script_route(
                url_path_join(self.server_url, r"voila/static/(chunks\.[0-9a-f]+\.js)"),
                self.bundle.name, self.bundle.body, self.bundle.gzipped))
        if self.widget_file is not None:
            path = self.widget_file.path
            ours.append(chunks.script_route(
                url_path_join(self.server_url, f"voila/labextensions/({re.escape(path)})"),
                path, self.widget_file.body))
        for path in self.extra_handlers:
            ours += [(url_path_join(self.server_url, pattern), handler, kwargs)
                     for pattern, handler, kwargs in load_handlers(path)]
        if self.server_url.rstrip("/"):  # "/films" -> "/films/"
            ours.append((self.server_url.rstrip("/"), tornado.web.RedirectHandler,
                         {"url": self.server_url}))
        return ours + voila


main = CineVoila.launch_instance

if __name__ == "__main__":
    main()
