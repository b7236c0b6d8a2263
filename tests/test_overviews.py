"""The synopses file written at fit: one film read at a time, in the catalogue's order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from helpers.reco import overviews


def catalogue(n: int) -> pd.DataFrame:
    texts = [f"  Résumé du film {i}.  " if i % 5 else None for i in range(n)]
    texts[7] = "   "  # blank: no synopsis
    return pd.DataFrame({"tconst": [f"tt{i:07d}" for i in range(n)], "overview": texts,
                         "year": range(n)})


def test_each_film_is_read_from_its_own_small_batch(tmp_path: Path) -> None:
    movies = catalogue(600)  # three batches of 256 rows: 256, 256, 88
    path = overviews.save_overviews(movies, tmp_path)
    assert path == tmp_path / overviews.FILE
    reader = pa.ipc.open_file(str(path))
    assert [reader.get_batch(i).num_rows for i in range(reader.num_record_batches)] == [
        256, 256, 88]
    assert reader.schema.names == ["tconst", "overview"]
    for position in (1, 254, 256, 257, 511, 512, 599):  # either side of each batch edge
        assert overviews.overview(tmp_path, position, f"tt{position:07d}") == (
            f"Résumé du film {position}.")
    assert overviews.overview(tmp_path, 0, "tt0000000") is None  # no synopsis
    assert overviews.overview(tmp_path, 7, "tt0000007") is None  # blank
    assert list(tmp_path.iterdir()) == [path]  # written atomically: no temporary left


def test_a_film_that_is_not_there_has_no_synopsis(tmp_path: Path) -> None:
    overviews.save_overviews(catalogue(300), tmp_path)
    assert overviews.overview(tmp_path, 12, "tt0000013") is None  # another film there
    assert overviews.overview(tmp_path, 300, "tt0000300") is None  # past the end
    assert overviews.overview(tmp_path, -1, "tt0000299") is None
    assert overviews.overview(tmp_path / "nowhere", 1, "tt0000001") is None
    (tmp_path / overviews.FILE).write_bytes(b"not arrow")
    assert overviews.overview(tmp_path, 1, "tt0000001") is None


def test_fit_writes_the_synopses_next_to_the_model(tiny_data_dir: Path) -> None:
    from helpers.reco.model import Recommender

    folder = tiny_data_dir / "models" / "recommender"
    model = Recommender.load(folder)
    processed = pd.read_parquet(tiny_data_dir / "processed" / "movies.parquet",
                                columns=["tconst", "overview"]).set_index("tconst")["overview"]
    for position in range(0, len(model.movies_), 97):
        tconst = model.movies_.index[position]
        text = processed[tconst]
        expected = text.strip() if isinstance(text, str) and text.strip() else None
        assert overviews.overview(folder, position, tconst) == expected
