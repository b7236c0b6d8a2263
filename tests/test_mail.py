"""E-mail composition and SMTP delivery against a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from conftest import require
from mail_fixtures import SmtpServer, free_port, self_signed_cert

from helpers import config
from helpers.app.mail import (
    DigestFilm,
    Identity,
    MailConfigError,
    PermanentMailError,
    SmtpSender,
    TemporaryMailError,
    compose_confirmation,
    compose_digest,
    deliver,
    redact,
)
from helpers.errors import CineError

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
TOKEN = "A" * 20 + "b" * 20 + "-_9"
IDENTITY = Identity("Ciné Creuse", "12 rue des Écoles, 23000 Guéret",
                    "Ciné Creuse <films@cine.example.fr>", "https://cine.example.fr/cine/")
FILMS = [
    DigestFilm("tt0000001", "<script>alert(1)</script> & Cie", "1999", "même genre : Drame",
               "https://image.tmdb.org/t/p/w185/abc.jpg"),
    DigestFilm("tt0000002", "Le Goût 🎬 des autres", "", 'même époque "<b>"', None),
]


def parse(msg) -> email.message.EmailMessage:
    return email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)


def body(msg: email.message.EmailMessage, kind: str) -> str:
    """The decoded text of the plain or html part, with plain line ends."""
    return msg.get_body((kind,)).get_content().replace("\r\n", "\n")


def test_digest_headers_and_parts() -> None:
    msg = parse(compose_digest("jean@example.fr", FILMS, ["Amélie"], "weekly", TOKEN, IDENTITY,
                               now=NOW, message_id="<1.2@cine.example.fr>"))
    assert msg["From"] == "Ciné Creuse <films@cine.example.fr>"
    assert msg["To"] == "jean@example.fr"
    assert msg["Subject"] == "Vos idées de films de la semaine – Ciné Creuse"
    assert msg["Message-ID"] == "<1.2@cine.example.fr>"
    assert parsedate_to_datetime(msg["Date"]) == NOW
    unsubscribe = f"https://cine.example.fr/cine/abonnement/desabonnement/{TOKEN}"
    assert msg["List-Unsubscribe"] == (
        f"<{unsubscribe}>, <mailto:films@cine.example.fr?subject=desabonnement>")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"
    text = body(msg, "plain")
    html = body(msg, "html")
    assert "1. <script>alert(1)</script> & Cie (1999)\n   Pourquoi ce film : même genre : Drame." \
        in text
    assert "2. Le Goût 🎬 des autres\n" in text
    assert f"Se désabonner : {unsubscribe}\n" in text
    assert "aimés : Amélie." in text
    # HTML: everything escaped, posters with alt text, reasons, links
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Cie" in html
    assert 'même époque &#34;&lt;b&gt;&#34;' in html
    assert re.findall(r'<img src="([^"]+)"', html) == ["https://image.tmdb.org/t/p/w185/abc.jpg"]
    assert 'alt="Affiche : &lt;script&gt;alert(1)&lt;/script&gt; &amp; Cie"' in html
    assert re.findall(r'data-tconst="([^"]+)"', html) == ["tt0000001", "tt0000002"]
    assert f'href="{unsubscribe}"' in html
    assert f'href="https://cine.example.fr/cine/abonnement/effacement/{TOKEN}"' in html
    assert "12 rue des Écoles, 23000 Guéret" in html and "12 rue des Écoles" in text


def test_confirmation_mail_has_the_link_and_no_unsubscribe_headers() -> None:
    msg = parse(compose_confirmation("jean@example.fr", TOKEN, "monthly", ["Amélie"], IDENTITY,
                                     now=NOW))
    link = f"https://cine.example.fr/cine/abonnement/confirmer/{TOKEN}"
    assert msg["Subject"] == "Confirmez votre inscription – Ciné Creuse"
    assert msg["List-Unsubscribe"] is None
    assert f"Pour confirmer, ouvrez ce lien :\n{link}\n" in body(msg, "plain")
    html = body(msg, "html")
    assert f'href="{link}"' in html and "chaque mois" in html and "effacée dans 7 jours" in html


def test_confirmation_for_a_known_address_promises_no_erasure() -> None:
    """An address already subscribed asking again is not erased if the mail is ignored."""
    msg = parse(compose_confirmation("jean@example.fr", TOKEN, "monthly", [], IDENTITY,
                                     now=NOW, new_address=False))
    for kind in ("plain", "html"):
        text = body(msg, kind)
        assert "sans confirmation, rien ne change." in text and "effacée" not in text


def test_a_digest_of_one_film_says_so_in_the_singular() -> None:
    msg = parse(compose_digest("jean@example.fr", FILMS[:1], [], "weekly", TOKEN, IDENTITY,
                               now=NOW))
    for kind in ("plain", "html"):
        assert "Voici 1 film choisi pour vous" in body(msg, kind)
    many = parse(compose_digest("jean@example.fr", FILMS, [], "weekly", TOKEN, IDENTITY, now=NOW))
    assert f"Voici {len(FILMS)} films choisis pour vous" in body(many, "plain")


def test_header_injection_through_the_configuration_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CINE_CINEMA_NAME", "Ciné\r\nBcc: victime@example.org")
    with pytest.raises(CineError, match="CINE_CINEMA_NAME"):
        Identity.from_config()
    monkeypatch.setenv("CINE_CINEMA_NAME", "Ciné Creuse")
    monkeypatch.setenv("CINE_MAIL_FROM", "films@cine.example.fr\nBcc: victime@example.org")
    with pytest.raises(CineError, match="CINE_MAIL_FROM"):
        Identity.from_config()


@pytest.mark.parametrize(("env", "message"), [
    ({"CINE_SMTP_SECURITY": "tls"}, "CINE_SMTP_SECURITY must be one of none, starttls, ssl"),
    ({"CINE_SMTP_PORT": "abc"}, "CINE_SMTP_PORT must be a port number, not 'abc'"),
    ({"CINE_SMTP_PORT": "70000"}, "CINE_SMTP_PORT must be a port number, not '70000'"),
])
def test_bad_smtp_settings(monkeypatch: pytest.MonkeyPatch, env: dict, message: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(CineError, match=re.escape(message)):
        config.smtp_settings()


def test_smtp_defaults_and_password_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CINE_SMTP_SECURITY", "ssl")
    monkeypatch.setenv("CINE_SMTP_PASSWORD", "s3cret")
    settings = config.smtp_settings()
    assert (settings.port, settings.password) == (465, "s3cret")
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings)


def test_redact_removes_addresses() -> None:
    assert redact(b"550 5.1.1 <jean.dupont@example.fr>: unknown user") == \
        "550 5.1.1 <<adresse>>: unknown user"


def _digest(to: str = "jean@example.fr"):
    return compose_digest(to, FILMS, [], "weekly", TOKEN, IDENTITY, now=NOW)


def test_one_connection_delivers_many_messages() -> None:
    with SmtpServer() as server, SmtpSender(config.SmtpSettings(port=server.port)) as sender:
        for i in range(3):
            sender.send(_digest(f"p{i}@example.fr"))
    assert server.recipients() == ["p0@example.fr", "p1@example.fr", "p2@example.fr"]
    assert [m["To"] for m in server.messages] == server.recipients()


def test_4xx_is_temporary_and_5xx_permanent_without_the_address() -> None:
    with SmtpServer() as server, SmtpSender(config.SmtpSettings(port=server.port)) as sender:
        server.rcpt_replies["full@example.fr"] = "452 4.2.2 <full@example.fr> mailbox full"
        server.rcpt_replies["gone@example.fr"] = "550 5.1.1 <gone@example.fr> unknown user"
        with pytest.raises(TemporaryMailError) as temporary:
            sender.send(_digest("full@example.fr"))
        with pytest.raises(PermanentMailError) as permanent:
            sender.send(_digest("gone@example.fr"))
        sender.send(_digest("ok@example.fr"))
    assert (temporary.value.code, permanent.value.code) == (452, 550)
    assert str(permanent.value) == "recipient refused: 550 5.1.1 <<adresse>> unknown user"
    assert "@" not in str(temporary.value)
    assert server.recipients() == ["ok@example.fr"]


def test_retries_with_backoff_after_4xx_and_a_dropped_connection() -> None:
    waits: list[float] = []
    with SmtpServer() as server, SmtpSender(config.SmtpSettings(port=server.port)) as sender:
        server.data_failures = ["451 4.3.0 try again later"]
        server.drop_next = 1
        attempts = deliver(sender.send, _digest(), retries=3, backoff=0.5, sleep=waits.append)
        assert (attempts, waits) == (3, [0.5, 1.0])
        server.data_failures = ["421 4.7.0 busy"] * 4
        with pytest.raises(TemporaryMailError, match="421"):
            deliver(sender.send, _digest(), retries=3, backoff=0.5, sleep=waits.append)
    assert waits == [0.5, 1.0, 0.5, 1.0, 2.0]
    assert len(server.messages) == 1


def test_unreachable_relay_is_temporary() -> None:
    with pytest.raises(TemporaryMailError, match="SMTP relay unreachable"):
        SmtpSender(config.SmtpSettings(port=free_port(), timeout=2)).send(_digest())


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    import shutil

    require(shutil.which("openssl") is not None, "openssl not installed")
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login(cert: tuple[Path, Path], security: str) -> None:
    login = ("cinema", "mot de passe")
    with SmtpServer(security=security, cert=cert, login=login) as server:
        settings = config.SmtpSettings(port=server.port, security=security, user=login[0],
                                       password=login[1], cafile=str(cert[0]))
        with SmtpSender(settings) as sender:
            sender.send(_digest())
        assert (server.recipients(), server.logins, server.tls_sessions) == (
            ["jean@example.fr"], ["cinema"], 1)
        with pytest.raises(MailConfigError, match="authentication failed"):
            SmtpSender(config.SmtpSettings(port=server.port, security=security, user="cinema",
                                           password="faux", cafile=str(cert[0]))).send(_digest())
        with pytest.raises(MailConfigError, match="TLS with the SMTP relay failed"):
            SmtpSender(config.SmtpSettings(port=server.port, security=security)).send(_digest())
    assert len(server.messages) == 1


def test_a_relay_requiring_starttls_refuses_plain_text(cert: tuple[Path, Path]) -> None:
    with SmtpServer(security="starttls", cert=cert) as server:
        with pytest.raises(MailConfigError, match=re.escape("requires TLS or a login (530)")):
            SmtpSender(config.SmtpSettings(port=server.port)).send(_digest())
    assert server.messages == []
