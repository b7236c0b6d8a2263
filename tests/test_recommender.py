"""The content recommender on a tiny hand-made catalogue with known answers."""

from __future__ import annotations

import dataclasses
import json
import mmap
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import cli
from helpers.audience import AudienceProfile
from helpers.errors import CineError
from helpers.reco.model import COLUMNS, FIT_ONLY, FeatureWeights, Recommender
from helpers.schema import MOVIES

LIKED = "tt0000001"
SAME_DIRECTOR = "tt0000002"
SAME_ACTOR = "tt0000003"
HORROR = "tt0000004"
HORROR_TWIN = "tt0000005"
SAGA = ("tt0000011", "tt0000012", "tt0000013", "tt0000014")  # liked + three near-copies
SAGA_COUSIN = "tt0000015"
FRENCH_CLASSIC = "tt0000020"
LONG_HORROR = "tt0000021"


def film(tconst: str, **values: object) -> dict:
    """A MOVIES row with neutral defaults (same votes and rating: no prior differences)."""
    row = {name: None for name in MOVIES.names}
    row.update(tconst=tconst, primary_title=tconst, original_title=tconst, year=2000,
               runtime=100, average_rating=6.5, num_votes=1000, tmdb_vote_count=100,
               tmdb_vote_average=6.5, original_language="en", is_french=False, overview="",
               tagline="")
    for col in ("genres", "directors", "director_names", "writers", "writer_names", "cast",
                "cast_names", "keywords", "countries", "companies"):
        row[col] = []
    row.update(values)
    return row


def catalogue() -> pd.DataFrame:
    dupont = {"directors": ["nm01"], "director_names": ["Jean Dupont"]}
    saga = {"genres": ["Adventure", "Fantasy"], "directors": ["nm20"],
            "director_names": ["Ann Saga"], "collection": "Saga", "year": 2005,
            "companies": ["Big Studio"]}
    rows = [
        film(LIKED, genres=["Comedy", "Drama"], year=1995, original_language="fr",
             countries=["FR"], is_french=True, cast=["nm10", "nm11", "nm12"],
             cast_names=["Ana", "Bob", "Cid"], **dupont),
        film(SAME_DIRECTOR, genres=["Comedy", "Drama"], year=1997, original_language="fr",
             countries=["FR"], is_french=True, **dupont),
        film(SAME_ACTOR, genres=["Action"], year=2010, cast=["nm99", "nm10"],
             cast_names=["Zed", "Ana"], average_rating=7.5),
        film(HORROR, genres=["Horror"], year=1960, countries=["US"], average_rating=8.0,
             directors=["nm30"], director_names=["Carl Horror"]),
        film(HORROR_TWIN, genres=["Horror"], year=1962, countries=["US"],
             directors=["nm30"], director_names=["Carl Horror"]),
        *[film(t, **saga) for t in SAGA],
        film(SAGA_COUSIN, genres=["Adventure", "Fantasy"], year=2006),
        film(FRENCH_CLASSIC, genres=["Comedy"], year=1975, runtime=95, original_language="fr",
             countries=["FR"], is_french=True),
        film(LONG_HORROR, genres=["Horror"], year=2015, runtime=200),
    ]
    return pa.Table.from_pylist(rows, schema=MOVIES).to_pandas()


@pytest.fixture(scope="module")
def model() -> Recommender:
    return Recommender().fit(catalogue())


def ranked(model: Recommender, liked: list[str], **kwargs: object) -> list[str]:
    return model.recommend(liked, k=100, **kwargs)["tconst"].tolist()


def test_same_director_and_genres_ranks_first(model: Recommender) -> None:
    recs = model.recommend([LIKED], k=3)
    assert list(recs.columns) == list(COLUMNS)
    assert recs["tconst"].iloc[0] == SAME_DIRECTOR


def test_reason_names_the_shared_director_genres_period_and_language(model: Recommender) -> None:
    reason = model.recommend([LIKED], k=1)["reason"].iloc[0]
    assert reason == ("même réalisateur (Jean Dupont), mêmes genres : Comédie, Drame, "
                      "même époque (années 1990), même langue (français)")


def test_reason_names_actors_in_common(model: Recommender) -> None:
    recs = model.recommend([LIKED], k=100).set_index("tconst")
    assert recs.loc[SAME_ACTOR, "reason"] == "acteur en commun (Ana)"


def test_liked_and_excluded_films_are_never_returned() -> None:
    model = Recommender(max_per_collection=len(SAGA)).fit(catalogue())
    recs = ranked(model, [LIKED], exclude=[SAME_DIRECTOR])
    assert LIKED not in recs and SAME_DIRECTOR not in recs
    assert len(recs) == len(catalogue()) - 2


