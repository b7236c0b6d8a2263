"""The e-mails (French digest and confirmation) and their delivery over SMTP.

Messages are built with the standard library's ``email`` package (policy SMTP: CRLF,
RFC 2047 headers; a CR/LF in a header value is refused) from Jinja2 templates in
``templates/`` (HTML autoescaped). A digest is ``multipart/alternative``: plain text then
HTML with posters, and carries ``Message-ID``, ``Date``, ``List-Unsubscribe`` (https link
and mailto) and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058).

:class:`SmtpSender` keeps one connection for many messages and sorts failures into
temporary (4xx, dropped connection: retry), permanent (5xx for this address) and
configuration errors (bad credentials, TLS, sender refused: stop the run). No error text
carries an address: replies are redacted before they reach a message or a log.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import jinja2

from helpers import config
from helpers.app.subscriptions import (
    CONFIRM_TTL,
    FREQUENCIES,
    SubscribeResult,
    SubscriptionStore,
    utc_now,
)
from helpers.errors import CineError

log = logging.getLogger(__name__)

#: Films in one digest.
DIGEST_SIZE = 6
TEMPLATES = Path(__file__).with_name("templates")
#: Paths of the link pages under the dashboard's base URL (served by :mod:`links`).
LINK_PATHS = {"confirm": "abonnement/confirmer", "unsubscribe": "abonnement/desabonnement",
              "delete": "abonnement/effacement"}
#: CRLF line ends, headers folded only past RFC 5322's 998 characters: a long
#: List-Unsubscribe stays plain ASCII (folding a long token would RFC 2047-encode it).
POLICY = SMTP.clone(max_line_length=998)
_ADDRESS = re.compile(r"[^\s<>@]+@[^\s<>@]+")


class MailError(CineError):
    """A message could not be delivered; ``code`` is the SMTP reply code (None: no reply)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryMailError(MailError):
    """Worth retrying later: 4xx reply, dropped or refused connection, time-out."""


class PermanentMailError(MailError):
    """5xx reply for this address or message: do not send to it again."""


class MailConfigError(MailError):
    """The relay refuses us whatever the address (credentials, TLS, sender): stop."""


