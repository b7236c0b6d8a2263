"""``notify`` end to end: real SMTP server, real SQLite file, real ``python -m helpers``."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from mail_fixtures import SmtpServer

from helpers import config
from helpers.app.mail import Identity, OutboxSender, SmtpSender
from helpers.app.notify import Pacer, run_notify
from helpers.app.posters import poster_url
from helpers.app.subscriptions import SubscriptionStore
from helpers.reco.model import Recommender

MONDAY = date(2025, 1, 6)
NEXT_MONDAY = date(2025, 1, 13)
NOW = datetime(2025, 1, 6, 12, tzinfo=UTC)


@pytest.fixture()
def model(mail_env: Path) -> Recommender:
    return Recommender.load(config.model_path())


@pytest.fixture()
def store(mail_env: Path):
    store = SubscriptionStore(config.subscribers_db_path())
    yield store
    store.close()


def liked_sets(model: Recommender, n: int) -> list[list[str]]:
    ids = model.movies_["tconst"].tolist()
    return [[ids[(7 * i) % len(ids)], ids[(7 * i + 3) % len(ids)]] for i in range(n)]


def add_subscribers(store: SubscriptionStore, model: Recommender, n: int,
                    frequency: str = "weekly") -> list[str]:
    emails = [f"abonne.{i}@example.fr" for i in range(n)]
    for address, liked in zip(emails, liked_sets(model, n), strict=True):
        store.subscribe(address, frequency, liked, consent=True, confirmed=True, now=NOW)
    return emails


def films_of(msg: email.message.EmailMessage) -> list[str]:
    html = msg.get_body(("html",)).get_content()
    return re.findall(r'data-tconst="(tt\d+)"', html)


def run(store, model, day, server, **kwargs):
    with SmtpSender(config.SmtpSettings(port=server.port)) as sender:
        return run_notify(store, model, day, sender, Identity.from_config(),
                          rate_per_minute=None, backoff=0.01, now=NOW, **kwargs)


def test_two_runs_send_six_new_films_each_never_twice(store, model: Recommender) -> None:
    emails = add_subscribers(store, model, 4)
    liked = dict(zip(emails, liked_sets(model, 4), strict=True))
    with SmtpServer() as server:
        first = run(store, model, MONDAY, server)
        again = run(store, model, MONDAY, server)  # same week: nothing more
        second = run(store, model, NEXT_MONDAY, server)
    assert (first.sent, again.due, again.sent, second.sent) == (4, 0, 0, 4)
    assert sorted(server.recipients()) == sorted(emails * 2)
    by_address: dict[str, list[list[str]]] = {}
    for msg in server.messages:
        by_address.setdefault(msg["To"], []).append(films_of(msg))
    for address, (week1, week2) in by_address.items():
        assert len(week1) == len(week2) == 6
        assert not set(week1) & set(week2), address
        assert not set(week1 + week2) & set(liked[address])
    msg = server.messages[0]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    # the text part lists the same films, in the same order, with their reasons
    assert re.findall(r"https://www\.imdb\.com/title/(tt\d+)/", text) == films_of(msg)
    assert text.count("Pourquoi ce film : ") == 6
    rows = model.movies_.loc[films_of(msg)]
    expected = [poster_url(p, "w185") for p in rows["poster_path"]]
    assert re.findall(r'<img src="([^"]+)"', html) == [u for u in expected if u]
    token = store.export(msg["To"])[0]["unsubscribe_token"]
    assert msg["List-Unsubscribe"] == (
        f"<https://cine.example.fr/cine/abonnement/desabonnement/{token}>, "
        "<mailto:films@cine.example.fr?subject=desabonnement>")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Message-ID"].endswith("@cine.example.fr>")
    history = store.export(msg["To"])[0]
    assert [h["period"] for h in history["send_log"]] == ["2025-W02", "2025-W03"]
    assert len(history["films_sent"]) == 12


def test_monthly_subscribers_once_a_month(store, model: Recommender) -> None:
    add_subscribers(store, model, 2, frequency="monthly")
    with SmtpServer() as server:
        counts = [run(store, model, day, server).sent
                  for day in (MONDAY, NEXT_MONDAY, date(2025, 1, 31), date(2025, 2, 3))]
    assert counts == [2, 0, 0, 2]


def test_5xx_marks_the_address_and_the_run_goes_on(store, model: Recommender) -> None:
    emails = add_subscribers(store, model, 3)
    with SmtpServer() as server:
        server.rcpt_replies[emails[1]] = "550 5.1.1 mailbox unknown"
        report = run(store, model, MONDAY, server)
        later = run(store, model, NEXT_MONDAY, server)
    assert (report.sent, report.bounced, later.due, later.sent) == (2, 1, 2, 2)
    assert server.recipients() == [emails[0], emails[2], emails[0], emails[2]]
    assert store.export(emails[1])[0]["status"] == "bounced"


def test_4xx_is_retried_then_left_for_the_next_run(store, model: Recommender) -> None:
    emails = add_subscribers(store, model, 2)
    with SmtpServer() as server:
        server.rcpt_replies[emails[0]] = "451 4.7.1 greylisted, try later"
        report = run(store, model, MONDAY, server, retries=2)
        assert (report.sent, report.deferred) == (1, 1)
        assert store.export(emails[0])[0]["send_log"][0]["attempts"] == 1
        del server.rcpt_replies[emails[0]]
        server.data_failures = ["421 4.3.2 busy"]  # one more temporary failure, then OK
        retry = run(store, model, MONDAY, server, retries=2)
    assert (retry.due, retry.sent) == (1, 1)
    assert server.recipients() == [emails[1], emails[0]]
    log = store.export(emails[0])[0]["send_log"]
    assert [(x["status"], x["attempts"]) for x in log] == [("sent", 2)]


def test_per_run_limit_leaves_the_rest_due(store, model: Recommender) -> None:
    add_subscribers(store, model, 5)
    with SmtpServer() as server:
        first = run(store, model, MONDAY, server, limit=2)
        rest = run(store, model, MONDAY, server, limit=10)
    assert (first.sent, first.left_for_next_run, rest.due, rest.sent) == (2, 3, 3, 3)
    assert len(set(server.recipients())) == 5


def test_pacer_spaces_messages() -> None:
    clock = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    pacer = Pacer(30, sleep, clock=lambda: clock[0])  # one every 2 s
    pacer.wait()
    clock[0] += 0.5  # composing the next message took 0.5 s
    pacer.wait()
    pacer.wait()
    assert waits == [1.5, 2.0]
    unlimited: list[float] = []
    for _ in range(3):
        Pacer(None, unlimited.append).wait()
    assert unlimited == []


def test_dry_run_writes_eml_and_changes_nothing(store, model: Recommender,
                                                mail_env: Path) -> None:
    add_subscribers(store, model, 3)
    before = store.export()
    outbox = OutboxSender(mail_env / "outbox")
    report = run_notify(store, model, MONDAY, outbox, Identity.from_config(), now=NOW)
    assert report.sent == 3
    assert sorted(p.name for p in outbox.written) == ["2025-W02-1.eml", "2025-W02-2.eml",
                                                      "2025-W02-3.eml"]
    msg = email.message_from_bytes(outbox.written[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] == "abonne.0@example.fr" and len(films_of(msg)) == 6
    assert store.export() == before


def test_subscriber_whose_films_left_the_catalogue_is_skipped(store, model) -> None:
    store.subscribe("vieux@example.fr", "weekly", ["tt9999999"], consent=True, confirmed=True,
                    now=NOW)
    with SmtpServer() as server:
        report = run(store, model, MONDAY, server)
    assert (report.due, report.skipped, report.sent, server.messages) == (1, 1, 0, [])



def child_env(server: SmtpServer) -> dict[str, str]:
    return {**os.environ, **server.env()}


def test_killed_run_then_rerun_sends_each_subscriber_exactly_one_digest(
        store, model: Recommender) -> None:
    """A real ``python -m helpers notify`` is SIGKILLed while the relay holds its 4th
    message; the rerun sends the 4th and the rest, nobody gets two digests."""
    emails = add_subscribers(store, model, 8)
    with SmtpServer() as server:
        server.pause_after = 3
        proc = subprocess.Popen(
            [sys.executable, "-m", "helpers", "notify", "--now", "2025-01-06", "--rate", "0"],
            env=child_env(server), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            assert server.paused.wait(120), "the run never reached its 4th message"
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL
        assert server.recipients() == emails[:3]
        server.pause_after = None
        server.release.set()
        rerun = subprocess.run(
            [sys.executable, "-m", "helpers", "notify", "--now", "2025-01-06", "--rate", "0"],
            env=child_env(server), capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        assert rerun.stdout.splitlines()[-1] == (
            "5 due: 5 sent, 0 bounced, 0 deferred, 0 skipped (no film to suggest), "
            "0 left for the next run")
    assert sorted(server.recipients()) == sorted(emails)
    assert len(server.messages) == 8
    row = store.export(emails[3])[0]
    assert [(x["status"], x["attempts"]) for x in row["send_log"]] == [("sent", 2)]


def test_no_address_in_any_log(store, model: Recommender) -> None:
    emails = add_subscribers(store, model, 4)
    store.subscribe("vieux@example.fr", "weekly", ["tt9999999"], consent=True, confirmed=True,
                    now=NOW)
    with SmtpServer() as server:
        server.rcpt_replies[emails[1]] = f"550 5.1.1 <{emails[1]}> unknown user"
        server.rcpt_replies[emails[2]] = f"451 4.2.0 <{emails[2]}> greylisted"
        out = subprocess.run(
            [sys.executable, "-m", "helpers", "notify", "--now", "2025-01-06", "--rate", "0"],
            env=child_env(server), capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    logs = out.stdout + out.stderr
    assert "subscriber #2: address refused for good" in logs
    assert "subscriber #3: deferred to the next run" in logs
    assert "subscriber #5: no film to suggest" in logs
    assert "2 sent, 1 bounced, 1 deferred, 1 skipped" in logs
    assert "@" not in logs
    assert server.recipients() == [emails[0], emails[3]]


def test_cli_subscribers_and_notify_dry_run(mail_env: Path, model: Recommender) -> None:
    liked = liked_sets(model, 1)[0]
    env = {**os.environ}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "helpers", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    added = cli("subscribers", "add", "Marie.Curie@Example.FR", "--liked", *liked,
                "--frequency", "monthly", "--confirmed")
    assert (added.returncode, added.stdout) == (0, "abonné n° 1 actif (nouvelle adresse)\n")
    bad = cli("subscribers", "add", "marie\r\nBcc: x@y.fr", "--liked", *liked, "--confirmed")
    assert (bad.returncode, bad.stdout, bad.stderr) == (
        1, "", "Cette adresse e-mail n'est pas valide. Vérifiez-la, par exemple "
               "prenom.nom@exemple.fr.\n")
    listed = cli("subscribers", "list")
    assert listed.stdout == ("n° 1      actif        mensuel   2 films  Marie.Curie@example.fr\n"
                             "1 abonné(s) : 1 actif\n")
    dry = cli("notify", "--dry-run", "--now", "2025-01-31")
    assert dry.returncode == 0, dry.stderr
    outbox = mail_env / "outbox" / "2025-01-31"
    assert [p.name for p in outbox.iterdir()] == ["2025-01-1.eml"]
    assert "@" not in dry.stdout + dry.stderr
    exported = cli("subscribers", "export", "marie.curie@example.fr")
    [row] = json.loads(exported.stdout)
    assert (row["email"], row["liked"], row["send_log"]) == (
        "Marie.Curie@example.fr", sorted(liked), [])
    assert cli("subscribers", "delete", "marie.curie@example.fr").stdout == (
        "abonné effacé (adresse, films choisis, films envoyés, journal d'envoi)\n")
    missing = cli("subscribers", "delete", "marie.curie@example.fr")
    assert (missing.returncode, missing.stderr) == (1, "aucun abonné avec cette adresse\n")
    assert cli("subscribers", "list").stdout == "0 abonné(s)\n"


def test_relay_refusing_our_login_stops_the_run_and_keeps_the_digest_due(
        store, model: Recommender) -> None:
    from helpers.app.mail import MailConfigError

    add_subscribers(store, model, 2)
    with SmtpServer() as server:
        settings = config.SmtpSettings(port=server.port, user="cinema", password="x")
        with SmtpSender(settings) as sender, pytest.raises(MailConfigError, match="CINE_SMTP"):
            run_notify(store, model, MONDAY, sender, Identity.from_config(),
                       rate_per_minute=None, now=NOW)
    assert server.messages == []
    assert [d.id for d in store.due(MONDAY)] == [1, 2]
    assert store.export()[0]["send_log"][0]["status"] == "deferred"


def test_relay_refusing_the_connection_bounces_nobody(store, model: Recommender) -> None:
    """A 5xx to HELO/EHLO is the relay refusing the cinema, not a recipient: the run stops,
    every digest stays due and no subscriber is marked bounced (and later erased)."""
    from helpers.app.mail import MailConfigError

    add_subscribers(store, model, 2)
    with SmtpServer() as server:
        server.helo_reply = "554 5.7.1 no service for you"
        with SmtpSender(config.SmtpSettings(port=server.port)) as sender, \
                pytest.raises(MailConfigError, match="refuses the connection"):
            run_notify(store, model, MONDAY, sender, Identity.from_config(),
                       rate_per_minute=None, now=NOW)
    assert server.messages == []
    assert [d.id for d in store.due(MONDAY)] == [1, 2]
    assert [s["status"] for s in store.export()] == ["active", "active"]  # none bounced


def test_unreachable_relay_stops_the_run_after_the_retries(store, model: Recommender) -> None:
    from mail_fixtures import free_port

    add_subscribers(store, model, 3)
    waits: list[float] = []
    with SmtpSender(config.SmtpSettings(port=free_port(), timeout=2)) as sender:
        report = run_notify(store, model, MONDAY, sender, Identity.from_config(),
                            rate_per_minute=None, backoff=1.0, now=NOW, sleep=waits.append)
    assert (report.sent, report.deferred, report.left_for_next_run) == (0, 1, 2)
    assert waits == [1.0, 2.0, 4.0]
    assert [d.id for d in store.due(MONDAY)] == [1, 2, 3]
