"""The content recommender on a tiny hand-made catalogue with known answers."""

from __future__ import annotations

import dataclasses
import json
import mmap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers import cli
from helpers.audience import AudienceProfile
from helpers.errors import CineError
from helpers.reco.model import COLUMNS, FIT_ONLY, FeatureWeights, Recommender, fit_and_save
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


@pytest.fixture(scope="module")
def base_model() -> Recommender:
    """Without the learned re-ranking: the base score the trees start from."""
    return Recommender(learned_rerank=False).fit(catalogue())


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


def test_avoid_lowers_similar_films(base_model: Recommender) -> None:
    model = base_model  # the base score (the re-ranker only re-orders its best films)
    base = model.recommend([LIKED], k=100).set_index("tconst")["score"]
    avoided = model.recommend([LIKED], k=100, avoid=[HORROR_TWIN]).set_index("tconst")
    assert HORROR_TWIN not in avoided.index
    drop = base - avoided["score"]
    assert drop[HORROR] > 0.1
    assert drop[HORROR] > 2 * drop[SAME_DIRECTOR]  # it only shares a runtime with the avoided film
    assert avoided.index[0] == SAME_DIRECTOR


def test_profile_uses_every_liked_film(base_model: Recommender) -> None:
    assert set(ranked(base_model, [LIKED, HORROR])[:2]) == {SAME_DIRECTOR, HORROR_TWIN}


def test_re_ranking_keeps_the_films_of_the_same_directors(model: Recommender) -> None:
    """The trees never saw credits: the people part of the score is added back after them
    (without that, the same-director comedy fell out of the top 5 behind saga films)."""
    top = ranked(model, [LIKED, HORROR])
    assert top[:3] == [HORROR_TWIN, FRENCH_CLASSIC, SAME_DIRECTOR]
    assert ranked(model, [LIKED])[0] == SAME_DIRECTOR


def test_mmr_avoids_near_copies() -> None:
    movies = catalogue()
    plain = Recommender(dataclasses.replace(FeatureWeights(), diversity=0.0),
                        learned_rerank=False).fit(movies)
    varied = Recommender(dataclasses.replace(FeatureWeights(), diversity=0.6),
                         learned_rerank=False).fit(movies)  # MMR is for the base order
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
    movies.loc[movies["tconst"] == LIKED, "num_votes"] = 200_000
    model = Recommender(learned_rerank=False).fit(movies)  # the base score's priors
    normal = model.recommend([LIKED], k=100).set_index("tconst")["score"]
    discovery = model.recommend([LIKED], k=100, discovery=True).set_index("tconst")["score"]
    w, pop = model.weights, dict(zip(model.index_, model.popularity_, strict=True))
    assert pop[HORROR] == 1.0 and pop[SAME_DIRECTOR] == 0.0
    # the priors are scaled by the share kept and by the liked film's own popularity
    gap = w.prior_scale * pop[LIKED] * (w.popularity - w.discovery_popularity) * pop[HORROR]
    assert pop[LIKED] == pytest.approx(0.8526, abs=1e-4)
    assert normal[HORROR] - discovery[HORROR] == pytest.approx(gap, abs=1e-6)
    assert normal[SAME_DIRECTOR] == pytest.approx(discovery[SAME_DIRECTOR], abs=1e-6)
    reasons = model.recommend([LIKED], k=100).set_index("tconst")["reason"]
    assert reasons[HORROR] == "très apprécié du public (note 8,0/10)"  # shares nothing else
    assert reasons[LONG_HORROR] == "dans la lignée de vos choix"  # nothing shared, not famous


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
    for matrix in (loaded.items_, loaded.postings_):
        assert all(_mapped(getattr(matrix, part)) for part in ("data", "indices", "indptr"))
    assert _mapped(loaded.kernel_codes_)


def test_query_similarities_equal_the_item_matrix_product(model: Recommender,
                                                          tmp_path: Path) -> None:
    """Inverted index for the sparse blocks + code tables for the kernel blocks = items x items."""
    from helpers.reco.features import KERNELS

    loaded = Recommender.load(model.save(tmp_path / "recommender"))
    gram = (model.items_ @ model.items_.T).toarray()
    rows = np.array([0, 3, len(gram) - 1])
    for m in (model, loaded):
        np.testing.assert_allclose(m._similarities(rows), gram[rows], atol=2e-6)
    assert loaded.split_ == model.layout_[KERNELS[0]][0]  # kernel blocks are the last columns
    period = list(model.layout_).index("period") - list(model.layout_).index(KERNELS[0])
    year = model.movies_["year"]  # one code per distinct year, and one for unknown years
    assert len(model.kernel_tables_[period]) == year.dropna().nunique() + year.isna().any()


