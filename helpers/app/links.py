"""The e-mails' link pages: confirm, unsubscribe (RFC 8058 one-click) and delete-my-data.

:func:`link_handlers` returns Tornado routes to mount in the dashboard's server under its
base URL. A GET only shows a page with a button (mail scanners open links: nothing
changes on a GET); the button's POST acts. ``POST .../desabonnement/<token>`` is also the
RFC 8058 one-click unsubscribe a mail provider sends (``List-Unsubscribe=One-Click``):
it unsubscribes at once. The token in the path is the only credential, so these
handlers take no cookie and skip the XSRF check. A wrong or used token gives a French
page (status 404) and changes nothing. Database calls run in a worker thread so the
server's event loop never waits on the SQLite lock.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import tornado.web

from helpers import config
from helpers.app.mail import LINK_PATHS, render
from helpers.app.subscriptions import SubscriptionStore

#: Longest request body accepted (the one-click body is 26 bytes).
MAX_BODY_BYTES = 2048
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token must not leak to another site
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
}
_ALREADY_UNSUBSCRIBED = ("Déjà désabonné", "Cette adresse ne reçoit plus nos e-mails. Rien "
                         "n'a été modifié.")
_GONE = ("Lien non valable", "Ce lien n'est pas (ou plus) valable : il a peut-être déjà "
         "servi ou a expiré. Rien n'a été modifié.")


class _LinkPage(tornado.web.RequestHandler):
    """Shared behaviour: French pages, security headers, bounded body, store off-loop."""

    def initialize(self, store: SubscriptionStore, cinema_name: str, home: str) -> None:
        self.store = store
        self.cinema_name = cinema_name
        self.home = self.settings.get("base_url") or home  # the dashboard, behind a server

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        for name, value in _HEADERS.items():
            self.set_header(name, value)

    def check_xsrf_cookie(self) -> None:
        """No cookie: the unguessable token in the path authorises the action."""

    def prepare(self) -> None:
        if len(self.request.body or b"") > MAX_BODY_BYTES:
            raise tornado.web.HTTPError(413)

    async def call(self, func: Callable, *args: object) -> object:
        return await asyncio.get_running_loop().run_in_executor(None, func, *args)

    def page(self, heading: str, message: str, button: str = "", status: int = 200) -> None:
        self.set_status(status)
        self.finish(render("page.html", heading=heading, message=message, button=button,
                           action=self.request.path, cinema_name=self.cinema_name,
                           home=self.home))

    def gone(self) -> None:
        self.page(*_GONE, status=404)

    async def ask(self, valid: Callable[[str], object], token: str, heading: str,
                  message: str, button: str) -> None:
        """A GET: the page with its button when the token is valid (nothing changes)."""
        if not await self.call(valid, token):
            return self.gone()
        self.page(heading, message, button)

    async def act(self, action: Callable[[str], object], token: str, heading: str,
                  message: str) -> None:
        """A POST: do it, then say it is done (the 'invalid link' page if it did nothing)."""
        if not await self.call(action, token):
            return self.gone()
        self.page(heading, message)

    def write_error(self, status_code: int, **kwargs: object) -> None:
        if status_code == 404:
            return self.gone()
        text = {405: "Cette action n'est pas possible sur cette page.",
                413: "La demande est trop longue."}.get(
            status_code, "Une erreur s'est produite de notre côté. Réessayez plus tard.")
        self.page("Erreur", text, status=status_code)


class ConfirmPage(_LinkPage):
    async def get(self, token: str) -> None:
        await self.ask(self.store.confirmation_pending, token, "Confirmer votre inscription",
                       "Appuyez sur le bouton pour recevoir nos idées de films par e-mail.",
                       "Confirmer mon inscription")

    async def post(self, token: str) -> None:
        await self.act(self.store.confirm, token, "Inscription confirmée",
                       "Merci ! Vous recevrez nos idées de films à la fréquence choisie. "
                       "Chaque e-mail contient un lien pour vous désabonner.")


class UnsubscribePage(_LinkPage):
    async def get(self, token: str) -> None:
        status = await self.call(self.store.status_by_unsubscribe_token, token)
        if status is None:
            return self.gone()
        if status not in ("pending", "active"):
            return self.page(*_ALREADY_UNSUBSCRIBED)
        self.page("Se désabonner", "Appuyez sur le bouton pour ne plus recevoir nos idées "
                  "de films par e-mail.", "Me désabonner")

    async def post(self, token: str) -> None:
        """The page's button, or a mail provider's RFC 8058 one-click POST."""
        if await self.call(self.store.unsubscribe, token):
            return self.page("Désabonnement effectué", "Vous ne recevrez plus nos e-mails. "
                             "Votre adresse sera effacée dans 30 jours, ou tout de suite "
                             "avec le lien « Effacer mes données » d'un de nos e-mails.")
        if await self.call(self.store.status_by_unsubscribe_token, token) is None:
            return self.gone()
        self.page(*_ALREADY_UNSUBSCRIBED)


class DeletePage(_LinkPage):
    async def get(self, token: str) -> None:
        await self.ask(lambda t: self.store.status_by_unsubscribe_token(t) is not None, token,
                       "Effacer mes données", "Le bouton efface tout ce que nous conservons "
                       "sur vous : votre adresse, vos films choisis et la liste des films "
                       "envoyés. Vous ne recevrez plus rien.", "Effacer mes données")

    async def post(self, token: str) -> None:
        await self.act(self.store.delete_by_token, token, "Données effacées",
                       "Votre adresse et tout ce qui la concernait ont été effacés. Vous ne "
                       "recevrez plus rien.")


class NotFoundPage(_LinkPage):
    """Any other path under the links' prefix: the French 'invalid link' page."""

    def get(self, *_: str) -> None:
        self.gone()

    post = get


def _join(base_url: str, path: str) -> str:
    return "/" + "/".join(p for p in (*base_url.split("/"), *path.split("/")) if p)


def link_handlers(base_url: str = "/", store: SubscriptionStore | Path | None = None,
                  cinema_name: str | None = None) -> list[tuple]:
    """Tornado routes of the link pages under ``base_url`` (the dashboard's base URL)."""
    if not isinstance(store, SubscriptionStore):
        store = SubscriptionStore(Path(store) if store else config.subscribers_db_path())
    kwargs = {"store": store, "cinema_name": cinema_name or config.cinema_name(),
              "home": _join(base_url, "")}
    pages = {"confirm": ConfirmPage, "unsubscribe": UnsubscribePage, "delete": DeletePage}
    routes = [(re.escape(_join(base_url, LINK_PATHS[kind])) + r"/([^/]{1,200})", handler, kwargs)
              for kind, handler in pages.items()]
    prefix = _join(base_url, LINK_PATHS["confirm"].split("/")[0])
    routes.append((re.escape(prefix) + r"(/.*)?", NotFoundPage, kwargs))
    return routes


def mounted_link_handlers() -> list[tuple]:
    """The link pages as the dashboard's server mounts them (under its base URL: see
    ``helpers.app.serve.EXTRA_HANDLERS``), on the configured database."""
    return link_handlers("/")
