"""Find a film from what a French customer types: title, typo, partial input or IMDb id.

Titles (French from the FR akas, original and primary) are normalised once when the
index is built: accents, case and punctuation ignored, a leading article dropped.
A query gathers candidates in stages, from cheap to costly (same name or word-prefix
hits, then whole names a few edits away, then names with a word close to a query
word), scores only those with rapidfuzz's WRatio and stops as soon as one is good
enough. Near-equal scores are ranked by popularity (IMDb votes), so homonyms show
the well-known film first. ``fit`` saves the index of the model's catalogue next to
the model (:meth:`TitleIndex.cached`): a dashboard kernel maps it instead of building it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from rapidfuzz import fuzz, process

from helpers.errors import CineError
from helpers.files import code_version, map_arrow, staged_folder, write_arrow

#: Queries longer than this are not titles (pasted text, garbage): the search gives an empty
#: result and the dashboard refuses them with a message.
MAX_QUERY_CHARS = 200
#: WRatio score (0-100) from which a title counts as a match rather than a suggestion.
MATCH_SCORE = 80.0
#: WRatio score from which the search stops looking further (costlier stages skipped).
GOOD_ENOUGH = 90.0
#: Lowest WRatio score of a suggestion offered when nothing matches.
SUGGEST_SCORE = 50.0
#: Ranking points given to the most-voted film (log scale), to order homonyms.
POPULARITY_POINTS = 4.0
#: Leading words ignored on both sides ("Le Parrain" == "parrain", "The Dark Knight").
ARTICLES = frozenset({"le", "la", "les", "l", "un", "une", "des", "the", "a", "an"})

_CANDIDATES = 100  # whole-name fuzzy and word-prefix candidates per query
_POSTINGS = 50  # most popular names kept per matched word or per group of homonyms
_KINDS = ("french", "original", "primary")  # name kinds, by display preference
_SEARCHED = ("tconst", "primary_title", "original_title", "french_title", "year", "num_votes")
#: Subfolder of a saved model holding the index of its catalogue (see TitleIndex.cached).
INDEX_FOLDER = "titles"
#: The index's film table in its folder (Arrow IPC, mapped by a dashboard kernel).
_FILMS_FILE = "films.arrow"
_SAVED_ARRAYS = ("name_film", "name_kind", "name_code", "homonyms_values", "homonyms_starts",
                 "postings_values", "postings_starts")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o",
                            "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ß": "ss"})
_NON_WORD = re.compile(r"[\W_]+")
#: Word substitutions applied on both sides: "&"/"and" meet "et", sequel numerals meet digits
#: ("Rocky II" == "rocky 2"; lone i, v, x are left alone: "I, Robot", "Malcolm X").
_SAME_WORD = {"and": "et", "ii": "2", "iii": "3", "iv": "4", "vi": "6", "vii": "7",
              "viii": "8", "ix": "9"}
_IMDB_ID = re.compile(r"(?:.*imdb\.com/title/)?(tt\d{7,9})/?", re.IGNORECASE)
_TRAILING_YEAR = re.compile(r"^(?P<text>.*?)[\s,]*(?P<open>\(?)(?P<year>(?:18|19|20)\d\d)\)?$")


def fold_accents(text: str) -> str:
    """Lower case without accents (``"Été"`` -> ``"ete"``): what a hurried customer types."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def normalize(text: str, typing: bool = False) -> str:
    """Lower-case accent-free words, one space apart: ``"L'Été & l'Œuf"`` -> ``"l ete et l oeuf"``.

    ``&`` and ``and`` both become ``et``, sequel numerals ``ii``-``ix`` become digits, except
    the last word of a title being ``typing`` (``"Les Vi"`` is the start of ``"Visiteurs"``).
    """
    text = fold_accents(text.translate(_LIGATURES))
    words = _NON_WORD.sub(" ", text.replace("&", " et ")).split()
    last = len(words) - 1 if typing else len(words)
    return " ".join(w if i == last else _SAME_WORD.get(w, w) for i, w in enumerate(words))