def test_saved_catalogue_is_most_voted_first(tmp_path: Path) -> None:
    """``fit`` (the production path, ``fit_and_save``) saves the films queries touch together
    at the start of the catalogue (a kernel maps few of its pages); ties keep the table's
    order. The evaluation's catalogues keep theirs (it reads films by position)."""
    movies = catalogue()
    movies["num_votes"] = np.arange(len(movies)) % 3 * 1000  # 0, 1000, 2000, 0, ...
    processed = tmp_path / "processed"
    processed.mkdir()
    pq.write_table(pa.Table.from_pandas(movies, schema=MOVIES), processed / "movies.parquet")
    fit_and_save(processed, tmp_path / "model")
    expected = (movies.iloc[np.argsort(-movies["num_votes"].to_numpy(), kind="stable")]
                ["tconst"].tolist())
    assert Recommender.load(tmp_path / "model").movies_["tconst"].tolist() == expected
    assert expected[0] == movies["tconst"].iloc[2] and set(expected) == set(movies["tconst"])
    assert Recommender().fit(movies).movies_["tconst"].tolist() == movies["tconst"].tolist()


def _mapped(array: object) -> bool:
    """Whether ``array`` is a view of a memory-mapped file."""
    while array is not None and not isinstance(array, mmap.mmap):
        array = getattr(array, "base", None)
    return array is not None


def test_model_of_an_older_format_asks_for_a_refit(model: Recommender, tmp_path: Path) -> None:
    path = model.save(tmp_path / "recommender")
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps({**meta, "format": 3}))  # before the tables
    with pytest.raises(CineError, match=r"format 3 != 4.*python -m helpers fit"):
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
    """The evaluation's batched path ranks exactly like a production query (more queries
    than one block of the re-ranker, of mixed sizes)."""
    from helpers.reco import rerank

    model = Recommender().fit(catalogue())
    queries = [[0], [0, 3], [5, 6, 7, 8, 9]] + [[i] for i in range(1, rerank.BLOCK + 1)]
    batched = model.rank(queries, k=4)
    for query, row in zip(queries, batched, strict=True):
        ids = model.index_[query].tolist()
        expected = model.recommend(ids, k=4, local_preference=0.0)["tconst"].tolist()
        assert model.index_[row].tolist() == expected


def test_fit_rejects_a_table_without_the_needed_columns() -> None:
    with pytest.raises(CineError, match=r"lacks columns \['genres'\]"):
        Recommender().fit(catalogue().drop(columns="genres"))


# ------------------------------------------------------------------ version 2
def test_title_block_needs_two_adjacent_shared_words() -> None:
    from helpers.reco.features import tfidf, title_documents

    titles = ["Finding Nemo", "Finding Neverland", "Toy Story", "Toy Story 2", "Up", "Cars",
              "Heat", "Alien", "Brave", "Coco", "Frozen", "Rocky"]
    movies = pd.DataFrame({"primary_title": titles, "original_title": titles,
                           "french_title": [None] * len(titles)})
    block = tfidf(title_documents(movies), min_df=2, max_df=0.2, pairs=True)
    gram = (block @ block.T).toarray()
    assert gram[0, 1] == 0.0  # "finding" alone relates nothing
    assert gram[2, 3] == pytest.approx(1.0)  # "toy story" (the digit is no word)


def test_people_weights_add_to_the_learned_scale() -> None:
    from helpers.reco.features import build_blocks, combine, layout

    movies = catalogue()
    blocks = build_blocks(movies)
    weights = FeatureWeights().similarity()
    places = layout(blocks, weights)
    learned = sum(weights[b] for b in places if b not in ("directors", "writers", "cast"))
    assert places["directors"][2] == pytest.approx(np.sqrt(weights["directors"] / learned))
    items = combine(blocks, weights)
    assert items.shape[1] == max(stop for _, stop, _ in places.values())
    # without any credits, the learned blocks alone make a weighted mean (self-similarity 1
    # for a film that has every learned block)
    no_people = {**blocks, **{b: blocks[b][:, :0] for b in ("directors", "writers", "cast")}}
    assert set(layout(no_people, weights)) == set(places) - {"directors", "writers", "cast"}


def test_recency_weights_favour_the_last_liked_film() -> None:
    w = dataclasses.replace(FeatureWeights(), best_match=0.0, no_genre=0.0, recency=0.5)
    model = Recommender(w).fit(catalogue())
    pos = model._positions([HORROR, LIKED])
    sims = model._similarities(pos)
    scores = model._scores([list(pos)])[0]
    fame = model.popularity_[pos].mean()
    expected = (0.5 * sims[0] + 1.0 * sims[1]) / 1.5 + fame * model._priors(False)
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)


def test_films_sharing_no_genre_are_penalised() -> None:
    model = Recommender().fit(catalogue())
    with_penalty = model._scores([model._positions([LIKED]).tolist()])[0]
    free = Recommender(dataclasses.replace(model.weights, no_genre=0.0)).fit(catalogue())
    without = free._scores([free._positions([LIKED]).tolist()])[0]
    gap = dict(zip(model.index_, without - with_penalty, strict=True))
    assert gap[HORROR] == pytest.approx(model.weights.no_genre)  # Horror vs Comedy/Drama
    assert gap[SAME_DIRECTOR] == 0.0 and gap[FRENCH_CLASSIC] == 0.0  # Comedy shared