def test_filters_are_respected(model: Recommender) -> None:
    movies = catalogue().set_index("tconst")
    in_90s = ranked(model, [LIKED], decades=(1990, 1990))
    assert in_90s == [SAME_DIRECTOR]
    sixties_seventies = ranked(model, [LIKED], decades=(1960, 1970))
    assert set(sixties_seventies) == {HORROR, HORROR_TWIN, FRENCH_CLASSIC}
    assert set(ranked(model, [LIKED], genres=["Horror", "Action"])) == {
        HORROR, HORROR_TWIN, LONG_HORROR, SAME_ACTOR}
    assert ranked(model, [LIKED], genres=["Comédie"]) == ranked(model, [LIKED], genres=["Comedy"])
    good = ranked(model, [LIKED], min_rating=7.0)
    assert set(good) == {SAME_ACTOR, HORROR}
    assert (movies.loc[good, "average_rating"] >= 7.0).all()
    assert set(ranked(model, [LIKED], french_only=True)) == {SAME_DIRECTOR, FRENCH_CLASSIC}


def test_empty_after_filters_gives_an_empty_frame(model: Recommender) -> None:
    recs = model.recommend([LIKED], genres=["Western"])
    assert recs.empty and list(recs.columns) == list(COLUMNS)


def test_unknown_ids(model: Recommender) -> None:
    with pytest.raises(CineError, match=r"^identifiant\(s\) IMDb inconnu\(s\) : tt9999999$"):
        model.recommend(["tt9999999"])
    pd.testing.assert_frame_equal(model.recommend(["tt9999999", LIKED]),
                                  model.recommend([LIKED]))


def test_avoid_lowers_similar_films(model: Recommender) -> None:
    base = model.recommend([LIKED], k=100).set_index("tconst")["score"]
    avoided = model.recommend([LIKED], k=100, avoid=[HORROR_TWIN]).set_index("tconst")
    assert HORROR_TWIN not in avoided.index
    drop = base - avoided["score"]
    assert drop[HORROR] > 0.1
    assert drop[HORROR] > 2 * drop[SAME_DIRECTOR]  # it only shares a runtime with the avoided film
    assert avoided.index[0] == SAME_DIRECTOR


def test_profile_uses_every_liked_film(model: Recommender) -> None:
    assert set(ranked(model, [LIKED, HORROR])[:2]) == {SAME_DIRECTOR, HORROR_TWIN}


def test_mmr_avoids_near_copies() -> None:
    movies = catalogue()
    plain = Recommender(dataclasses.replace(FeatureWeights(), diversity=0.0)).fit(movies)
    varied = Recommender(dataclasses.replace(FeatureWeights(), diversity=0.6)).fit(movies)
    assert set(plain.recommend([SAGA[0]], k=3)["tconst"]) == set(SAGA[1:])
    top = varied.recommend([SAGA[0]], k=3)["tconst"].tolist()
    assert top[0] in SAGA and sum(t in SAGA for t in top) == 1


def test_collection_cap() -> None:
    capped = Recommender(max_per_collection=2).fit(catalogue())
    top = capped.recommend([SAGA[0]], k=3)["tconst"].tolist()
    assert sum(t in SAGA for t in top) == 2 and top[0] in SAGA


def test_local_preference_adds_the_audience_bonus() -> None:
    audience = AudienceProfile(local_preference=0.5, favoured_genres=("Comedy",),
                               french_bonus=2.0, favoured_decades=(1970,), max_runtime=150)
    model = Recommender(audience=audience).fit(catalogue())
    off = model.recommend([LIKED], k=100, local_preference=0.0).set_index("tconst")["score"]
    on = model.recommend([LIKED], k=100, local_preference=1.0).set_index("tconst")["score"]
    # the French 1975 comedy of 95 min matches every local taste; the 2015 horror film of
    # 200 min matches none
    assert on[FRENCH_CLASSIC] - off[FRENCH_CLASSIC] == pytest.approx(model.weights.local)
    assert on[LONG_HORROR] == pytest.approx(off[LONG_HORROR])
    # the 1997 French comedy: genre (1), French (2) and runtime (1) of 3 + 2 -> 4/5
    assert on[SAME_DIRECTOR] - off[SAME_DIRECTOR] == pytest.approx(model.weights.local * 0.8)
    default = model.recommend([LIKED], k=100).set_index("tconst")["score"]
    assert default[FRENCH_CLASSIC] - off[FRENCH_CLASSIC] == pytest.approx(
        0.5 * model.weights.local)


