"""Extra handlers mounted by the serving tests (``--CineVoila.extra_handlers``)."""

from __future__ import annotations

import html

import tornado.web


class Hello(tornado.web.RequestHandler):
    def initialize(self, greeting: str) -> None:
        self.greeting = greeting

    def get(self, name: str) -> None:
        self.finish(f"{self.greeting} {html.escape(name)}")


def handlers() -> list[tuple[str, type, dict]]:
    return [(r"hello/([a-z]+)", Hello, {"greeting": "Bonjour"})]
