"""``notify``: send each due, confirmed subscriber their digest for the period, once.

For every active subscriber without a finished digest for their current period (ISO week
or month), the :data:`~helpers.app.mail.DIGEST_SIZE` best recommendations for their liked
films, excluding films already sent or liked. Idempotent through the send log: a digest
is logged ``sending`` before the SMTP transaction and ``sent`` (with its films) right
after the relay accepted it, so a run killed half-way and started again sends every due
subscriber exactly one digest (the one in flight at the kill was not accepted, or is
re-sent with the same Message-ID). Temporary failures are retried with backoff, then left
due for the next run (a relay still unreachable after the retries stops the run); a
permanent one marks the address and the run goes on. A run sends
at most ``limit`` digests, at most ``rate_per_minute``. Logs name subscribers by number.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from helpers.app.mail import (
    DIGEST_SIZE,
    DigestFilm,
    Identity,
    MailConfigError,
    OutboxSender,
    PermanentMailError,
    SmtpSender,
    TemporaryMailError,
    compose_digest,
    deliver,
    new_message_id,
)
from helpers.app.posters import display_title, poster_url
from helpers.app.subscriptions import Due, SubscriptionStore, utc_now
from helpers.errors import CineError
from helpers.reco.model import Recommender

log = logging.getLogger(__name__)
#: Poster width in the e-mails (TMDB size name).
POSTER_SIZE = "w185"
DEFAULT_RATE_PER_MINUTE = 120


@dataclass
class NotifyReport:
    """What a run did (counts of subscribers)."""

    due: int = 0
    sent: int = 0
    bounced: int = 0
    deferred: int = 0
    skipped: int = 0
    left_for_next_run: int = 0
    purged: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (f"{self.due} due: {self.sent} sent, {self.bounced} bounced, "
                f"{self.deferred} deferred, {self.skipped} skipped (no film to suggest), "
                f"{self.left_for_next_run} left for the next run")


class FilmCards:
    """Title, year and poster of catalogue films, looked up once per run and film."""

    def __init__(self, recommender: Recommender) -> None:
        self.movies = recommender.movies_
        self._rows: dict[str, dict] = {}

    def _row(self, tconst: str) -> dict | None:
        if tconst not in self._rows:
            self._rows[tconst] = (self.movies.loc[tconst].to_dict()
                                  if tconst in self.movies.index else None)
        return self._rows[tconst]

    def title(self, tconst: str) -> str | None:
        row = self._row(tconst)
        return None if row is None else display_title(row)

    def film(self, tconst: str, reason: str) -> DigestFilm:
        row = self._row(tconst) or {}
        year = row.get("year")
        year_text = "" if year is None or year != year else str(int(year))
        return DigestFilm(tconst, display_title(row), year_text, reason,
                          poster_url(row.get("poster_path"), POSTER_SIZE))


def pick_films(recommender: Recommender, cards: FilmCards, due: Due,
               k: int = DIGEST_SIZE) -> list[DigestFilm]:
    """The ``k`` best films for a subscriber, never one already sent or liked; [] when
    none of their liked films is in the catalogue any more."""
    try:
        recs = recommender.recommend(due.liked, k=k, exclude=sorted(due.sent))
    except CineError:
        return []
    return [cards.film(t, r) for t, r in zip(recs["tconst"], recs["reason"], strict=True)]


class Pacer:
    """At most ``per_minute`` events a minute (no limit when None or 0)."""

    def __init__(self, per_minute: float | None, sleep: Callable[[float], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self.sleep, self.clock = sleep, clock
        self._next = 0.0

    def wait(self) -> None:
        delay = self._next - self.clock()
        if delay > 0:
            self.sleep(delay)
        self._next = max(self.clock(), self._next) + self.interval


def run_notify(store: SubscriptionStore, recommender: Recommender, day: date,
               sender: SmtpSender | OutboxSender, identity: Identity, *,
               limit: int | None = None, rate_per_minute: float | None = DEFAULT_RATE_PER_MINUTE,
               retries: int = 3, backoff: float = 1.0, now: datetime | None = None,
               sleep: Callable[[float], None] = time.sleep) -> NotifyReport:
    """Send (or, with an :class:`OutboxSender`, write) the digests due on ``day``.

    A dry run changes nothing in the database. Raises :class:`MailConfigError` when the
    relay refuses us whatever the address (the digest in flight stays due).
    """
    dry_run = isinstance(sender, OutboxSender)
    now = now or utc_now()
    report = NotifyReport()
    if not dry_run:
        report.purged = store.purge(now)
    due = store.due(day)
    report.due = len(due)
    cards = FilmCards(recommender)
    pacer = Pacer(None if dry_run else rate_per_minute, sleep)
    for i, sub in enumerate(due):
        if limit is not None and report.sent + report.bounced + report.deferred >= limit:
            report.left_for_next_run = len(due) - i
            log.info("per-run limit of %d digests reached", limit)
            break
        films = pick_films(recommender, cards, sub)
        if not films:
            report.skipped += 1
            log.info("subscriber #%d: no film to suggest (liked films not in the catalogue)",
                     sub.id)
            continue
        liked = [t for t in map(cards.title, sub.liked) if t]
        message_id = new_message_id(identity)
        if dry_run:
            msg = compose_digest(sub.email, films, liked, sub.frequency,
                                 sub.unsubscribe_token, identity, now=now,
                                 message_id=message_id)
            sender.send(msg, name=f"{sub.period}-{sub.id}")
            report.sent += 1
            continue
        message_id = store.begin_send(sub.id, sub.period, message_id, now)
        msg = compose_digest(sub.email, films, liked, sub.frequency, sub.unsubscribe_token,
                             identity, now=now, message_id=message_id)
        pacer.wait()
        try:
            attempts = deliver(sender.send, msg, retries=retries, backoff=backoff, sleep=sleep)
        except PermanentMailError as exc:
            store.mark_failed(sub.id, sub.period, exc.code, permanent=True)
            report.bounced += 1
            log.warning("subscriber #%d: address refused for good (%s): marked", sub.id, exc)
        except MailConfigError as exc:
            store.mark_failed(sub.id, sub.period, exc.code, permanent=False)
            log.error("subscriber #%d: run stopped: %s", sub.id, exc)
            raise
        except TemporaryMailError as exc:
            store.mark_failed(sub.id, sub.period, exc.code, permanent=False)
            report.deferred += 1
            log.warning("subscriber #%d: deferred to the next run (%s)", sub.id, exc)
            if exc.code is None:  # no relay after every retry: the next ones would wait too
                report.left_for_next_run = len(due) - i - 1
                log.error("SMTP relay unreachable: run stopped, %d digests left for the next "
                          "run", report.left_for_next_run)
                break
        else:
            store.mark_sent(sub.id, sub.period, [f.tconst for f in films])
            report.sent += 1
            log.info("subscriber #%d: digest %s sent (%d films, %d attempt(s))",
                     sub.id, sub.period, len(films), attempts)
    return report