def test_discovery_lowers_the_popularity_prior() -> None:
    movies = catalogue()
    movies.loc[movies["tconst"] == HORROR, "num_votes"] = 500_000
    model = Recommender().fit(movies)
    normal = model.recommend([LIKED], k=100).set_index("tconst")["score"]
    discovery = model.recommend([LIKED], k=100, discovery=True).set_index("tconst")["score"]
    gap = model.weights.popularity - model.weights.discovery_popularity
    assert normal[HORROR] - discovery[HORROR] == pytest.approx(gap, abs=1e-6)
    reasons = model.recommend([LIKED], k=100).set_index("tconst")["reason"]
    assert reasons[HORROR] == "très apprécié du public (note 8,0/10)"  # shares nothing else
    assert reasons[LONG_HORROR] == "histoire et ton proches de vos choix"


def test_save_load_round_trip(model: Recommender, tmp_path: Path) -> None:
    path = model.save(tmp_path / "recommender")
    loaded = Recommender.load(path)
    for liked in ([LIKED], [LIKED, HORROR], [SAGA[0]]):
        pd.testing.assert_frame_equal(loaded.recommend(liked, k=5, french_only=False),
                                      model.recommend(liked, k=5))
    assert loaded.movies_.loc[SAME_DIRECTOR, "primary_title"] == SAME_DIRECTOR
    assert loaded.weights == model.weights
    assert "overview" in model.movies_ and not set(FIT_ONLY) & set(loaded.movies_.columns)
    # the item matrix is read from the file's pages (shared by the dashboard's kernels)
    assert all(_mapped(getattr(loaded.items_, part)) for part in ("data", "indices", "indptr"))


def _mapped(array: object) -> bool:
    """Whether ``array`` is a view of a memory-mapped file."""
    while array is not None and not isinstance(array, mmap.mmap):
        array = getattr(array, "base", None)
    return array is not None


def test_model_of_an_older_format_asks_for_a_refit(model: Recommender, tmp_path: Path) -> None:
    path = model.save(tmp_path / "recommender")
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps({**meta, "format": 1}))
    with pytest.raises(CineError, match=r"format 1 != 2.*python -m helpers fit"):
        Recommender.load(path)


def test_load_missing_model_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(CineError, match="python -m helpers fit"):
        Recommender.load(tmp_path / "nothing")


def test_fit_command_writes_a_loadable_model(tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    processed.mkdir()
    pq.write_table(pa.Table.from_pandas(catalogue(), schema=MOVIES), processed / "movies.parquet")
    out = tmp_path / "model"
    assert cli.main(["fit", "--processed", str(processed), "--out", str(out)]) == 0
    assert Recommender.load(out).recommend([LIKED], k=1)["tconst"].tolist() == [SAME_DIRECTOR]


def test_batched_rank_matches_recommend() -> None:
    """The evaluation's batched path ranks exactly like a production query."""
    model = Recommender().fit(catalogue())
    queries = [[0], [0, 3], [5, 6, 7, 8, 9]]
    batched = model.rank(queries, k=4)
    for query, row in zip(queries, batched, strict=True):
        ids = model.index_[query].tolist()
        expected = model.recommend(ids, k=4, local_preference=0.0)["tconst"].tolist()
        assert model.index_[row].tolist() == expected


def test_fit_rejects_a_table_without_the_needed_columns() -> None:
    with pytest.raises(CineError, match=r"lacks columns \['genres'\]"):
        Recommender().fit(catalogue().drop(columns="genres"))


def test_a_missing_collection_or_language_is_not_a_shared_label() -> None:
    """pandas 3 reads a missing string as NaN (pandas 2: None); NaN once became a "nan"
    collection and language shared by every film lacking one (a bug only the Colab check,
    on pandas 2.2, showed: tests/colab/check.py)."""
    from helpers.reco.features import build_blocks

    movies = catalogue()
    unknown = movies["tconst"].isin([HORROR, HORROR_TWIN])
    movies["original_language"] = movies["original_language"].where(~unknown)
    blocks = build_blocks(movies)
    in_saga = movies["collection"].eq("Saga").to_numpy()
    assert blocks["collection"].shape[1] == 1  # "Saga" only
    assert blocks["collection"].getnnz(axis=1).tolist() == in_saga.astype(int).tolist()
    assert blocks["language"].shape[1] == 2  # "en" and "fr"
    assert blocks["language"].getnnz(axis=1).tolist() == (~unknown).astype(int).tolist()
