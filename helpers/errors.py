"""Errors a user can act on: the command line prints their message on one line."""


class CineError(Exception):
    """A precise, actionable error (missing file, offline, corrupt download...)."""


class SourceUnreachable(CineError):
    """The data sources cannot be reached at all (offline, name not resolved, refused,
    no answer): the only failure after which the notebooks fall back to the demo."""
