"""The films' synopses, next to the fitted model, read one film at a time.

The overview is a fit-only column (:data:`helpers.reco.model.FIT_ONLY`): a dashboard kernel
never holds the whole column (about 8 MB at full scale). ``fit`` writes it to an Arrow IPC
file in small record batches, in the catalogue's order; a film's sheet reads the one batch
holding it (a few tens of kB, freed at once) through an ordinary file, nothing mapped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from helpers import files

FILE = "overviews.arrow"
#: Films per record batch: what one lookup reads.
BATCH_ROWS = 256
_SCHEMA = pa.schema([("tconst", pa.string()), ("overview", pa.string())])


def save_overviews(movies: pd.DataFrame, folder: Path) -> Path:
    """Write the ``tconst`` and ``overview`` columns of a catalogue (in its row order)."""
    table = pa.Table.from_pandas(movies[["tconst", "overview"]].reset_index(drop=True),
                                 schema=_SCHEMA, preserve_index=False)
    path = Path(folder) / FILE
    with files.atomic_file(path, "wb") as handle:
        with pa.ipc.new_file(handle, _SCHEMA) as writer:
            for batch in table.to_batches(max_chunksize=BATCH_ROWS):
                writer.write_batch(batch)
    return path


def overview(folder: Path, position: int, tconst: str) -> str | None:
    """The synopsis of the film at ``position`` of the catalogue, None when it has none,
    when the file is missing or when it does not hold that film there (an older file)."""
    path = Path(folder) / FILE
    try:
        with pa.OSFile(str(path)) as source:
            reader = pa.ipc.open_file(source)
            batch_index, row = divmod(int(position), BATCH_ROWS)
            if position < 0 or batch_index >= reader.num_record_batches:
                return None
            batch = reader.get_batch(batch_index)
            if row >= batch.num_rows or batch.column(0)[row].as_py() != tconst:
                return None
            text = batch.column(1)[row].as_py()
    except (OSError, pa.ArrowException):
        return None
    if not isinstance(text, str) or not text.strip():
        return None
    return text.strip()
