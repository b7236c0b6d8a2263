"""The e-mails' link pages over real HTTP: a plain Tornado application on 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import tornado.web
from mail_fixtures import free_port

from helpers.app.links import link_handlers
from helpers.app.subscriptions import SubscriptionStore

NOW = datetime(2025, 1, 6, 9, tzinfo=UTC)
LIKED = ["tt0000007"]
GONE = "Ce lien n'est pas (ou plus) valable : il a peut-être déjà servi ou a expiré. " \
       "Rien n'a été modifié."


class LinkServer:
    """The link handlers mounted under ``/cine/`` in a Tornado app, in its own thread."""

    def __init__(self, store: SubscriptionStore) -> None:
        self.port = free_port()
        self.routes = link_handlers("/cine/", store, cinema_name="Ciné Creuse")
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        app = tornado.web.Application(self.routes, xsrf_cookies=True)
        server = app.listen(self.port, address="127.0.0.1")
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        server.stop()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/cine/abonnement/{path}"

    def __enter__(self) -> LinkServer:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


@pytest.fixture()
def store(tmp_path: Path):
    store = SubscriptionStore(tmp_path / "s.sqlite3")
    yield store
    store.close()


@pytest.fixture()
def server(store: SubscriptionStore):
    with LinkServer(store) as server:
        yield server


def message(response: requests.Response) -> str:
    text = response.text
    return text.split('<p class="message">', 1)[1].split("</p>", 1)[0]


def test_confirm_get_shows_a_button_and_the_post_confirms_once(server, store) -> None:
    token = store.subscribe("a@example.fr", "weekly", LIKED, consent=True).confirm_token
    page = requests.get(server.url(f"confirmer/{token}"), timeout=10)
    assert page.status_code == 200
    assert '<form method="post" action="/cine/abonnement/confirmer/' in page.text
    assert ">Confirmer mon inscription</button>" in page.text
    assert store.export()[0]["status"] == "pending"  # a GET (mail scanner) changes nothing
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    done = requests.post(server.url(f"confirmer/{token}"), data={"confirmation": "oui"},
                         timeout=10)
    assert (done.status_code, message(done)) == (
        200, "Merci ! Vous recevrez nos idées de films à la fréquence choisie. Chaque e-mail "
             "contient un lien pour vous désabonner.")
    assert store.export()[0]["status"] == "active"
    for used in (requests.post(server.url(f"confirmer/{token}"), timeout=10),
                 requests.get(server.url(f"confirmer/{token}"), timeout=10)):
        assert (used.status_code, message(used)) == (404, GONE.replace("'", "&#39;"))


def test_rfc8058_one_click_unsubscribes_at_once(server, store) -> None:
    store.subscribe("a@example.fr", "weekly", LIKED, consent=True, confirmed=True)
    token = store.export()[0]["unsubscribe_token"]
    page = requests.get(server.url(f"desabonnement/{token}"), timeout=10)
    assert (page.status_code, ">Me désabonner</button>" in page.text) == (200, True)
    assert store.export()[0]["status"] == "active"
    # what a mail provider sends: multipart/form-data, no cookie, no XSRF token
    one_click = requests.post(server.url(f"desabonnement/{token}"),
                              files={"List-Unsubscribe": (None, "One-Click")}, timeout=10)
    assert one_click.status_code == 200
    assert message(one_click).startswith("Vous ne recevrez plus nos e-mails.")
    assert store.export()[0]["status"] == "unsubscribed"
    again = requests.post(server.url(f"desabonnement/{token}"),
                          data="List-Unsubscribe=One-Click",
                          headers={"Content-Type": "application/x-www-form-urlencoded"},
                          timeout=10)
    assert (again.status_code, message(again)) == (
        200, "Cette adresse ne reçoit plus nos e-mails. Rien n&#39;a été modifié.")
    assert "Déjà désabonné" in requests.get(server.url(f"desabonnement/{token}"),
                                             timeout=10).text


def test_delete_my_data(server, store) -> None:
    store.subscribe("a@example.fr", "weekly", LIKED, consent=True, confirmed=True)
    token = store.export()[0]["unsubscribe_token"]
    page = requests.get(server.url(f"effacement/{token}"), timeout=10)
    assert (page.status_code, ">Effacer mes données</button>" in page.text) == (200, True)
    assert len(store.export()) == 1
    done = requests.post(server.url(f"effacement/{token}"), timeout=10)
    assert (done.status_code, message(done)) == (
        200, "Votre adresse et tout ce qui la concernait ont été effacés. Vous ne recevrez "
             "plus rien.")
    assert store.export() == []
    assert requests.post(server.url(f"effacement/{token}"), timeout=10).status_code == 404


@pytest.mark.parametrize("path", [
    "confirmer/" + "x" * 43, "desabonnement/" + "y" * 43, "effacement/abc",
    "desabonnement/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "effacement/" + "z" * 300,
    "inconnu", "confirmer/", ""])
def test_wrong_links_give_the_french_page_and_change_nothing(server, store, path) -> None:
    store.subscribe("a@example.fr", "weekly", LIKED, consent=True, confirmed=True)
    before = store.export()
    for method in ("GET", "POST"):
        response = requests.request(method, server.url(path), timeout=10)
        assert response.status_code == 404, (method, path)
        assert "Lien non valable" in response.text
        assert "<script>" not in response.text
    assert store.export() == before


def test_a_huge_body_is_refused(server, store) -> None:
    store.subscribe("a@example.fr", "weekly", LIKED, consent=True, confirmed=True)
    token = store.export()[0]["unsubscribe_token"]
    response = requests.post(server.url(f"desabonnement/{token}"), data="x" * 10_000,
                             timeout=10)
    assert (response.status_code, message(response)) == (413, "La demande est trop longue.")
    assert store.export()[0]["status"] == "active"


def test_routes_are_mounted_under_the_base_url(store) -> None:
    patterns = [route[0] for route in link_handlers("/", store)]
    assert patterns == ["/abonnement/confirmer/([^/]{1,200})",
                        "/abonnement/desabonnement/([^/]{1,200})",
                        "/abonnement/effacement/([^/]{1,200})", "/abonnement(/.*)?"]
    assert link_handlers("/voila.base/", store)[0][0] == \
        r"/voila\.base/abonnement/confirmer/([^/]{1,200})"
