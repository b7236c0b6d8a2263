"""``notify --dry-run`` for many synthetic subscribers: wall time, peak memory, per digest.

On a synthetic catalogue (``--scale tiny|small|full``, model fitted once into the bench
cache), ``--subscribers`` confirmed subscribers (1 to 5 liked films drawn ~ sqrt(votes))
are written to a fresh SQLite file, then the real dry run composes and writes every
digest as an ``.eml`` (one model load, one connection, due subscribers read in three
queries). Naive side by side, on ``--naive`` of them: the model loaded and a database
connection opened for each subscriber, their rows read one query at a time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from benchmarks.common import mb, measure
from benchmarks.dashboard import ensure_data_dir
from helpers.app.mail import Identity, OutboxSender, compose_digest
from helpers.app.notify import FilmCards, pick_films, run_notify
from helpers.app.subscriptions import Due, SubscriptionStore
from helpers.reco.model import Recommender

DAY = date(2025, 1, 6)
NOW = datetime(2025, 1, 6, 12, tzinfo=UTC)
IDENTITY = Identity("Ciné Creuse", "23000 Guéret", "films@cine.example.fr",
                    "https://cine.example.fr/")


def fill(store: SubscriptionStore, model: Recommender, n: int, seed: int = 0) -> float:
    """``n`` confirmed subscribers; returns the seconds taken (one transaction each)."""
    rng = np.random.default_rng(seed)
    movies = model.movies_
    weights = np.sqrt(movies["num_votes"].fillna(0).to_numpy(float)) + 1e-9
    p, ids = weights / weights.sum(), movies["tconst"].to_numpy()
    start = time.perf_counter()
    for i in range(n):
        liked = list(ids[rng.choice(len(ids), size=int(rng.integers(1, 6)), replace=False, p=p)])
        store.subscribe(f"abonne.{i}@example.fr", "weekly" if i % 3 else "monthly", liked,
                        consent=True, confirmed=True, now=NOW)
    return time.perf_counter() - start


def naive_digest(db: Path, model_path: Path, sub_id: int, outbox: OutboxSender) -> None:
    """One subscriber the naive way: load the model, open the database, query its rows."""
    model = Recommender.load(model_path)
    store = SubscriptionStore(db)
    row = store.conn.execute("SELECT * FROM subscribers WHERE id = ?", (sub_id,)).fetchone()
    liked = [r[0] for r in store.conn.execute(
        "SELECT tconst FROM liked_films WHERE subscriber_id = ?", (sub_id,))]
    sent = {r[0] for r in store.conn.execute(
        "SELECT tconst FROM films_sent WHERE subscriber_id = ?", (sub_id,))}
    due = Due(sub_id, row["email"], row["frequency"], "2025-W02", row["unsubscribe_token"],
              liked, sent)
    cards = FilmCards(model)
    films = pick_films(model, cards, due)
    msg = compose_digest(due.email, films, [cards.title(t) or "" for t in liked], due.frequency,
                         due.unsubscribe_token, IDENTITY, now=NOW)
    outbox.send(msg, name=f"naive-{sub_id}")
    store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers bench notify", description=__doc__)
    parser.add_argument("--scale", choices=("tiny", "small", "full"), default="small")
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--naive", type=int, default=100,
                        help="subscribers run the naive way (extrapolated to all)")
    args = parser.parse_args(argv)
    data = ensure_data_dir(args.scale)
    model_path = data / "models" / "recommender"
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp:
        db = Path(tmp) / "subscribers.sqlite3"
        store = SubscriptionStore(db)
        model = Recommender.load(model_path)
        print(f"notify --dry-run, {args.subscribers:,} subscribers, {args.scale} catalogue "
              f"({len(model.index_):,} films)")
        seconds = fill(store, model, args.subscribers)
        print(f"  setup: {args.subscribers:,} subscriptions written in {seconds:.1f} s "
              f"({seconds / args.subscribers * 1000:.2f} ms each, one transaction each)")
        store.close()
        del model
        cpu = time.process_time()
        with measure(os.getpid()) as run:
            store = SubscriptionStore(db)
            model = Recommender.load(model_path)
            outbox = OutboxSender(Path(tmp) / "outbox")
            report = run_notify(store, model, DAY, outbox, IDENTITY, now=NOW)
            store.close()
        run_cpu = time.process_time() - cpu
        n = report.sent
        size = sum(p.stat().st_size for p in outbox.written)
        print(f"  batched (the command): {n:,} digests in {run.seconds:.1f} s, "
              f"{run.seconds / max(n, 1) * 1000:.2f} ms per digest "
              f"(CPU {run_cpu / max(n, 1) * 1000:.2f} ms), "
              f"peak RSS {mb(run.peak_rss)}, "
              f"{size / max(n, 1) / 1024:.1f} KiB per .eml")
        naive_out = OutboxSender(Path(tmp) / "naive")
        ids = list(range(1, min(args.naive, args.subscribers) + 1))
        cpu = time.process_time()
        with measure(os.getpid()) as naive:
            for sub_id in ids:
                naive_digest(db, model_path, sub_id, naive_out)
        per, naive_cpu = naive.seconds / len(ids), (time.process_time() - cpu) / len(ids)
        print(f"  naive (model load + connection per subscriber): {len(ids)} digests in "
              f"{naive.seconds:.1f} s, {per * 1000:.2f} ms per digest "
              f"(CPU {naive_cpu * 1000:.2f} ms), "
              f"peak RSS {mb(naive.peak_rss)}, extrapolated to "
              f"{args.subscribers:,}: {per * args.subscribers:.0f} s "
              f"(x{per * max(n, 1) / max(run.seconds, 1e-9):.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
