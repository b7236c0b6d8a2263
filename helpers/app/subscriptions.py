"""Opt-in e-mail subscriptions in SQLite: double opt-in, tokens, send log, retention.

One file in the data folder (``config.subscribers_db_path()``), WAL mode, foreign keys,
a schema version (``PRAGMA user_version``) brought up to date by :data:`MIGRATIONS`.
Visitors' kernels, the link pages and ``notify`` write from several processes at once:
every write is one ``BEGIN IMMEDIATE`` transaction and a busy timeout waits for the lock.

Stored per subscriber, nothing else: address, liked films, frequency, consent time and
consent-text version, status, the confirmation token (as a SHA-256 hash: it is mailed
once) and the unsubscribe token (in every digest), the history of films sent and the
send log that makes ``notify`` idempotent.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from helpers.errors import CineError

FREQUENCIES: dict[str, str] = {"weekly": "chaque semaine", "monthly": "chaque mois"}
#: At most this many liked films per subscription (the dashboard's limit too).
MAX_LIKED = 10
#: A confirmation link is valid this long; unconfirmed subscriptions are then erased.
CONFIRM_TTL = timedelta(days=7)
#: No second confirmation e-mail to one address within this delay (no mail bombing).
RESEND_INTERVAL = timedelta(minutes=5)
#: Unsubscribed and bounced addresses are erased after this delay.
RETENTION_AFTER_END = timedelta(days=30)
#: Send-log rows older than this are erased (the films-sent history stays).
SEND_LOG_RETENTION = timedelta(days=400)
MAX_EMAIL_CHARS = 254
_TCONST = re.compile(r"^tt\d{1,10}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_BAD_LIKED = "La liste des films choisis n'est pas valide : rechargez la page et recommencez."

#: The consent checkbox's text; its version (a digest of the text) is stored with each
#: consent, so a changed text is a new version without anyone having to remember it.
CONSENT_TEXT = (
    "J'accepte que Ciné Creuse conserve mon adresse e-mail, les films que j'ai choisis "
    "et la fréquence choisie, uniquement pour m'envoyer des idées de films, ainsi que la "
    "liste des films déjà envoyés (pour ne jamais envoyer deux fois le même). Rien "
    "d'autre n'est conservé, rien n'est transmis à personne. Je peux me désabonner ou "
    "faire effacer mes données à tout moment grâce au lien présent dans chaque e-mail.")
CONSENT_VERSION = hashlib.sha256(CONSENT_TEXT.encode("utf-8")).hexdigest()[:12]

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE subscribers (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL COLLATE NOCASE UNIQUE,
        frequency TEXT NOT NULL CHECK (frequency IN ('weekly', 'monthly')),
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced')),
        consent_at TEXT NOT NULL,
        consent_version TEXT NOT NULL,
        unsubscribe_token TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        confirmed_at TEXT,
        ended_at TEXT
    );
    CREATE TABLE liked_films (
        subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        tconst TEXT NOT NULL,
        PRIMARY KEY (subscriber_id, tconst)
    ) WITHOUT ROWID;
    CREATE TABLE confirmations (
        subscriber_id INTEGER PRIMARY KEY REFERENCES subscribers(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        frequency TEXT NOT NULL,
        liked TEXT NOT NULL,
        consent_at TEXT NOT NULL,
        consent_version TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE films_sent (
        subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        tconst TEXT NOT NULL,
        period TEXT NOT NULL,
        PRIMARY KEY (subscriber_id, tconst)
    ) WITHOUT ROWID;
    CREATE TABLE send_log (
        subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        period TEXT NOT NULL,
        message_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'deferred', 'bounced')),
        attempts INTEGER NOT NULL DEFAULT 0,
        reply_code INTEGER,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (subscriber_id, period)
    ) WITHOUT ROWID;
    CREATE INDEX subscribers_status ON subscribers(status);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class SubscriptionError(CineError):
    """Bad subscription input; ``french`` is the sentence shown to the visitor."""

    def __init__(self, message: str, french: str) -> None:
        super().__init__(message)
        self.french = french


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def normalize_email(text: object) -> str:
    """The address in canonical form (domain lower-cased, IDN in ASCII), or SubscriptionError.

    Control characters (CR/LF: header injection), over-long values and non-ASCII local
    parts (which most relays cannot deliver) are refused before any parsing.
    """
    french = ("Cette adresse e-mail n'est pas valide. Vérifiez-la, par exemple "
              "prenom.nom@exemple.fr.")
    if not isinstance(text, str) or not text.strip():
        raise SubscriptionError("empty e-mail address",
                                "Indiquez votre adresse e-mail, par exemple prenom.nom@exemple.fr.")
    text = text.strip()
    if len(text) > MAX_EMAIL_CHARS:
        raise SubscriptionError(f"e-mail address longer than {MAX_EMAIL_CHARS} characters",
                                french)
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise SubscriptionError("control character in the e-mail address", french)
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise SubscriptionError(f"invalid e-mail address ({exc})", french) from None
    return result.ascii_email or result.normalized


def check_frequency(value: object) -> str:
    if value not in FREQUENCIES:
        raise SubscriptionError(f"frequency must be one of {sorted(FREQUENCIES)}",
                                "Choisissez une fréquence : chaque semaine ou chaque mois.")
    return str(value)


def check_liked(ids: Sequence[object]) -> list[str]:
    """Distinct IMDb ids (``tt`` + digits), at least one, at most :data:`MAX_LIKED`."""
    if isinstance(ids, str) or not all(isinstance(i, str) for i in ids):
        raise SubscriptionError("liked films must be a list of IMDb ids", _BAD_LIKED)
    liked = list(dict.fromkeys(i.strip() for i in ids))
    if not liked:
        raise SubscriptionError("no liked film", "Choisissez d'abord au moins un film que "
                                "vous avez aimé, puis inscrivez-vous.")
    if len(liked) > MAX_LIKED or any(not _TCONST.match(i) for i in liked):
        raise SubscriptionError(f"liked films must be 1 to {MAX_LIKED} IMDb ids (tt...)",
                                _BAD_LIKED)
    return liked


def period_of(frequency: str, day: date) -> str:
    """The sending period containing ``day``: ISO week (``2025-W03``) or month (``2025-01``)."""
    if frequency == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def new_token() -> str:
    """A random unguessable token (256 bits, URL-safe, 43 characters)."""
    return secrets.token_urlsafe(32)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def valid_token(token: object) -> bool:
    return isinstance(token, str) and bool(_TOKEN.match(token))


@dataclass(frozen=True)
class SubscribeResult:
    """What :meth:`SubscriptionStore.subscribe` did.

    ``outcome``: ``created`` (new address), ``resent`` (address already known: a new
    confirmation replaces the previous one, nothing duplicated) or ``too_soon`` (a
    confirmation was sent minutes ago: none sent now). ``confirm_token`` is None when no
    e-mail is to be sent (``too_soon``, or ``confirmed`` given).
    """

    outcome: str
    subscriber_id: int
    confirm_token: str | None


@dataclass
class Due:
    """A confirmed subscriber whose digest for ``period`` is not sent yet."""

    id: int
    email: str
    frequency: str
    period: str
    unsubscribe_token: str
    liked: list[str] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)


class SubscriptionStore:
    """The subscriptions database; one connection per thread, opened on first use."""

    busy_timeout_ms = 15_000

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()

    # ------------------------------------------------------------ connection
    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open()
        return conn

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._setup_lock():
                created = not self.path.exists()
                conn = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000,
                                       isolation_level=None)
                if created:
                    os.chmod(self.path, 0o600)  # personal data: owner only
                conn.row_factory = sqlite3.Row
                conn.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
                conn.execute("PRAGMA foreign_keys = ON")
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")  # durable across a killed process
                migrate(conn)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise CineError(f"subscriptions database {self.path} unusable ({exc})") from exc
        return conn

    @contextmanager
    def _setup_lock(self) -> Iterator[None]:
        """Serialise the opening set-up (WAL switch, migrations) across processes.

        SQLite answers "database is locked" at once, without waiting for the busy timeout,
        when a connection switching a new file to WAL meets one that is migrating it (its
        deadlock rule). A lock file beside the database (never the database itself: closing
        another descriptor of it would drop SQLite's own locks) makes openers take turns.
        """
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, the lock taken at once (no upgrade deadlock)."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:  # still locked after the busy timeout
            raise CineError(f"subscriptions database busy ({exc})") from exc
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------ subscribe
    def subscribe(self, email: str, frequency: str, liked: Sequence[str], *, consent: bool,
                  confirmed: bool = False, now: datetime | None = None) -> SubscribeResult:
        """Record a subscription to which :data:`CONSENT_TEXT` was agreed (``consent``),
        validated here; see :class:`SubscribeResult`.

        A known address keeps its single row: its new choices wait in the confirmation
        and apply once confirmed, so nobody can change another person's subscription.
        ``confirmed`` (staff import) makes the subscription active at once.
        """
        email = normalize_email(email)
        frequency = check_frequency(frequency)
        liked = check_liked(liked)
        if consent is not True:
            raise SubscriptionError("consent not given", "Cochez la case d'accord pour que "
                                    "nous puissions vous écrire.")
        now = now or utc_now()
        token = new_token()
        with self._write() as conn:
            row = conn.execute("SELECT id, status FROM subscribers WHERE email = ?",
                               (email,)).fetchone()
            if row is None:
                sub_id = conn.execute(
                    "INSERT INTO subscribers (email, frequency, consent_at, consent_version, "
                    "unsubscribe_token, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (email, frequency, _iso(now), CONSENT_VERSION, new_token(), _iso(now)),
                ).lastrowid
                conn.executemany("INSERT INTO liked_films VALUES (?, ?)",
                                 [(sub_id, t) for t in liked])
                outcome = "created"
            else:
                sub_id, outcome = row["id"], "resent"
                last = conn.execute("SELECT created_at FROM confirmations WHERE "
                                    "subscriber_id = ?", (sub_id,)).fetchone()
                if (not confirmed and last is not None
                        and datetime.fromisoformat(last[0]) > now - RESEND_INTERVAL):
                    return SubscribeResult("too_soon", sub_id, None)
            conn.execute(
                "INSERT OR REPLACE INTO confirmations VALUES (?, ?, ?, ?, ?, ?, ?)",
                (sub_id, _hash(token), frequency, json.dumps(liked), _iso(now),
                 CONSENT_VERSION, _iso(now)))
        if confirmed:
            self.confirm(token, now=now)
            return SubscribeResult(outcome, sub_id, None)
        return SubscribeResult(outcome, sub_id, token)

    def confirm(self, token: str, now: datetime | None = None) -> bool:
        """Apply a pending confirmation; False (nothing changed) for a wrong, used or
        expired token."""
        if not valid_token(token):
            return False
        now = now or utc_now()
        with self._write() as conn:
            row = conn.execute("SELECT * FROM confirmations WHERE token_hash = ?",
                               (_hash(token),)).fetchone()
            if row is None or datetime.fromisoformat(row["created_at"]) < now - CONFIRM_TTL:
                return False
            sub_id = row["subscriber_id"]
            conn.execute(
                "UPDATE subscribers SET status = 'active', frequency = ?, consent_at = ?, "
                "consent_version = ?, confirmed_at = ?, ended_at = NULL WHERE id = ?",
                (row["frequency"], row["consent_at"], row["consent_version"], _iso(now), sub_id))
            conn.execute("DELETE FROM liked_films WHERE subscriber_id = ?", (sub_id,))
            conn.executemany("INSERT INTO liked_films VALUES (?, ?)",
                             [(sub_id, t) for t in json.loads(row["liked"])])
            conn.execute("DELETE FROM confirmations WHERE subscriber_id = ?", (sub_id,))
        return True

    def cancel(self, result: SubscribeResult) -> None:
        """Undo a subscription whose confirmation e-mail could not be sent: a new address
        is erased, a known one loses only the new confirmation (it may be asked again)."""
        with self._write() as conn:
            if result.outcome == "created":
                conn.execute("DELETE FROM subscribers WHERE id = ? AND status = 'pending'",
                             (result.subscriber_id,))
            elif result.confirm_token is not None:
                conn.execute("DELETE FROM confirmations WHERE token_hash = ?",
                             (_hash(result.confirm_token),))

    # --------------------------------------------------------- token pages
    def confirmation_pending(self, token: str, now: datetime | None = None) -> bool:
        """Whether ``token`` is a valid, unused, unexpired confirmation token."""
        if not valid_token(token):
            return False
        row = self.conn.execute("SELECT created_at FROM confirmations WHERE token_hash = ?",
                                (_hash(token),)).fetchone()
        return row is not None and (datetime.fromisoformat(row[0])
                                    >= (now or utc_now()) - CONFIRM_TTL)

    def status_by_unsubscribe_token(self, token: str) -> str | None:
        """The subscriber's status for an unsubscribe token, None when unknown."""
        if not valid_token(token):
            return None
        row = self.conn.execute("SELECT status FROM subscribers WHERE unsubscribe_token = ?",
                                (token,)).fetchone()
        return None if row is None else row[0]

    def unsubscribe(self, token: str, now: datetime | None = None) -> bool:
        """Stop every e-mail to the token's address; False when unknown or already done."""
        if not valid_token(token):
            return False
        with self._write() as conn:
            done = conn.execute(
                "UPDATE subscribers SET status = 'unsubscribed', ended_at = ? "
                "WHERE unsubscribe_token = ? AND status IN ('pending', 'active')",
                (_iso(now or utc_now()), token)).rowcount
            if done:
                conn.execute("DELETE FROM confirmations WHERE subscriber_id = (SELECT id FROM "
                             "subscribers WHERE unsubscribe_token = ?)", (token,))
        return bool(done)

    def delete_by_token(self, token: str) -> bool:
        """Erase everything about the token's subscriber (address, films, history)."""
        if not valid_token(token):
            return False
        with self._write() as conn:
            return bool(conn.execute("DELETE FROM subscribers WHERE unsubscribe_token = ?",
                                     (token,)).rowcount)

    def delete_email(self, email: str) -> bool:
        """Erase everything about an address (the cinema's ``subscribers delete``)."""
        email = normalize_email(email)
        with self._write() as conn:
            return bool(conn.execute("DELETE FROM subscribers WHERE email = ?",
                                     (email,)).rowcount)

    # ------------------------------------------------------------ reading
    def export(self, email: str | None = None) -> list[dict]:
        """Everything stored, per subscriber (all, or one address): for access requests."""
        query, params = "SELECT * FROM subscribers", ()
        if email is not None:
            query, params = query + " WHERE email = ?", (normalize_email(email),)
        out = []
        for row in self.conn.execute(query + " ORDER BY id", params).fetchall():
            item = dict(row)
            sub_id = item["id"]
            item["liked"] = [r[0] for r in self.conn.execute(
                "SELECT tconst FROM liked_films WHERE subscriber_id = ? ORDER BY tconst",
                (sub_id,))]
            item["films_sent"] = [dict(r) for r in self.conn.execute(
                "SELECT tconst, period FROM films_sent WHERE subscriber_id = ? "
                "ORDER BY period, tconst", (sub_id,))]
            item["send_log"] = [dict(r) for r in self.conn.execute(
                "SELECT period, status, attempts, reply_code, updated_at FROM send_log "
                "WHERE subscriber_id = ? ORDER BY period", (sub_id,))]
            pending = self.conn.execute(
                "SELECT frequency, liked, consent_at, consent_version, created_at "
                "FROM confirmations WHERE subscriber_id = ?", (sub_id,)).fetchone()
            item["pending_confirmation"] = None if pending is None else {
                **dict(pending), "liked": json.loads(pending["liked"])}
            out.append(item)
        return out

    def email_of(self, sub_id: int) -> str:
        row = self.conn.execute("SELECT email FROM subscribers WHERE id = ?",
                                (sub_id,)).fetchone()
        if row is None:
            raise CineError(f"no subscriber #{sub_id}")
        return row[0]

    def counts(self) -> dict[str, int]:
        """Number of subscribers by status."""
        rows = self.conn.execute("SELECT status, COUNT(*) FROM subscribers GROUP BY status")
        return {status: n for status, n in rows}

    def due(self, day: date) -> list[Due]:
        """Active subscribers without a finished digest for their period containing ``day``,
        with their liked films and films already sent (three queries for the whole run)."""
        week, month = period_of("weekly", day), period_of("monthly", day)
        rows = self.conn.execute(
            "SELECT s.id, s.email, s.frequency, s.unsubscribe_token, "
            "CASE s.frequency WHEN 'weekly' THEN :week ELSE :month END AS period "
            "FROM subscribers s WHERE s.status = 'active' AND NOT EXISTS ("
            "SELECT 1 FROM send_log l WHERE l.subscriber_id = s.id AND l.status IN "
            "('sent', 'bounced') AND l.period = CASE s.frequency WHEN 'weekly' THEN :week "
            "ELSE :month END) ORDER BY s.id", {"week": week, "month": month}).fetchall()
        due = {r["id"]: Due(r["id"], r["email"], r["frequency"], r["period"],
                            r["unsubscribe_token"]) for r in rows}
        if due:
            active = "SELECT id FROM subscribers WHERE status = 'active'"
            for sub_id, tconst in self.conn.execute(
                    f"SELECT subscriber_id, tconst FROM liked_films WHERE subscriber_id IN "
                    f"({active}) ORDER BY subscriber_id, tconst"):
                if sub_id in due:
                    due[sub_id].liked.append(tconst)
            for sub_id, tconst in self.conn.execute(
                    f"SELECT subscriber_id, tconst FROM films_sent WHERE subscriber_id IN "
                    f"({active})"):
                if sub_id in due:
                    due[sub_id].sent.add(tconst)
        return list(due.values())

    # ------------------------------------------------------------ send log
    def begin_send(self, sub_id: int, period: str, message_id: str,
                   now: datetime | None = None) -> str:
        """Log an attempt before sending; returns the Message-ID to use (a retried digest
        keeps the one of its first attempt, so a receiving server can drop a duplicate)."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO send_log (subscriber_id, period, message_id, status, attempts, "
                "updated_at) VALUES (?, ?, ?, 'sending', 1, ?) ON CONFLICT DO UPDATE SET "
                "status = 'sending', attempts = attempts + 1, updated_at = excluded.updated_at",
                (sub_id, period, message_id, _iso(now or utc_now())))
            return conn.execute("SELECT message_id FROM send_log WHERE subscriber_id = ? AND "
                                "period = ?", (sub_id, period)).fetchone()[0]

    def mark_sent(self, sub_id: int, period: str, tconsts: Sequence[str],
                  now: datetime | None = None) -> None:
        with self._write() as conn:
            conn.execute("UPDATE send_log SET status = 'sent', reply_code = 250, updated_at = ? "
                         "WHERE subscriber_id = ? AND period = ?",
                         (_iso(now or utc_now()), sub_id, period))
            conn.executemany("INSERT OR IGNORE INTO films_sent VALUES (?, ?, ?)",
                             [(sub_id, t, period) for t in tconsts])

    def mark_failed(self, sub_id: int, period: str, code: int | None, permanent: bool,
                    now: datetime | None = None) -> None:
        """A temporary failure leaves the digest due (``deferred``); a permanent one marks
        the address ``bounced``: no more e-mail to it."""
        stamp = _iso(now or utc_now())
        with self._write() as conn:
            conn.execute("UPDATE send_log SET status = ?, reply_code = ?, updated_at = ? "
                         "WHERE subscriber_id = ? AND period = ?",
                         ("bounced" if permanent else "deferred", code, stamp, sub_id, period))
            if permanent:
                conn.execute("UPDATE subscribers SET status = 'bounced', ended_at = ? "
                             "WHERE id = ?", (stamp, sub_id))

    # ------------------------------------------------------------ retention
    def purge(self, now: datetime | None = None) -> dict[str, int]:
        """Erase what is kept no longer (see the README's personal-data section)."""
        now = now or utc_now()
        with self._write() as conn:
            expired = _iso(now - CONFIRM_TTL)
            conn.execute("DELETE FROM confirmations WHERE created_at < ?", (expired,))
            never = conn.execute("DELETE FROM subscribers WHERE status = 'pending' AND "
                                 "created_at < ? AND id NOT IN (SELECT subscriber_id FROM "
                                 "confirmations)", (expired,)).rowcount
            ended = conn.execute("DELETE FROM subscribers WHERE status IN ('unsubscribed', "
                                 "'bounced') AND ended_at < ?",
                                 (_iso(now - RETENTION_AFTER_END),)).rowcount
            logs = conn.execute("DELETE FROM send_log WHERE updated_at < ?",
                                (_iso(now - SEND_LOG_RETENTION),)).rowcount
        return {"unconfirmed": never, "ended": ended, "send_log": logs}


def migrate(conn: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Bring the schema to ``len(migrations)``, each step in one transaction; return the
    version. Several processes opening a new file at once: the first one migrates."""
    target = len(migrations)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > target:
        raise CineError(f"subscriptions database schema version {version} is newer than "
                        f"this code ({target}): update the code")
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < target:
                for statement in _statements(migrations[version]):
                    conn.execute(statement)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return version


def _statements(script: str) -> list[str]:
    """The statements of a migration script (``executescript`` would commit on its own)."""
    return [s.strip() for s in script.split(";") if s.strip()]