def title_key(text: str, typing: bool = False) -> str:
    """The searchable form of a title or query: normalised (see :func:`normalize`), leading
    article dropped."""
    words = normalize(text, typing).split()
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return " ".join(words)


def typo(text: str, rng: np.random.Generator) -> str:
    """One keyboard slip (swap, drop, double or replace a letter) in the longest word.

    Used to test typo tolerance (benchmark, notebook 04).
    """
    words = text.split()
    i = max(range(len(words)), key=lambda j: len(words[j]))
    w = words[i]
    if len(w) < 4:
        return text
    p = int(rng.integers(1, len(w) - 1))
    slip = rng.integers(4)
    if slip == 0:
        w = w[:p - 1] + w[p] + w[p - 1] + w[p + 1:]
    elif slip == 1:
        w = w[:p] + w[p + 1:]
    elif slip == 2:
        w = w[:p] + w[p] + w[p:]
    else:
        w = w[:p] + "aeiourstn"[int(rng.integers(9))] + w[p + 1:]
    words[i] = w
    return " ".join(words)


def split_year(query: str) -> tuple[str, int | None, bool]:
    """``"Dune (2021)"`` -> ``("Dune", 2021, True)``; a bare final year gives ``False``."""
    found = _TRAILING_YEAR.match(query.strip())
    if found is None or not normalize(found["text"]):
        return query, None, False
    return found["text"], int(found["year"]), bool(found["open"])


@dataclass(frozen=True)
class Match:
    """A film found for a query; ``title`` is the French title when there is one."""

    tconst: str
    title: str
    original_title: str
    year: int | None
    score: float  # WRatio similarity 0-100 of the best-matching name (100 for an id)
    matched_on: str  # "id" | "french" | "original" | "primary"

    @property
    def label(self) -> str:
        """Title and year, as shown to the customer: ``"Dune (2021)"``."""
        return f"{self.title} ({self.year})" if self.year is not None else self.title


@dataclass(frozen=True)
class SearchResult:
    """Good matches, best first; when there is none, the closest titles as suggestions."""

    matches: list[Match] = field(default_factory=list)
    suggestions: list[Match] = field(default_factory=list)


