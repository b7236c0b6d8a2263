"""A dashboard visitor without a browser: the page's own protocol over a real websocket.

:class:`WidgetClient` GETs the Voilà page (which takes a kernel), reads the kernel id from
it, connects ``api/kernels/<id>/channels`` as Voilà's JavaScript does (Jupyter messaging
over a websocket, the legacy JSON sub-protocol) and speaks the ipywidgets comm protocol:
``jupyter.widget.control`` / ``request_states`` for the widgets' state, ``update`` to set
a value, ``custom`` events for clicks. Used by the 40-visitor benchmark (the lightweight
visitors next to the real Chromium ones) and by the websocket hardening tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import requests
from jupyter_server.services.kernels.connection.base import deserialize_binary_message
from websockets.asyncio.client import connect

#: ipywidgets' control-comm protocol version (``jupyter.widget.control``, ipywidgets 8).
CONTROL_VERSION = "1.0.0"
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')


class PageRefused(Exception):
    """The page answered without a kernel (HTTP status other than 200)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class WidgetClient:
    """One visitor's kernel, driven through its websocket (see the module docstring)."""

    def __init__(self, base_url: str, kernel_id: str, websocket: object) -> None:
        self.base_url = base_url
        self.kernel_id = kernel_id
        self.websocket = websocket
        self.session = uuid.uuid4().hex
        self.states: dict[str, dict] = {}
        self.replies: dict[str, dict] = {}  # shell replies by parent msg_id
        self.received: list[dict] = []  # every message, for the tests
        self.last_message_at = time.monotonic()
        self.closed: tuple[int | None, str] | None = None
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    # ---------------------------------------------------------------- opening
    @classmethod
    async def open(cls, base_url: str, timeout: float = 120) -> WidgetClient:
        """GET the page (which takes a kernel), connect its websocket, load widget states."""
        response = await asyncio.to_thread(requests.get, base_url, timeout=timeout)
        if response.status_code != 200:
            raise PageRefused(response.status_code)
        return await cls.attach(base_url, cls.kernel_id_in(response.text), timeout)

    @staticmethod
    def kernel_id_in(page: str) -> str:
        """The kernel id Voilà wrote into a page."""
        match = KERNEL_ID.search(page)
        if match is None:
            raise RuntimeError("no kernel id in the page")
        return match[1]

    @classmethod
    async def attach(cls, base_url: str, kernel_id: str, timeout: float = 120) -> WidgetClient:
        """Connect to a kernel whose page was already served."""
        ws_url = re.sub(r"^http", "ws", base_url.rstrip("/"))
        url = f"{ws_url}/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
        websocket = await connect(url, max_size=None, open_timeout=timeout,
                                  origin=re.sub(r"(https?://[^/]+).*", r"\1", base_url))
        client = cls(base_url, kernel_id, websocket)
        await client.request_states(timeout)
        return client

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # already closed by the server
            await self.websocket.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    # --------------------------------------------------------------- messages
    def _message(self, msg_type: str, content: dict, channel: str = "shell",
                 metadata: dict | None = None) -> dict:
        return {"header": {"msg_id": uuid.uuid4().hex, "username": "", "session": self.session,
                           "msg_type": msg_type, "version": "5.3",
                           "date": datetime.now(UTC).isoformat()},
                "parent_header": {}, "metadata": metadata or {}, "content": content,
                "channel": channel, "buffers": []}

    async def send(self, msg_type: str, content: dict, channel: str = "shell",
                   metadata: dict | None = None) -> str:
        """Send one Jupyter message; returns its msg_id."""
        message = self._message(msg_type, content, channel, metadata)
        await self.websocket.send(json.dumps(message))
        return message["header"]["msg_id"]

    async def send_raw(self, text: str | bytes) -> None:
        await self.websocket.send(text)

    async def comm_msg(self, comm_id: str, data: dict) -> str:
        return await self.send("comm_msg", {"comm_id": comm_id, "data": data})

    async def _read(self) -> None:
        try:
            async for raw in self.websocket:
                message = (deserialize_binary_message(raw) if isinstance(raw, bytes)
                           else json.loads(raw))
                self.received.append(message)
                self.last_message_at = time.monotonic()
                self._apply(message)
                self._changed.set()
        except Exception:  # noqa: BLE001 - the connection ended; recorded below
            pass
        finally:
            close = getattr(self.websocket, "close_code", None)
            self.closed = (close, getattr(self.websocket, "close_reason", "") or "")
            self._changed.set()

    def _apply(self, message: dict) -> None:
        msg_type = message.get("header", {}).get("msg_type")
        content = message.get("content") or {}
        parent = (message.get("parent_header") or {}).get("msg_id")
        if message.get("channel") == "shell" and parent:
            self.replies[parent] = message
        if msg_type == "comm_open" and content.get("target_name") == "jupyter.widget":
            self.states[content["comm_id"]] = dict(content.get("data", {}).get("state", {}))
        elif msg_type == "comm_msg":
            data = content.get("data") or {}
            if data.get("method") == "update_states":
                for model_id, state in data.get("states", {}).items():
                    self.states.setdefault(model_id, {}).update(state.get("state", state))
            elif data.get("method") in {"update", "echo_update"}:
                self.states.setdefault(content["comm_id"], {}).update(data.get("state", {}))
        elif msg_type == "comm_close":
            self.states.pop(content.get("comm_id"), None)

    async def wait_for(self, condition: Callable[[], object], timeout: float = 60,
                       what: str = "condition") -> object:
        """Wait until ``condition()`` is truthy (re-checked after every message); past the
        timeout a TimeoutError names ``what`` was waited for."""
        deadline = time.monotonic() + timeout
        while not (result := condition()):
            if self.closed is not None:
                raise ConnectionError(f"websocket closed {self.closed}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{what} not reached in {timeout:.0f} s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 1.0))
        return result

    # ---------------------------------------------------------------- widgets
    async def request_states(self, timeout: float = 60) -> dict[str, dict]:
        """All widget states, through ipywidgets' control comm (as the page does)."""
        control = uuid.uuid4().hex
        await self.send("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control",
                                      "data": {}}, metadata={"version": CONTROL_VERSION})
        await self.comm_msg(control, {"method": "request_states"})
        self.states.clear()
        await self.wait_for(lambda: self.find("cc-app"), timeout, "the widgets' state")
        return self.states

    def find(self, css_class: str) -> list[str]:
        """Model ids of the widgets carrying a CSS class, in creation order."""
        return [model_id for model_id, state in self.states.items()
                if isinstance(state.get("_dom_classes"), list)
                and css_class in state["_dom_classes"]]

    def layout(self, model_id: str) -> dict:
        ref = self.states[model_id].get("layout", "")
        return self.states.get(str(ref).removeprefix("IPY_MODEL_"), {})

    def visible(self, css_class: str) -> list[str]:
        """Model ids of the widgets with this class that are shown (layout not display:none)."""
        return [m for m in self.find(css_class) if self.layout(m).get("display") != "none"]

    async def set(self, model_id: str, **state: object) -> str:
        return await self.comm_msg(model_id, {"method": "update", "state": state,
                                              "buffer_paths": []})

    async def click(self, model_id: str) -> str:
        return await self.comm_msg(model_id, {"method": "custom",
                                              "content": {"event": "click"}})

    async def kernel_info(self, timeout: float = 30) -> dict:
        """The kernel's reply to kernel_info_request (a kernel that answers is alive)."""
        msg_id = await self.send("kernel_info_request", {})
        await self.wait_for(lambda: msg_id in self.replies, timeout, "kernel_info_reply")
        return self.replies[msg_id]["content"]

    def results_html(self) -> str:
        """The result cards' HTML (one HTML widget per card, empty when not shown)."""
        return "".join(self.states[m].get("value", "") for m in self.find("cc-card-html"))

    def describe(self) -> str:
        """What the client sees now (for a failure's message)."""
        text = next(iter(self.find("reco-input")), None)
        kinds = [m.get("header", {}).get("msg_type") for m in self.received[-4:]]
        quiet = time.monotonic() - self.last_message_at
        return (f"input {self.states.get(text, {}).get('value')!r}, "
                f"{len(self.visible('reco-suggestion'))} suggestions shown, "
                f"{len(self.visible('reco-chip'))} chips, {self.cards()} cards; "
                f"{len(self.received)} messages, the last {quiet:.0f} s ago: {kinds}")

    def cards(self) -> int:
        """How many result cards are shown."""
        return self.results_html().count('class="cc-card-content"')

    async def recommend_round(self, typed: str, timeout: float = 60) -> float:
        """Type a title, pick the first suggestion, recommend, wait for the 10 cards, then
        remove the film. Returns the seconds from the click to the cards."""
        (text,) = self.find("reco-input")
        await self.set(text, value=typed)
        await self.wait_for(lambda: self.visible("reco-suggestion"), timeout,
                            f"suggestions for {typed!r}")
        await self.click(self.visible("reco-suggestion")[0])
        await self.wait_for(lambda: self.visible("reco-chip"), timeout, "the film's chip")
        (button,) = self.find("reco-button")
        start = time.perf_counter()
        await self.click(button)
        try:
            await self.wait_for(lambda: self.cards() == 10, timeout, "10 cards")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc} ({self.cards()} shown)") from exc
        elapsed = time.perf_counter() - start
        await self.click(self.visible("reco-chip")[0])
        await self.wait_for(lambda: not self.cards(), timeout, "results cleared")
        return elapsed
