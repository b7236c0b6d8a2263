"""The dashboard's subscription form, driven without a browser, mail through real SMTP."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from mail_fixtures import SmtpServer, free_port

from helpers import config
from helpers.app.mail import send_now
from helpers.app.subscribe_form import MAX_SUBMISSIONS, TITLE, SubscribeForm
from helpers.app.subscriptions import CONSENT_TEXT, SubscriptionStore

LIKED = ["tt0000007", "tt0000008"]
TITLES = {"tt0000007": "Le Rêve", "tt0000008": "La Lumière"}


@pytest.fixture()
def store(mail_env: Path):
    store = SubscriptionStore(config.subscribers_db_path())
    yield store
    store.close()


def make_form(store: SubscriptionStore, server: SmtpServer | None, liked=LIKED) -> SubscribeForm:
    port = server.port if server else free_port()
    settings = config.SmtpSettings(port=port, timeout=3)
    return SubscribeForm(store, lambda: liked, title_of=TITLES.get,
                         send=lambda msg: send_now(msg, settings))


def fill(form: SubscribeForm, email: str, frequency: str = "weekly", consent: bool = True):
    form.email.value, form.frequency.value, form.consent.value = email, frequency, consent
    return form.submit()


def shown(form: SubscribeForm) -> str:
    """The message's text without its box."""
    return re.sub(r"^<div [^>]*>|</div>$", "", form.message.value)


def test_the_form_as_a_visitor_sees_it(store) -> None:
    form = make_form(store, None)
    assert form.consent.value is False
    assert form.frequency.options == (("Chaque semaine", "weekly"), ("Chaque mois", "monthly"))
    texts = [w.value for w in form.widget.children if hasattr(w, "value")
             and isinstance(w.value, str)]
    assert texts[0] == '<h2 class="cc-h2">Recevez d&#x27;autres idées de films par e-mail</h2>'
    assert TITLE == "Recevez d'autres idées de films par e-mail"
    assert CONSENT_TEXT.startswith("J'accepte que Ciné Creuse conserve mon adresse e-mail, les "
                                   "films que j'ai choisis et la fréquence choisie, uniquement "
                                   "pour m'envoyer des idées de films")
    escaped = CONSENT_TEXT.replace("'", "&#x27;")
    assert texts[3] == f'<p class="cc-hint">{escaped}</p>'
    children = list(form.widget.children)  # the text is read before the box is ticked
    assert children.index(form.consent) == children.index(form.email) + 3
    assert children[children.index(form.consent) - 1].value == texts[3]


def test_subscribe_confirm_by_mail_then_resubmit(store) -> None:
    with SmtpServer() as server:
        form = make_form(store, server)
        assert fill(form, "Jean@Example.fr", "monthly") == "created"
        assert shown(form).startswith("C&#x27;est presque fini : nous venons d&#x27;envoyer un "
                                      "e-mail à «\u00a0Jean@Example.fr\u00a0».")
        [msg] = server.messages
        assert msg["To"] == "Jean@example.fr"
        text = msg.get_body(("plain",)).get_content()
        assert "d'après les films que vous avez aimés : Le Rêve, La Lumière." in text
        [token] = re.findall(r"https://cine\.example\.fr/cine/abonnement/confirmer/(\S+)", text)
        assert store.export()[0]["status"] == "pending"
        assert store.confirm(token)
        # a known address: a new confirmation, no second row, choices unchanged until used
        assert fill(form, "jean@example.fr") == "resent"
        assert shown(form).startswith("Cette adresse est déjà connue : nous venons de lui "
                                      "envoyer un nouvel e-mail de confirmation")
        assert fill(form, "jean@example.fr") == "too_soon"
        assert shown(form).startswith("Un e-mail de confirmation vient déjà d&#x27;être envoyé")
        assert len(server.messages) == 2
    [row] = store.export()
    assert (row["status"], row["frequency"], row["liked"]) == ("active", "monthly", LIKED)


@pytest.mark.parametrize("email", ["pas-une-adresse", "jean@example.fr\r\nBcc: x@y.fr",
                                   "x" * 10_000, "😀@example.fr", "<img src=x onerror=alert(1)>"])
def test_bad_addresses(store, email: str) -> None:
    with SmtpServer() as server:
        form = make_form(store, server)
        assert fill(form, email) == "invalid"
    assert shown(form) == ("Cette adresse e-mail n&#x27;est pas valide. Vérifiez-la, par "
                           "exemple prenom.nom@exemple.fr.")
    assert (store.export(), server.messages) == ([], [])


def test_consent_is_required_and_nothing_is_stored_without_it(store) -> None:
    form = make_form(store, None)
    assert fill(form, "jean@example.fr", consent=False) == "no_consent"
    assert shown(form) == "Cochez la case « J&#x27;accepte » pour que nous puissions vous écrire."
    assert store.export() == []


def test_no_liked_film(store) -> None:
    form = make_form(store, None, liked=[])
    assert fill(form, "jean@example.fr") == "invalid"
    assert shown(form) == ("Choisissez d&#x27;abord au moins un film que vous avez aimé, puis "
                           "inscrivez-vous.")
    assert store.export() == []


def test_relay_down_nothing_kept_and_no_address_logged(store, caplog) -> None:
    form = make_form(store, None)  # nothing listens on that port
    with caplog.at_level(logging.DEBUG):
        assert fill(form, "jean@example.fr") == "send_failed"
    assert shown(form).startswith("Nous n&#x27;avons pas pu envoyer l&#x27;e-mail de "
                                  "confirmation pour l&#x27;instant, et rien n&#x27;a été "
                                  "enregistré.")
    assert store.export() == []
    assert "subscriber #1: confirmation e-mail not sent" in caplog.text
    assert "@" not in caplog.text


def test_one_page_cannot_send_endless_mail(store) -> None:
    with SmtpServer() as server:
        form = make_form(store, server)
        outcomes = [fill(form, f"p{i}@example.fr") for i in range(MAX_SUBMISSIONS + 2)]
    assert outcomes == ["created"] * MAX_SUBMISSIONS + ["too_many", "too_many"]
    assert len(server.messages) == MAX_SUBMISSIONS
    assert shown(form) == "Trop de demandes depuis cette page : rechargez-la pour recommencer."