class TitleIndex:
    """Search structure over a film catalogue (MOVIES schema); build once, query often."""

    def __init__(self, movies: pd.DataFrame) -> None:
        titles = self._set_films(movies)
        # Names (normalised titles) in popularity order: the first hits of a scan are the
        # known films. Each distinct name is kept once (homonyms share it).
        codes: dict[str, int] = {}
        words: dict[str, int] = {}
        name_film: list[int] = []
        name_kind: list[int] = []
        name_code: list[int] = []
        posting_word: list[int] = []
        posting_name: list[int] = []
        for i, film_titles in enumerate(zip(*titles, strict=True)):
            seen = set()
            for kind, title in enumerate(film_titles):
                key = title_key(title)
                if key and key not in seen:
                    seen.add(key)
                    for word in set(key.split()):
                        posting_word.append(words.setdefault(word, len(words)))
                        posting_name.append(len(name_film))
                    name_film.append(i)
                    name_kind.append(kind)
                    name_code.append(codes.setdefault(key, len(codes)))
        name_code_array = np.asarray(name_code, dtype=np.int32)
        self._set_names(
            list(codes), list(words), np.asarray(name_film, dtype=np.int32),
            np.asarray(name_kind, dtype=np.int8), name_code_array,
            _Groups.build(name_code_array, len(codes)),
            _Groups.build(np.asarray(posting_word, dtype=np.int32), len(words),
                          np.asarray(posting_name, dtype=np.int32), keep=_POSTINGS))

    def _set_films(self, movies: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
        """Per-film columns, most-voted first; returns the (French, original, primary) titles."""
        unique = ~movies["tconst"].duplicated().to_numpy()
        films = movies.loc[unique, list(_SEARCHED)]
        votes = films["num_votes"].fillna(0).astype("int64").to_numpy()
        order = np.argsort(-votes, kind="stable")
        films, votes = films.iloc[order], votes[order]
        primary = films["primary_title"].fillna("").astype(str)
        original = films["original_title"].fillna("").astype(str)
        french = films["french_title"].fillna("").astype(str)
        self._use_films(pd.DataFrame({
            "tconst": films["tconst"].astype(str).to_numpy(),
            "title": french.where(french != "", primary).to_numpy(),
            "original": original.where(original != "", primary).to_numpy(),
            "year": pd.to_numeric(films["year"], errors="coerce").to_numpy(float, na_value=np.nan),
            "popularity": np.log1p(votes) / max(np.log1p(votes.max(initial=0)), 1.0),
            "row": np.flatnonzero(unique)[order].astype(np.int32),
        }), movies)
        return french, original, primary

    def _use_films(self, films: pd.DataFrame, movies: pd.DataFrame) -> None:
        """Film-level state from a :data:`_FILMS` table (most-voted first; ``row``: the film's
        position in ``movies``). Text columns stay Arrow-backed (no Python object per film,
        for the dashboard kernels' memory); a Python string is made only for films shown."""
        self._films = films
        self._tconst, self._title = films["tconst"].array, films["title"].array
        self._original = films["original"].array
        self._years = films["year"].to_numpy()
        self._popularity = films["popularity"].to_numpy()
        # tconst -> film through the catalogue's own index when it is the tconst index (the
        # recommender's): a dashboard kernel then builds one hash table of the ids, not two
        ids = movies.index
        if not (len(ids) == len(films) and ids.equals(pd.Index(movies["tconst"]))):
            ids = pd.Index(films["tconst"])
            self._film_of = np.arange(len(films))
        else:
            self._film_of = np.empty(len(films), np.int64)
            self._film_of[films["row"].to_numpy()] = np.arange(len(films))
        self._ids = ids

    def _set_names(self, distinct: list[str], vocabulary: list[str], name_film: np.ndarray,
                   name_kind: np.ndarray, name_code: np.ndarray, homonyms: _Groups,
                   postings: _Groups) -> None:
        """Name-level state: ``name_*`` give each name's film, kind (_KINDS) and distinct name."""
        self._distinct = distinct  # each name once: homonyms scanned once
        self._codes = {name: code for code, name in enumerate(distinct)}
        self._vocabulary = vocabulary
        self._words = {word: code for code, word in enumerate(vocabulary)}
        self._name_film, self._name_kind, self._name_code = name_film, name_kind, name_code
        self._homonyms, self._postings = homonyms, postings
        # "\n " before each name: "\n q" finds title starts, " q" finds word starts.
        names = [distinct[code] for code in name_code.tolist()]
        self._text = "".join(f"\n {name}" for name in names)
        self._starts = np.cumsum([0] + [len(name) + 2 for name in names[:-1]])

    @classmethod
    def from_movies(cls, movies: pd.DataFrame) -> TitleIndex:
        """Index the films of a catalogue (needs tconst, the three titles, year, num_votes)."""
        return cls(movies)

    @classmethod
    def cached(cls, movies: pd.DataFrame, folder: Path, digest: str | None = None) -> TitleIndex:
        """The index of ``movies``, read from ``folder`` when it was saved there for this very
        catalogue and code; else built, then saved there (a read-only folder is fine).
        ``digest``: the catalogue's :func:`catalogue_digest` when the caller has it stored."""
        folder = Path(folder)
        fingerprint = hashlib.sha1(
            (code_version(__name__) + (digest or catalogue_digest(movies))).encode()).hexdigest()
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            if meta.get("fingerprint") == fingerprint:
                return cls._load(folder, movies)
        except (OSError, ValueError, KeyError):
            pass  # absent, stale or damaged: rebuilt below
        index = cls(movies)
        try:
            index._save(folder, fingerprint)
        except OSError:
            pass  # read-only data folder: the next kernel builds it again
        return index

    def _save(self, folder: Path, fingerprint: str) -> None:
        with staged_folder(folder) as stage:
            for name, array in self._arrays().items():
                np.save(stage / f"{name}.npy", array)
            write_arrow(pa.Table.from_pandas(self._films, preserve_index=False),
                        stage / _FILMS_FILE)
            (stage / "names.txt").write_text("\n".join(self._distinct), encoding="utf-8")
            (stage / "words.txt").write_text("\n".join(self._vocabulary), encoding="utf-8")
            (stage / "meta.json").write_text(json.dumps({"fingerprint": fingerprint}))

    @classmethod
    def _load(cls, folder: Path, movies: pd.DataFrame) -> TitleIndex:
        index = cls.__new__(cls)
        index._use_films(map_arrow(folder / _FILMS_FILE).to_pandas(), movies)
        arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r")
                  for name in _SAVED_ARRAYS}

        def lines(name: str) -> list[str]:
            text = (folder / name).read_text(encoding="utf-8")
            return text.split("\n") if text else []

        index._set_names(
            lines("names.txt"), lines("words.txt"), arrays["name_film"], arrays["name_kind"],
            arrays["name_code"], _Groups(arrays["homonyms_values"], arrays["homonyms_starts"]),
            _Groups(arrays["postings_values"], arrays["postings_starts"]))
        return index

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"name_film": self._name_film, "name_kind": self._name_kind,
                "name_code": self._name_code,
                "homonyms_values": self._homonyms.values, "homonyms_starts": self._homonyms.starts,
                "postings_values": self._postings.values, "postings_starts": self._postings.starts}

    def __len__(self) -> int:
        return len(self._tconst)

    # -- public queries ---------------------------------------------------------------
    def search(self, query: str, limit: int = 8) -> SearchResult:
        """Films matching a whole query (title, ``"Dune (2021)"``, ``tt1160419``); never raises."""
        query = _clean(query)
        if not query:
            return SearchResult()
        by_id = self._id_matches(query)
        if by_id is not None:
            return SearchResult(by_id)
        text, year, explicit = split_year(query)
        if year is not None:
            result = self._search(text, year, limit)
            if result.matches or explicit:
                return result
        return self._search(query, None, limit)

    def resolve(self, query: str) -> Match | None:
        """The single best match of a full query, or None (command line, "add" button)."""
        matches = self.search(query, limit=1).matches
        return matches[0] if matches else None

    def complete(self, prefix: str, limit: int = 8) -> list[Match]:
        """Type-ahead: titles starting with the input, then containing a word starting
        with it (each by popularity), then fuzzy matches for typos; never raises."""
        prefix = _clean(prefix)
        if not prefix or limit <= 0:
            return []
        by_id = self._id_matches(prefix)
        if by_id is not None:
            return by_id
        # the last word may be unfinished ("Les Vi"): as typed first, then as a whole word
        queries = dict.fromkeys(filter(None, (title_key(prefix, typing=True),
                                              title_key(prefix))))
        if not queries:
            return []
        out: dict[int, Match] = {}
        for query, start in itertools.product(queries, ("\n ", " ")):
            for j in self._hits(start + query, 4 * limit):
                film = int(self._name_film[j])
                if film not in out and len(out) < limit:
                    out[film] = self._match(film, fuzz.WRatio(query, self._name(j)),
                                            _KINDS[self._name_kind[j]])
        if len(out) < limit:
            for match in self.search(prefix, limit).matches:
                out.setdefault(self._row(match.tconst), match)
        return list(out.values())[:limit]

    def film(self, tconst: str) -> Match | None:
        """The Match of a catalogue film by IMDb id (its display title and label), or None."""
        row = self._row(tconst)
        return None if row < 0 else self._match(row, 100.0, "id")

    # -- internals --------------------------------------------------------------------
    def _row(self, tconst: str) -> int:
        """The film's position, -1 when it is not in the catalogue."""
        at = int(self._ids.get_indexer([str(tconst).lower()])[0])
        return -1 if at < 0 else int(self._film_of[at])

    def _name(self, j: int) -> str:
        return self._distinct[self._name_code[j]]

    def _id_matches(self, query: str) -> list[Match] | None:
        """For an IMDb id (or URL) query, its film (none if unknown); None for other queries."""
        found = _IMDB_ID.fullmatch(query)
        if found is None:
            return None
        match = self.film(found[1])
        return [] if match is None else [match]

    def _hits(self, pattern: str, limit: int) -> list[int]:
        """Names containing ``pattern`` in the joined text, most popular first."""
        positions, at = [], self._text.find(pattern)
        while at >= 0 and len(positions) < limit:
            positions.append(at)
            at = self._text.find(pattern, at + 1)
        return list(np.searchsorted(self._starts, positions, side="right") - 1)

    def _same_or_phrase(self, query: str) -> list[int]:
        """Names equal to the query, then names with the query at a word start."""
        code = self._codes.get(query)
        same = [] if code is None else self._homonyms[code].tolist()
        return same + self._hits(f" {query}", _CANDIDATES)

    def _close_names(self, query: str) -> list[int]:
        """Whole names a few edits away (typos in a full title), most popular homonyms."""
        found: list[int] = []
        for _, _, code in process.extract(query, self._distinct, scorer=fuzz.ratio,
                                          processor=None, limit=_CANDIDATES, score_cutoff=60):
            found.extend(self._homonyms[code][:_POSTINGS].tolist())
        return found

    def _close_words(self, query: str) -> list[int]:
        """Popular names containing one of the query's longest words, or a word close to it."""
        words = sorted({w for w in query.split() if len(w) >= 4}, key=len, reverse=True)[:3]
        found: list[int] = []
        for word in words:
            close = [self._words[word]] if word in self._words else [
                code for _, _, code in process.extract(word, self._vocabulary, scorer=fuzz.ratio,
                                                       processor=None, limit=3, score_cutoff=75)]
            for code in close:
                found.extend(self._postings[code].tolist())
        return found

    def _scored(self, query: str, year: int | None) -> tuple[np.ndarray, np.ndarray]:
        """Candidate names and their WRatio scores, gathered from cheap to costly stages;
        stops once a name (of the wanted year, if any) scores ``GOOD_ENOUGH``."""
        names, scores = np.empty(0, np.int64), np.empty(0)
        for stage in (self._same_or_phrase, self._close_names, self._close_words):
            new = np.setdiff1d(np.asarray(stage(query), dtype=np.int64), names)
            if new.size:
                found = process.cdist([query], [self._name(j) for j in new],
                                      scorer=fuzz.WRatio, processor=None, workers=1)[0]
                names, scores = np.concatenate([names, new]), np.concatenate([scores, found])
            years = self._years[self._name_film[names[scores >= GOOD_ENOUGH]]]
            if years.size and (year is None or (np.abs(years - year) <= 1).any()):
                break
        return names, scores

    def _search(self, text: str, year: int | None, limit: int) -> SearchResult:
        query = title_key(text)
        if not query:
            return SearchResult()
        names, scores = self._scored(query, year)
        if names.size == 0:
            return SearchResult()
        # best name per film (highest score; kind preference breaks ties)
        order = np.lexsort((self._name_kind[names], -scores))
        films, first = np.unique(self._name_film[names[order]], return_index=True)
        best = order[first]
        scores, kinds = scores[best], self._name_kind[names[best]]
        rank = scores + POPULARITY_POINTS * self._popularity[films]
        ranked = np.argsort(-rank, kind="stable")
        ok = [i for i in ranked if scores[i] >= SUGGEST_SCORE]
        good = [i for i in ok if scores[i] >= MATCH_SCORE]
        if year is not None:
            for tolerance in (0, 1):
                near = [i for i in good if self._near(films[i], year, tolerance)]
                if near:
                    break
            good = near
        if good:
            return SearchResult([self._match(films[i], scores[i], _KINDS[kinds[i]])
                                 for i in good[:limit]])
        return SearchResult([], [self._match(films[i], scores[i], _KINDS[kinds[i]])
                                 for i in ok[:limit]])

    def _near(self, film: int, year: int, tolerance: int) -> bool:
        return abs(self._years[film] - year) <= tolerance

    def _match(self, film: int, score: float, matched_on: str) -> Match:
        return Match(tconst=str(self._tconst[film]), title=str(self._title[film]),
                     original_title=str(self._original[film]),
                     year=None if np.isnan(self._years[film]) else int(self._years[film]),
                     score=round(float(score), 1), matched_on=matched_on)