def test_era_alone_is_no_reason_and_close_overviews_are_one() -> None:
    movies = catalogue()
    text = "a lighthouse keeper and his daughter fight a storm on the breton coast"
    movies.loc[movies["tconst"] == HORROR, "year"] = 1995
    movies.loc[movies["tconst"] == HORROR_TWIN, "year"] = 1996
    movies.loc[movies["tconst"].isin([LIKED, SAGA_COUSIN]), "overview"] = text
    model = Recommender().fit(movies)
    liked, horror, twin, cousin = model._positions([LIKED, HORROR, HORROR_TWIN, SAGA_COUSIN])
    # next to another reason, a close year is said
    assert model.explain([horror], twin) == (
        "même réalisateur (Carl Horror), même genre : Horreur, même époque (années 1990)")
    # LIKED (1995, Comedy/Drama, French) and HORROR (now 1995): only the era in common
    assert model.explain([liked], horror) == "dans la lignée de vos choix"
    # SAGA_COUSIN (2006, Adventure/Fantasy) tells the same story as LIKED
    assert model._block_similarity("text", [liked], [cousin]).tolist() == pytest.approx([1.0])
    assert model.explain([liked], cousin) == "histoire et thèmes proches de vos choix"


def test_priors_follow_the_liked_films_renown() -> None:
    movies = catalogue()
    movies.loc[movies["tconst"] == HORROR, "num_votes"] = 900_000
    movies.loc[movies["tconst"] == SAME_ACTOR, "num_votes"] = 10
    model = Recommender().fit(movies)
    famous, unknown = model._positions([HORROR]), model._positions([SAME_ACTOR])
    assert model.popularity_[famous[0]] == 1.0 and model.popularity_[unknown[0]] == 0.0
    base = Recommender(dataclasses.replace(model.weights, prior_scale=0.0)).fit(movies)
    assert np.allclose(model._scores([unknown.tolist()]), base._scores([unknown.tolist()]))
    lift = model._scores([famous.tolist()])[0] - base._scores([famous.tolist()])[0]
    np.testing.assert_allclose(lift, model._priors(False), rtol=1e-5, atol=1e-7)


def test_popularity_reason_share_counts_what_recommend_says() -> None:
    from helpers.reco.evaluate import popularity_reason_share

    movies = catalogue()
    movies.loc[movies["tconst"] == HORROR, "num_votes"] = 500_000
    movies.loc[movies["tconst"].isin([LIKED, SAGA[0]]), "num_votes"] = 200_000
    model = Recommender(dataclasses.replace(FeatureWeights(), no_genre=0.0)).fit(movies)
    queries = [model._positions([LIKED]).tolist(), model._positions([SAGA[0]]).tolist()]
    lists = model.rank(queries, k=6)
    reasons = [r for q in (LIKED, SAGA[0])
               for r in model.recommend([q], k=6, local_preference=0.0)["reason"]]
    expected = sum(r.startswith("très apprécié du public") for r in reasons) / len(reasons)
    assert expected > 0
    assert popularity_reason_share(model, queries, lists) == pytest.approx(expected)


def test_a_plain_string_is_one_id_or_genre_not_its_characters() -> None:
    """Regression: ``avoid`` / ``exclude`` given as a string were iterated character by
    character and silently ignored (and ``genres="Comedy"`` the same)."""
    model = Recommender().fit(catalogue())
    top = model.recommend(LIKED, k=3)["tconst"].tolist()
    assert top[0] == SAME_DIRECTOR
    for option in ("exclude", "avoid"):
        shown = model.recommend(LIKED, k=3, **{option: SAME_DIRECTOR})["tconst"].tolist()
        assert SAME_DIRECTOR not in shown, option
    as_list = model.recommend(LIKED, k=3, genres=["Comedy"])["tconst"].tolist()
    assert model.recommend(LIKED, k=3, genres="Comedy")["tconst"].tolist() == as_list
    assert as_list and set(as_list) != set(top)
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


def test_no_genre_penalty_survives_the_re_ranking(model: Recommender) -> None:
    """The trees hand the base scores out again; a film sharing no genre with the liked
    films is then penalised once more (without it: 1.08 % popularity-only reasons)."""
    from helpers.reco import rerank

    liked = [int(model.index_.get_loc(LIKED))]
    base = model._scores([liked])
    base[0, liked] = -np.inf
    handed = base.copy()
    cands = rerank.rerank(model, model.trees_, [liked], handed)[0]
    final = base.copy()
    model._final([liked], final, 0.0)
    handed, final = handed[0], final[0]
    genres = set(model.movies_.loc[LIKED, "genres"])
    alien = [model.movies_["genres"].iloc[j] is None or not genres & set(model.movies_[
        "genres"].iloc[j]) for j in cands]
    assert any(alien) and not all(alien)
    np.testing.assert_allclose(final[cands], handed[cands] - model.weights.no_genre
                               * np.asarray(alien), atol=1e-6)
