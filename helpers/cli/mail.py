"""E-mail commands: ``notify`` (send the digests that are due) and ``subscribers``
(the cinema staff's tools, in French; ``export`` prints everything stored about a person,
for an access request)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

from helpers import config, files


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, not {text!r}") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, not {text!r}")
    return int(text)


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected messages a minute (0 or more), not {text!r}")
    return value


def add_notify_arguments(parser: argparse.ArgumentParser) -> None:
    from helpers.app.notify import DEFAULT_RATE_PER_MINUTE

    parser.add_argument("--dry-run", action="store_true",
                        help="write the digests as .eml files (see --out) instead of sending; "
                             "changes nothing in the database")
    parser.add_argument("--limit", type=_positive, default=None,
                        help="send at most N digests in this run (the others stay due)")
    parser.add_argument("--now", type=_day, default=None,
                        help="act as if today were YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--rate", type=_rate, default=DEFAULT_RATE_PER_MINUTE,
                        help="at most this many messages a minute (0: no limit; default "
                             f"{DEFAULT_RATE_PER_MINUTE})")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder of the --dry-run files (default data/outbox/<date>)")


def run_notify(args: argparse.Namespace) -> int:
    from helpers.app.mail import Identity, OutboxSender, SmtpSender
    from helpers.app.notify import run_notify as send_due
    from helpers.app.subscriptions import SubscriptionStore
    from helpers.reco.model import Recommender

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    now = (datetime.now(UTC).replace(microsecond=0) if args.now is None
           else datetime.combine(args.now, time(12), tzinfo=UTC))
    day = now.date()
    identity = Identity.from_config()
    store = SubscriptionStore(config.subscribers_db_path())
    recommender = Recommender.load(config.model_path())
    if args.dry_run:
        sender = OutboxSender(args.out or config.outbox_dir() / day.isoformat())
    else:
        sender = SmtpSender(config.smtp_settings())
    try:
        report = send_due(store, recommender, day, sender, identity, limit=args.limit,
                            rate_per_minute=args.rate or None, now=now)
    finally:
        sender.close()
        store.close()
    print(report.summary())
    if args.dry_run:
        print(f"dry run: {len(sender.written)} .eml files in {sender.folder}")
    return 0


STATUS_FR = {"pending": "en attente", "active": "actif", "unsubscribed": "désabonné",
             "bounced": "rejeté"}
FREQUENCY_FR = {"weekly": "hebdo", "monthly": "mensuel"}
OUTCOME_FR = {"created": "nouvelle adresse", "resent": "adresse déjà connue",
              "too_soon": "e-mail de confirmation déjà envoyé il y a moins de 5 minutes",
              "send_failed": "l'e-mail de confirmation n'a pas pu partir, rien n'est enregistré"}


def add_subscribers_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="one line per subscriber (number, status, frequency, address)")
    export = sub.add_parser("export", help="everything stored, as JSON (all or one address)")
    export.add_argument("email", nargs="?", default=None)
    export.add_argument("--out", type=Path, default=None, help="write to this file")
    delete = sub.add_parser("delete", help="erase everything about an address")
    delete.add_argument("email")
    add = sub.add_parser("add", help="subscribe an address (sends the confirmation e-mail "
                                     "unless --confirmed)")
    add.add_argument("email")
    add.add_argument("--liked", nargs="+", required=True, metavar="ID",
                     help="IMDb ids of the films the person liked (tt...)")
    add.add_argument("--frequency", choices=("weekly", "monthly"), default="weekly")
    add.add_argument("--confirmed", action="store_true",
                     help="the person already confirmed elsewhere: active at once")


def run_subscribers(args: argparse.Namespace) -> int:
    from helpers.app.subscriptions import SubscriptionError, SubscriptionStore

    store = SubscriptionStore(config.subscribers_db_path())
    try:
        return _ACTIONS[args.action](store, args)
    except SubscriptionError as exc:
        print(exc.french, file=sys.stderr)
        return 1
    finally:
        store.close()


def _list(store, args: argparse.Namespace) -> int:
    rows = store.export()
    for row in rows:
        print(f"n° {row['id']:<6} {STATUS_FR[row['status']]:<12} "
              f"{FREQUENCY_FR[row['frequency']]:<8} {len(row['liked']):>2} films  {row['email']}")
    counts = ", ".join(f"{n} {STATUS_FR[status]}" for status, n in sorted(store.counts().items()))
    print(f"{len(rows)} abonné(s)" + (f" : {counts}" if counts else ""))
    return 0


def _export(store, args: argparse.Namespace) -> int:
    text = json.dumps(store.export(args.email), ensure_ascii=False, indent=1) + "\n"
    if args.out:
        files.write_text(args.out, text)
        print(f"écrit dans {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _delete(store, args: argparse.Namespace) -> int:
    if store.delete_email(args.email):
        print("abonné effacé (adresse, films choisis, films envoyés, journal d'envoi)")
        return 0
    print("aucun abonné avec cette adresse", file=sys.stderr)
    return 1


def _add(store, args: argparse.Namespace) -> int:
    from helpers.app.mail import send_confirmation

    result = store.subscribe(args.email, args.frequency, args.liked, consent=True,
                             confirmed=args.confirmed)
    if args.confirmed:
        print(f"abonné n° {result.subscriber_id} actif ({OUTCOME_FR[result.outcome]})")
        return 0
    outcome = send_confirmation(store, result, args.frequency)
    if outcome in ("created", "resent"):
        print(f"abonné n° {result.subscriber_id} : e-mail de confirmation envoyé "
              f"({OUTCOME_FR[outcome]})")
        return 0
    print(f"abonné n° {result.subscriber_id} : {OUTCOME_FR[outcome]}", file=sys.stderr)
    return 1


_ACTIONS = {"list": _list, "export": _export, "delete": _delete, "add": _add}