def redact(text: object) -> str:
    """``text`` with every e-mail address replaced by ``<adresse>`` (for messages and logs)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return _ADDRESS.sub("<adresse>", str(text))


@dataclass(frozen=True)
class Identity:
    """Who sends, from where, and the public base of the links."""

    cinema_name: str
    cinema_address: str
    mail_from: str
    public_url: str

    @classmethod
    def from_config(cls) -> Identity:
        """From the configuration; a control character (header injection) is refused."""
        values = {"CINE_CINEMA_NAME": config.cinema_name(),
                  "CINE_CINEMA_ADDRESS": config.cinema_address(),
                  "CINE_MAIL_FROM": config.smtp_settings().mail_from,
                  "CINE_PUBLIC_URL": config.public_url()}
        for name, value in values.items():
            if any(ord(c) < 32 or ord(c) == 127 for c in value):
                raise CineError(f"{name} contains a control character (line break?)")
        return cls(*values.values())

    @property
    def from_header(self) -> str:
        name, address = parseaddr(self.mail_from)
        return formataddr((name or self.cinema_name, address or self.mail_from))

    @property
    def domain(self) -> str:
        return parseaddr(self.mail_from)[1].rpartition("@")[2] or "localhost"

    def link(self, kind: str, token: str) -> str:
        """Public URL of a confirm / unsubscribe / delete page for ``token``."""
        return f"{self.public_url.rstrip('/')}/{LINK_PATHS[kind]}/{quote(token, safe='')}"

    def mailto_unsubscribe(self) -> str:
        address = parseaddr(self.mail_from)[1] or self.mail_from
        return f"mailto:{address}?subject=desabonnement"


@dataclass(frozen=True)
class DigestFilm:
    """One recommended film as the e-mail shows it."""

    tconst: str
    title: str
    year: str
    reason: str
    poster_url: str | None

    @property
    def imdb_url(self) -> str:
        return f"https://www.imdb.com/title/{self.tconst}/"


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",),
                                            default_for_string=True),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(name: str, **context: object) -> str:
    """Render ``templates/<name>`` (``.html`` autoescaped)."""
    return _templates().get_template(name).render(**context)


def _message(to: str, subject: str, identity: Identity, text: str, html: str,
             now: datetime | None, message_id: str | None) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = identity.from_header
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now or utc_now())
    msg["Message-ID"] = message_id or new_message_id(identity)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    return msg


def new_message_id(identity: Identity) -> str:
    return make_msgid(domain=identity.domain)


def digest_subject(frequency: str, identity: Identity) -> str:
    when = "de la semaine" if frequency == "weekly" else "du mois"
    return f"Vos idées de films {when} – {identity.cinema_name}"


def compose_digest(to: str, films: Sequence[DigestFilm], liked_titles: Sequence[str],
                   frequency: str, unsubscribe_token: str, identity: Identity, *,
                   now: datetime | None = None, message_id: str | None = None) -> EmailMessage:
    """The personalised digest (text + HTML with posters and reasons), with RFC 8058 headers."""
    context = {
        "films": list(films), "liked": list(liked_titles), "identity": identity,
        "frequency_label": FREQUENCIES[frequency],
        "unsubscribe_url": identity.link("unsubscribe", unsubscribe_token),
        "delete_url": identity.link("delete", unsubscribe_token),
        "dashboard_url": identity.public_url,
    }
    msg = _message(to, digest_subject(frequency, identity), identity,
                   render("digest.txt", **context), render("digest.html", **context),
                   now, message_id)
    msg["List-Unsubscribe"] = (f"<{context['unsubscribe_url']}>, "
                               f"<{identity.mailto_unsubscribe()}>")
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["List-Id"] = f"{identity.cinema_name} <idees-films.{identity.domain}>"
    return msg


def compose_confirmation(to: str, confirm_token: str, frequency: str,
                         liked_titles: Sequence[str], identity: Identity, *,
                         now: datetime | None = None, new_address: bool = True) -> EmailMessage:
    """The double opt-in e-mail: one link to confirm, nothing sent without it. For an address
    already known (``new_address`` false) nothing is erased when it is ignored."""
    context = {"identity": identity, "liked": list(liked_titles), "new_address": new_address,
               "frequency_label": FREQUENCIES[frequency],
               "confirm_url": identity.link("confirm", confirm_token),
               "ttl_days": CONFIRM_TTL.days}
    return _message(to, f"Confirmez votre inscription – {identity.cinema_name}", identity,
                    render("confirm.txt", **context), render("confirm.html", **context),
                    now, None)


# -------------------------------------------------------------------- sending
def _classify(exc: OSError | smtplib.SMTPException, connecting: bool = False) -> MailError:
    """The exception of a failed send as a temporary, permanent or configuration error
    (``connecting``: raised while opening the connection, before any message)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (None, b""))
        kind = TemporaryMailError if code is not None and 400 <= code < 500 else \
            PermanentMailError
        return kind(f"recipient refused: {code} {redact(reply)}", code)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return MailConfigError(f"SMTP authentication failed ({exc.smtp_code}): check "
                               "CINE_SMTP_USER and CINE_SMTP_PASSWORD", exc.smtp_code)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        if 400 <= exc.smtp_code < 500:
            return TemporaryMailError(f"sender refused for now: {exc.smtp_code}", exc.smtp_code)
        if exc.smtp_code in (530, 538):  # RFC 4954: authentication / encryption required
            return MailConfigError(f"the relay requires TLS or a login ({exc.smtp_code}): "
                                   "check CINE_SMTP_SECURITY and CINE_SMTP_USER", exc.smtp_code)
        return MailConfigError(f"the relay refuses the sender ({exc.smtp_code} "
                               f"{redact(exc.smtp_error)}): check CINE_MAIL_FROM", exc.smtp_code)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return TemporaryMailError("connection to the SMTP relay lost")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailConfigError(f"the SMTP relay does not support this ({redact(exc)}): "
                               "check CINE_SMTP_SECURITY")
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        text = f"{code} {redact(exc.smtp_error)}"
        if 400 <= code < 500:
            return TemporaryMailError(f"temporary SMTP failure: {text}", code)
        if connecting:  # the relay refuses us (greeting, HELO, STARTTLS), not a recipient
            return MailConfigError(f"the SMTP relay refuses the connection ({text}): check "
                                   "CINE_SMTP_HOST, CINE_SMTP_PORT and CINE_SMTP_SECURITY", code)
        return PermanentMailError(f"SMTP message refused: {text}", code)
    if isinstance(exc, ssl.SSLError):
        return MailConfigError(f"TLS with the SMTP relay failed ({redact(exc)}): check "
                               "CINE_SMTP_SECURITY, CINE_SMTP_PORT and CINE_SMTP_CAFILE")
    return TemporaryMailError(f"SMTP relay unreachable ({type(exc).__name__}: {redact(exc)})")


