"""The subscriptions database: validation, double opt-in, tokens, retention, concurrency."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from mail_fixtures import open_store_at, subscribe_in_process

from helpers.app.subscriptions import (
    CONSENT_VERSION,
    MAX_LIKED,
    SCHEMA_VERSION,
    SubscriptionError,
    SubscriptionStore,
    migrate,
    period_of,
)
from helpers.errors import CineError

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # a Monday, ISO week 2
LIKED = ["tt0000007", "tt0000008"]


@pytest.fixture()
def store(tmp_path: Path) -> SubscriptionStore:
    store = SubscriptionStore(tmp_path / "subscribers.sqlite3")
    yield store
    store.close()


def test_subscribe_stores_exactly_what_was_consented(store: SubscriptionStore) -> None:
    result = store.subscribe("  Jean.Dupont@Example.FR ", "monthly", LIKED, consent=True,
                             now=NOW)
    assert (result.outcome, result.subscriber_id, len(result.confirm_token)) == ("created", 1, 43)
    [row] = store.export()
    assert {k: row[k] for k in ("email", "frequency", "status", "consent_at", "consent_version",
                                "confirmed_at", "liked", "films_sent", "send_log")} == {
        "email": "Jean.Dupont@example.fr", "frequency": "monthly", "status": "pending",
        "consent_at": "2025-01-06T09:00:00+00:00", "consent_version": CONSENT_VERSION,
        "confirmed_at": None, "liked": LIKED, "films_sent": [], "send_log": []}
    assert len(row["unsubscribe_token"]) == 43
    # the confirmation token is only stored hashed; the unsubscribe token is needed in clear
    raw = store.path.read_bytes() + store.path.with_name(store.path.name + "-wal").read_bytes()
    assert result.confirm_token.encode() not in raw
    assert row["unsubscribe_token"].encode() in raw
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_confirm_once_then_the_token_is_spent(store: SubscriptionStore) -> None:
    token = store.subscribe("a@example.fr", "weekly", LIKED, consent=True, now=NOW).confirm_token
    assert store.confirmation_pending(token, now=NOW)
    assert store.confirm(token, now=NOW + timedelta(hours=1))
    [row] = store.export()
    assert (row["status"], row["confirmed_at"], row["pending_confirmation"]) == (
        "active", "2025-01-06T10:00:00+00:00", None)
    assert not store.confirm(token, now=NOW)
    assert not store.confirmation_pending(token, now=NOW)
    assert store.export() == [row]


@pytest.mark.parametrize("token", ["", "x" * 43, "a" * 42, "<script>alert(1)</script>",
                                   "A" * 10_000, None])
def test_wrong_tokens_change_nothing(store: SubscriptionStore, token: object) -> None:
    store.subscribe("a@example.fr", "weekly", LIKED, consent=True, now=NOW)
    before = store.export()
    assert not store.confirm(token, now=NOW)
    assert not store.unsubscribe(token, now=NOW)
    assert not store.delete_by_token(token)
    assert store.status_by_unsubscribe_token(token) is None
    assert store.export() == before


def test_expired_confirmation_changes_nothing(store: SubscriptionStore) -> None:
    token = store.subscribe("a@example.fr", "weekly", LIKED, consent=True, now=NOW).confirm_token
    assert not store.confirm(token, now=NOW + timedelta(days=7, seconds=1))
    assert store.export()[0]["status"] == "pending"


def test_same_address_twice_keeps_one_row_and_waits_for_confirmation(
        store: SubscriptionStore) -> None:
    first = store.subscribe("a@example.fr", "weekly", LIKED, consent=True, now=NOW)
    store.confirm(first.confirm_token, now=NOW)
    soon = store.subscribe("A@EXAMPLE.fr", "monthly", ["tt0000016"], consent=True,
                           now=NOW + timedelta(minutes=4))
    assert (soon.outcome, soon.confirm_token) == ("resent", soon.confirm_token)
    # an active subscriber's choices change only once the new confirmation is used
    [row] = store.export()
    assert (row["frequency"], row["liked"]) == ("weekly", LIKED)
    assert row["pending_confirmation"]["liked"] == ["tt0000016"]
    again = store.subscribe("a@example.fr", "monthly", ["tt0000016"], consent=True,
                            now=NOW + timedelta(minutes=6))
    assert (again.outcome, again.confirm_token) == ("too_soon", None)
    assert store.confirm(soon.confirm_token, now=NOW + timedelta(minutes=10))
    [row] = store.export()
    assert (row["id"], row["frequency"], row["liked"], row["status"]) == (
        1, "monthly", ["tt0000016"], "active")
    assert store.counts() == {"active": 1}


BAD_EMAILS = ["", "   ", "pas-une-adresse", "jean@", "@example.fr", "jean@example",
              "jean@example.fr\r\nBcc: victime@example.org", "jean\n@example.fr",
              "jean@example.fr\x00", "x" * 10_000 + "@example.fr", "😀@example.fr",
              "jean@😀.fr", "жан@example.fr", "<jean@example.fr>", "jean@example.fr, b@c.fr",
              "jean@exa mple.fr", 42, None]


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_bad_addresses_are_refused_in_french_and_nothing_is_stored(
        store: SubscriptionStore, email: object) -> None:
    with pytest.raises(SubscriptionError) as err:
        store.subscribe(email, "weekly", LIKED, consent=True, now=NOW)
    assert err.value.french in {
        "Cette adresse e-mail n'est pas valide. Vérifiez-la, par exemple prenom.nom@exemple.fr.",
        "Indiquez votre adresse e-mail, par exemple prenom.nom@exemple.fr."}
    assert store.export() == []


def test_other_scripts_in_the_domain_are_stored_in_ascii(store: SubscriptionStore) -> None:
    store.subscribe("jean@пример.рф", "weekly", LIKED, consent=True, now=NOW)
    assert store.export()[0]["email"] == "jean@xn--e1afmkfd.xn--p1ai"


@pytest.mark.parametrize(("frequency", "liked", "consent", "french"), [
    ("daily", LIKED, True, "Choisissez une fréquence : chaque semaine ou chaque mois."),
    ("weekly\r\nX: y", LIKED, True, "Choisissez une fréquence : chaque semaine ou chaque mois."),
    ("weekly", [], True, "Choisissez d'abord au moins un film que vous avez aimé, puis "
                         "inscrivez-vous."),
    ("weekly", ["tt1\r\nBcc: x"], True, "La liste des films choisis n'est pas valide : "
                                        "rechargez la page et recommencez."),
    ("weekly", ["x" * 10_000], True, "La liste des films choisis n'est pas valide : rechargez "
                                     "la page et recommencez."),
    ("weekly", [f"tt{i}" for i in range(MAX_LIKED + 1)], True,
     "La liste des films choisis n'est pas valide : rechargez la page et recommencez."),
    ("weekly", "tt0000007", True, "La liste des films choisis n'est pas valide : rechargez la "
                                  "page et recommencez."),
    ("weekly", LIKED, False, "Cochez la case d'accord pour que nous puissions vous écrire."),
])
def test_bad_choices_are_refused_in_french(store: SubscriptionStore, frequency: str,
                                           liked: object, consent: bool, french: str) -> None:
    with pytest.raises(SubscriptionError) as err:
        store.subscribe("a@example.fr", frequency, liked, consent=consent, now=NOW)
    assert err.value.french == french
    assert store.export() == []


def test_unsubscribe_then_delete(store: SubscriptionStore) -> None:
    store.subscribe("a@example.fr", "weekly", LIKED, consent=True, confirmed=True, now=NOW)
    store.subscribe("b@example.fr", "weekly", LIKED, consent=True, confirmed=True, now=NOW)
    token = store.export("a@example.fr")[0]["unsubscribe_token"]
    store.begin_send(1, "2025-W02", "<m@x>", now=NOW)
    store.mark_sent(1, "2025-W02", ["tt0000016"], now=NOW)
    assert store.unsubscribe(token, now=NOW)
    assert not store.unsubscribe(token, now=NOW)
    assert store.status_by_unsubscribe_token(token) == "unsubscribed"
    assert [d.id for d in store.due(NOW.date())] == [2]
    assert store.delete_by_token(token)
    assert not store.delete_by_token(token)
    for table in ("liked_films", "films_sent", "send_log", "confirmations"):
        ids = {r[0] for r in store.conn.execute(f"SELECT subscriber_id FROM {table}")}
        assert 1 not in ids, table
    assert [r["email"] for r in store.export()] == ["b@example.fr"]
    assert store.delete_email("B@example.FR")
    assert store.export() == []


def test_periods_and_due_subscribers(store: SubscriptionStore) -> None:
    assert period_of("weekly", date(2025, 1, 6)) == "2025-W02"
    assert period_of("weekly", date(2024, 12, 30)) == "2025-W01"  # ISO year
    assert period_of("monthly", date(2025, 1, 31)) == "2025-01"
    store.subscribe("w@example.fr", "weekly", LIKED, consent=True, confirmed=True, now=NOW)
    store.subscribe("m@example.fr", "monthly", ["tt0000016"], consent=True, confirmed=True,
                    now=NOW)
    store.subscribe("p@example.fr", "weekly", LIKED, consent=True, now=NOW)  # unconfirmed
    due = store.due(date(2025, 1, 6))
    assert [(d.id, d.period, d.liked, d.sent) for d in due] == [
        (1, "2025-W02", LIKED, set()), (2, "2025-01", ["tt0000016"], set())]
    for d in due:
        store.begin_send(d.id, d.period, f"<{d.id}@x>", now=NOW)
        store.mark_sent(d.id, d.period, ["tt0000022"], now=NOW)
    assert store.due(date(2025, 1, 12)) == []
    [weekly] = store.due(date(2025, 1, 13))
    assert (weekly.id, weekly.period, weekly.sent) == (1, "2025-W03", {"tt0000022"})
    assert [d.id for d in store.due(date(2025, 2, 1))] == [1, 2]


def test_send_log_keeps_the_first_message_id_and_marks_bounces(store: SubscriptionStore) -> None:
    store.subscribe("a@example.fr", "weekly", LIKED, consent=True, confirmed=True, now=NOW)
    assert store.begin_send(1, "2025-W02", "<first@x>", now=NOW) == "<first@x>"
    store.mark_failed(1, "2025-W02", 451, permanent=False, now=NOW)
    assert store.begin_send(1, "2025-W02", "<second@x>", now=NOW) == "<first@x>"
    store.mark_failed(1, "2025-W02", 550, permanent=True, now=NOW)
    [row] = store.export()
    assert row["status"] == "bounced"
    assert row["send_log"] == [{"period": "2025-W02", "status": "bounced", "attempts": 2,
                                "reply_code": 550, "updated_at": "2025-01-06T09:00:00+00:00"}]
    assert store.due(NOW.date()) == []


def test_purge_erases_what_is_kept_no_longer(store: SubscriptionStore) -> None:
    old = NOW - timedelta(days=40)
    store.subscribe("never@example.fr", "weekly", LIKED, consent=True, now=old)
    store.subscribe("fresh@example.fr", "weekly", LIKED, consent=True, now=NOW)
    store.subscribe("left@example.fr", "weekly", LIKED, consent=True, confirmed=True, now=old)
    store.unsubscribe(store.export("left@example.fr")[0]["unsubscribe_token"],
                      now=NOW - timedelta(days=31))
    store.subscribe("gone@example.fr", "weekly", LIKED, consent=True, confirmed=True, now=old)
    store.unsubscribe(store.export("gone@example.fr")[0]["unsubscribe_token"],
                      now=NOW - timedelta(days=29))
    store.subscribe("stays@example.fr", "weekly", LIKED, consent=True, confirmed=True, now=old)
    assert store.purge(NOW) == {"unconfirmed": 1, "ended": 1, "send_log": 0}
    assert [r["email"] for r in store.export()] == [
        "fresh@example.fr", "gone@example.fr", "stays@example.fr"]


def test_schema_version_wal_and_foreign_keys(store: SubscriptionStore) -> None:
    conn = store.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO liked_films VALUES (99, 'tt1')")


def test_migrations_run_once_and_keep_the_data(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = SubscriptionStore(path)
    store.subscribe("a@example.fr", "weekly", LIKED, consent=True, now=NOW)
    extra = "ALTER TABLE subscribers ADD COLUMN note TEXT; UPDATE subscribers SET note = 'x'"
    from helpers.app.subscriptions import MIGRATIONS

    assert migrate(store.conn, (*MIGRATIONS, extra)) == 2
    assert migrate(store.conn, (*MIGRATIONS, extra)) == 2  # already there: nothing run
    assert [tuple(r) for r in store.conn.execute("SELECT email, note FROM subscribers")] == [
        ("a@example.fr", "x")]
    store.close()
    with pytest.raises(CineError, match="schema version 2 is newer than this code \\(1\\)"):
        SubscriptionStore(path).counts()


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(CineError, match="unusable"):
        SubscriptionStore(path).counts()


def test_processes_opening_a_new_file_at_the_same_instant_all_succeed(tmp_path: Path) -> None:
    """8 processes open the same new file at once, 30 times over (without the set-up lock,
    about one round in four had an opener failing with "database is locked")."""
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(8) as pool:
        for trial in range(30):
            db = str(tmp_path / f"s{trial}.sqlite3")
            start = time.time() + 0.1
            counts = pool.map(open_store_at, [(db, start)] * 8, chunksize=1)
            assert counts == [counts[0]] * 8
            assert stat.S_IMODE(os.stat(db).st_mode) == 0o600


def test_a_folder_that_cannot_hold_the_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(CineError, match="unusable"):
        SubscriptionStore(tmp_path / "a-file" / "s.sqlite3").counts()


def test_processes_subscribing_at_once_lose_nothing(tmp_path: Path) -> None:
    """4 processes, each 25 new addresses and the same shared address 25 times."""
    db = str(tmp_path / "s.sqlite3")
    jobs = [(db, 25, LIKED, f"p{n}") for n in range(4)]
    with multiprocessing.get_context("fork").Pool(4) as pool:
        outcomes = pool.map(subscribe_in_process, jobs)
    flat = [o for per in outcomes for o in per]
    assert len(flat) == 200
    assert flat.count("created") == 101  # 100 distinct + the shared one, once
    assert flat.count("created") + flat.count("resent") + flat.count("too_soon") == 200
    store = SubscriptionStore(Path(db))
    rows = store.export()
    assert len(rows) == 101
    assert sorted(r["email"] for r in rows) == sorted(
        ["partage@example.fr"] + [f"p{n}.{i}@example.fr" for n in range(4) for i in range(25)])
    assert all(r["liked"] == LIKED for r in rows)
    store.close()
