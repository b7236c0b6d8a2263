"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the e-mail tests, with faults on demand.

:class:`SmtpServer` records every accepted message (parsed) and can reply 4xx/5xx to
chosen recipients, fail the next DATA commands with a code, drop the connection, pause
before accepting a message (to kill a client mid-run), require STARTTLS or implicit TLS
with a self-signed certificate, and require a login.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import threading
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from benchmarks.common import free_port, self_signed_cert

__all__ = ["free_port", "self_signed_cert"]  # shared with the other tests from here too


class SmtpServer:
    """Context manager: an SMTP server on a free local port; ``messages`` it accepted."""

    def __init__(self, *, security: str = "none", cert: tuple[Path, Path] | None = None,
                 login: tuple[str, str] | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.rcpt_replies: dict[str, str] = {}  # lower-case address -> reply, every time
        self.data_failures: list[str] = []  # replies to the next DATA commands
        self.drop_next = 0  # drop the connection at the next N DATA commands
        self.helo_reply: str | None = None  # refuse EHLO and HELO with this reply
        self.pause_after: int | None = None  # accepted messages before pausing
        self.paused = threading.Event()
        self.release = threading.Event()
        self.logins: list[str] = []
        self.tls_sessions = 0
        self.port = free_port()
        self.security = security
        self._lock = threading.Lock()
        context = None
        if cert is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, cert))
        kwargs: dict = {}
        if security == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif security == "ssl":  # aiosmtpd sees no STARTTLS: let it offer AUTH over SMTPS
            kwargs.update(ssl_context=context, auth_require_tls=False)
        if login is not None:
            kwargs.update(authenticator=self._authenticator(login), auth_required=True)
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     server_hostname="127.0.0.1", **kwargs)

    def _authenticator(self, login: tuple[str, str]) -> Callable:
        def check(server, session, envelope, mechanism, data) -> AuthResult:
            ok = (isinstance(data, LoginPassword) and data.login.decode() == login[0]
                  and data.password.decode() == login[1])
            if ok:
                self.logins.append(login[0])
            return AuthResult(success=ok, handled=False)
        return check

    def env(self, **extra: str) -> dict[str, str]:
        """The CINE_SMTP_* variables pointing at this server."""
        return {"CINE_SMTP_HOST": "127.0.0.1", "CINE_SMTP_PORT": str(self.port),
                "CINE_SMTP_SECURITY": self.security, **extra}

    def recipients(self) -> list[str]:
        return [rcpt for _, rcpts in self.envelopes for rcpt in rcpts]

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.controller.stop()


class _Handler:
    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        if self.owner.helo_reply is not None:
            return [self.owner.helo_reply]
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname) -> str:
        if self.owner.helo_reply is not None:
            return self.owner.helo_reply
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        reply = self.owner.rcpt_replies.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        owner = self.owner
        if session.ssl is not None or server.transport.get_extra_info("ssl_object"):
            owner.tls_sessions += 1
        if owner.drop_next:
            owner.drop_next -= 1
            server.transport.close()
            return "421 closing"
        if owner.data_failures:
            return owner.data_failures.pop(0)
        if owner.pause_after is not None and len(owner.messages) >= owner.pause_after:
            owner.paused.set()
            while not owner.release.is_set():
                await asyncio.sleep(0.02)
            return "451 aborted by the test"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with owner._lock:
            owner.messages.append(message)
            owner.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def subscribe_in_process(args: tuple[str, int, list[str], str]) -> list[str]:
    """Worker of the concurrency test: subscribe ``count`` addresses, plus a shared one."""
    from helpers.app.subscriptions import SubscriptionStore

    db, count, liked, prefix = args
    store = SubscriptionStore(Path(db))
    outcomes = []
    for i in range(count):
        outcomes.append(store.subscribe(f"{prefix}.{i}@example.fr", "weekly", liked,
                                        consent=True).outcome)
        outcomes.append(store.subscribe("partage@example.fr", "monthly", liked,
                                        consent=True).outcome)
    store.close()
    return outcomes


def open_store_at(args: tuple[str, float]) -> str:
    """Worker of the opening-race test: open the store at ``start`` (a shared instant)."""
    import time

    from helpers.app.subscriptions import SubscriptionStore

    db, start = args
    while time.time() < start:
        pass
    store = SubscriptionStore(Path(db))
    try:
        return str(store.counts())
    finally:
        store.close()
