"""Errors a user can act on: the command line prints their message on one line."""


class CineError(Exception):
    """A precise, actionable error (missing file, offline, corrupt download...)."""