class SmtpSender:
    """Sends messages through the configured relay, over one connection kept open."""

    def __init__(self, settings: config.SmtpSettings | None = None) -> None:
        self.settings = settings or config.smtp_settings()
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context(cafile=s.cafile or None)
        if s.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                                  context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                smtp.starttls(context=context)
        smtp.ehlo_or_helo_if_needed()  # a relay refusing us says so here, not per message
        if s.user:
            smtp.login(s.user, s.password)
        return smtp

    def send(self, msg: EmailMessage) -> None:
        """Deliver one message; raises a :class:`MailError` subclass on failure."""
        connecting = self._smtp is None
        try:
            if connecting:
                self._smtp = self._connect()
                connecting = False
            self._smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()  # start the next message on a fresh connection
            raise _classify(exc, connecting) from None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._smtp = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OutboxSender:
    """``--dry-run``: writes each message as ``<folder>/<name>.eml`` instead of sending."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.written: list[Path] = []

    def send(self, msg: EmailMessage, name: str = "") -> None:
        path = self.folder / f"{name or len(self.written) + 1}.eml"
        path.write_bytes(msg.as_bytes())
        self.written.append(path)

    def close(self) -> None:
        pass


def deliver(send: Callable[[EmailMessage], None], msg: EmailMessage, *, retries: int = 3,
            backoff: float = 1.0, sleep: Callable[[float], None] = time.sleep) -> int:
    """Send with up to ``retries`` retries of temporary failures, waiting ``backoff``,
    then twice as long each time; return the number of attempts. Permanent and
    configuration errors are raised at once, a temporary one after the last retry."""
    for attempt in range(retries + 1):
        try:
            send(msg)
            return attempt + 1
        except TemporaryMailError:
            if attempt == retries:
                raise
            sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")


def send_now(msg: EmailMessage, settings: config.SmtpSettings | None = None) -> None:
    """Deliver one message on its own connection (the confirmation e-mail), retrying a
    temporary failure twice quickly."""
    with SmtpSender(settings) as sender:
        deliver(sender.send, msg, retries=2, backoff=0.5)



def send_confirmation(store: SubscriptionStore, result: SubscribeResult, frequency: str,
                      liked_titles: Sequence[str] = (), identity: Identity | None = None,
                      send: Callable[[EmailMessage], None] = send_now) -> str:
    """Mail the confirmation link of a new subscription; the outcome: ``created`` or
    ``resent`` (sent), ``too_soon`` (none due) or ``send_failed`` (nothing kept: the
    subscription is undone, so the visitor can simply try again)."""
    if result.confirm_token is None:
        return result.outcome
    try:
        email = store.email_of(result.subscriber_id)
        msg = compose_confirmation(email, result.confirm_token, frequency, liked_titles,
                                   identity or Identity.from_config(),
                                   new_address=result.outcome == "created")
        send(msg)
    except CineError as exc:
        store.cancel(result)
        log.warning("subscriber #%d: confirmation e-mail not sent (%s)", result.subscriber_id,
                    redact(exc))
        return "send_failed"
    return result.outcome