class UnknownTitle(CineError):
    """A typed title that matches no film (the message lists the closest titles)."""


def unknown_message(query: str, result: SearchResult) -> str:
    """French explanation for a title not found, with the closest titles if any."""
    text = f"Film introuvable : « {query.strip()} »."
    if result.suggestions:
        text += " Vouliez-vous dire : " + " ; ".join(m.label for m in result.suggestions[:5]) + " ?"
    else:
        text += " Vérifiez l'orthographe ou donnez l'identifiant IMDb (tt…)."
    return text


def homonym_note(result: SearchResult) -> str | None:
    """A hint when other films score as well as the chosen one (same title, other year)."""
    best, *others = result.matches
    same = [m for m in others if m.score == best.score]
    if not same:
        return None
    labels = " ; ".join(m.label for m in same[:3])
    return (f"  (même titre : {labels} ; ajoutez l'année, par exemple "
            f"« {same[0].title} ({same[0].year}) », pour choisir un autre film)")


def find(index: TitleIndex, query: str) -> tuple[Match, str | None]:
    """The film a typed title designates and an optional homonym hint; UnknownTitle if none."""
    result = index.search(query)
    if not result.matches:
        raise UnknownTitle(unknown_message(query, result))
    return result.matches[0], homonym_note(result)


@dataclass(frozen=True)
class _Groups:
    """Integers grouped by a key 0..n-1 in one flat array (a dict of lists would cost a
    Python object per integer): group ``k`` is ``values[starts[k]:starts[k + 1]]``."""

    values: np.ndarray
    starts: np.ndarray

    @classmethod
    def build(cls, keys: np.ndarray, n: int, values: np.ndarray | None = None,
              keep: int | None = None) -> _Groups:
        """Group ``values`` (default: positions) by ``keys``, in their order, ``keep`` at most."""
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        values = order if values is None else values[order]
        starts = np.searchsorted(keys, np.arange(n + 1))
        if keep is not None:
            kept = np.arange(len(keys)) - starts[keys] < keep
            keys, values = keys[kept], values[kept]
            starts = np.searchsorted(keys, np.arange(n + 1))
        return cls(values.astype(np.int32), starts)

    def __getitem__(self, key: int) -> np.ndarray:
        return self.values[self.starts[key]:self.starts[key + 1]]


def catalogue_digest(movies: pd.DataFrame) -> str:
    """A hash of the columns a :class:`TitleIndex` reads (tconst, titles, year, votes).

    Hashes the columns' Arrow buffers (or NumPy bytes) as they are, with no Python object
    per film. A saved model stores its catalogue's digest, so that a dashboard kernel
    checks its saved index without reading (mapping) every title."""
    digest = hashlib.sha1()
    for name in _SEARCHED:
        column = movies[name]
        if isinstance(column.array, pd.arrays.ArrowExtensionArray):
            array = column.array.__arrow_array__().combine_chunks()
            if array.offset:  # a slice: its buffers also hold values outside it
                array = pa.concat_arrays([array])
            digest.update(str(len(array)).encode())
            for buffer in array.buffers():
                digest.update(b"-" if buffer is None else memoryview(buffer))
        else:
            digest.update(pd.util.hash_array(column.to_numpy()).tobytes())
    return digest.hexdigest()


def _clean(query: object) -> str:
    """The stripped query, or "" when it cannot be a title (not text, too long)."""
    if not isinstance(query, str) or len(query) > MAX_QUERY_CHARS:
        return ""
    return query.strip()


@lru_cache(maxsize=4)
def _cached_index(folder: Path) -> TitleIndex:
    from helpers.data.catalog import load_movies

    return TitleIndex.from_movies(load_movies(folder))


def title_index(processed: Path | str | None = None) -> TitleIndex:
    """The index of the processed catalogue (built once per folder and cached)."""
    from helpers import config

    return _cached_index(Path(processed or config.processed_dir()).resolve())
