"""A browserless client of Streamlit's websocket protocol: one object per simulated student.

It speaks what the browser speaks: ``GET /_stcore/health`` for the XSRF cookie, a websocket to
``/_stcore/stream`` (sub-protocols ``streamlit`` and the XSRF token), protobuf ``BackMsg.rerun_script``
carrying the page and widget states, ``ForwardMsg`` deltas back until ``script_finished``. Large messages
the client has seen are reported in ``cached_message_hashes`` so the server answers with references, as
it does for a browser. Uploads ask for URLs (``file_urls_request``) and PUT the file with the XSRF header.
Nothing is drawn: the time measured is the server's, from sending a rerun to its "script finished".

Unlike a browser, which sends the value of every widget on the page, the client sends the widgets it has
set in this session; the others keep the values the server holds for the session, which is what the
browser would have sent.
"""
from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLs, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin, Subprotocol

XSRF_COOKIE = "_streamlit_xsrf"
WIDGET_KINDS = {"checkbox", "radio", "selectbox", "slider", "text_area", "text_input", "button",
                "file_uploader", "multiselect"}
_FINISHED_EARLY = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
_ERROR_ALERT = Alert.Format.Value("ERROR")


class ProtocolError(RuntimeError):
    """The server did not answer as a Streamlit server does (closed, timed out, unexpected reply)."""


@dataclass
class Widget:
    """A widget as the last run drew it: its element kind, id, label and options (formatted)."""

    kind: str
    id: str
    label: str
    options: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """One script run as this client saw it: seconds from request to "finished", and what it showed."""

    seconds: float
    exceptions: list[str]
    error_alerts: list[str]
    bytes_received: int
    messages: int


def _summary(element: Any) -> tuple[str, Any] | None:
    kind = element.WhichOneof("type")
    return (kind, getattr(element, kind)) if kind else None


class StreamlitSession:
    """One browser session of a Streamlit app, driven from Python (use ``async with``)."""

    def __init__(self, base_url: str, page: str = "", timeout: float = 120.0, query: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.page = page
        self.query = query          # the page URL's query string (e.g. a student's class link), without "?"
        self.metrics: dict[str, str] = {}   # st.metric label → value, as the last run drew them
        self.timeout = timeout
        self.http = requests.Session()
        self.ws: ClientConnection | None = None
        self.session_id = ""
        self.page_script_hash = ""
        self.widgets: dict[tuple[str, str], Widget] = {}
        self._states: dict[str, WidgetState] = {}
        self._cached_hashes: set[str] = set()
        self._widget_by_hash: dict[str, Widget] = {}
        self._reader: asyncio.Task | None = None
        self._run_done: asyncio.Future | None = None
        self._urls_pending: dict[str, asyncio.Future] = {}
        self._run_widgets: dict[tuple[str, str], Widget] = {}
        self._run_exceptions: list[str] = []
        self._run_alerts: list[str] = []
        self._run_metrics: dict[str, str] = {}
        self._run_bytes = 0
        self._run_messages = 0
        self.closed_reason: str | None = None
        self.auto_reruns: dict[str, float] = {}   # fragment id → seconds between the browser's reruns of it

    # ---- connection -------------------------------------------------------------------------------
    async def __aenter__(self) -> "StreamlitSession":
        await self.connect()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def connect(self) -> None:
        """Get the XSRF cookie over HTTP, open the websocket and start reading."""
        response = await asyncio.to_thread(self.http.get, f"{self.base_url}/_stcore/health", timeout=30)
        response.raise_for_status()
        token = self.http.cookies.get(XSRF_COOKIE, "")
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        self.ws = await connect(
            f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream",
            subprotocols=[Subprotocol("streamlit"), Subprotocol(token)] if token else [Subprotocol("streamlit")],
            origin=Origin(f"{parts.scheme}://{parts.netloc}"),
            additional_headers={"Cookie": cookies} if cookies else None,
            max_size=None, open_timeout=30, ping_interval=None)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        """Close the websocket (the server ends the session) and stop reading."""
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass
        self.http.close()

    # ---- actions a student takes ------------------------------------------------------------------
    async def open(self) -> RunResult:
        """Open the page (the browser's first rerun request: page name, no widget states)."""
        return await self._rerun(page_name=self.page)

    def widget(self, kind: str, label: str) -> Widget:
        """The first widget of ``kind`` with ``label`` drawn by the last run."""
        try:
            return self.widgets[(kind, label)]
        except KeyError:
            drawn = sorted(f"{k}:{lbl}" for k, lbl in self.widgets)
            raise LookupError(f"no {kind} labelled {label!r} on the page (drawn: {drawn})") from None

    async def set_value(self, kind: str, label: str, value: Any) -> RunResult:
        """Change a widget as the browser does (the value in the widget's wire format) and rerun."""
        w = self.widget(kind, label)
        state = WidgetState(id=w.id)
        if kind == "checkbox":
            state.bool_value = bool(value)
        elif kind in ("radio", "selectbox"):
            if str(value) not in w.options:
                raise LookupError(f"{label!r} has no option {value!r}")
            state.string_value = str(value)
        elif kind == "slider":
            state.double_array_value.data[:] = [float(v) for v in (value if isinstance(value, (list, tuple))
                                                                   else [value])]
        elif kind in ("text_area", "text_input"):
            state.string_value = str(value)
        elif kind == "multiselect":
            state.string_array_value.data[:] = [str(v) for v in value]
        else:
            raise ValueError(f"cannot set a {kind}")
        self._states[w.id] = state
        return await self._rerun()

    async def rerun(self) -> RunResult:
        """Run the page again with every widget as it is (as the browser's "Rerun" does)."""
        return await self._rerun()

    async def click(self, label: str) -> RunResult:
        """Press a button (a trigger: sent once, not kept in later widget states)."""
        w = self.widget("button", label)
        return await self._rerun(extra=[WidgetState(id=w.id, trigger_value=True)])

    async def upload(self, label: str, name: str, data: bytes, mime: str = "application/octet-stream"
                     ) -> RunResult:
        """Upload one file to a file uploader (URL request, HTTP PUT with the XSRF header), then rerun."""
        w = self.widget("file_uploader", label)
        request_id = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self._urls_pending[request_id] = future
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.session_id = self.session_id
        msg.file_urls_request.file_names.append(name)
        await self._send(msg)
        urls: FileURLs = (await asyncio.wait_for(future, self.timeout))[0]
        target = urls.upload_url if urls.upload_url.startswith("http") else f"{self._origin()}{urls.upload_url}"
        response = await asyncio.to_thread(
            self.http.put, target, files={"file": (name, data, mime)},
            headers={"X-Xsrftoken": self.http.cookies.get(XSRF_COOKIE, "")}, timeout=self.timeout)
        if response.status_code >= 300:
            raise ProtocolError(f"upload refused: HTTP {response.status_code} {response.text[:120]}")
        state = WidgetState(id=w.id)
        state.file_uploader_state_value.uploaded_file_info.append(
            UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id, file_urls=urls))
        self._states[w.id] = state
        return await self._rerun()

    async def stay(self, seconds: float) -> int:
        """Keep the page open for ``seconds`` as a browser does: rerun every fragment that asked for it
        (``st.fragment(run_every=...)``, e.g. a progress bar polling background work); → fragment reruns sent."""
        sent = 0
        end = time.monotonic() + seconds
        due: dict[str, float] = {}
        while time.monotonic() < end and not self.closed_reason:
            now = time.monotonic()
            for fragment, interval in list(self.auto_reruns.items()):
                if due.setdefault(fragment, now + interval) <= now:
                    msg = BackMsg()
                    rerun = msg.rerun_script
                    rerun.widget_states.widgets.extend(self._states.values())
                    rerun.page_script_hash = self.page_script_hash
                    rerun.fragment_id, rerun.is_auto_rerun = fragment, True
                    await self._send(msg)
                    due[fragment] = now + interval
                    sent += 1
            await asyncio.sleep(0.1)
        return sent

    # ---- protocol ---------------------------------------------------------------------------------
    def _origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    async def _send(self, msg: BackMsg) -> None:
        if self.ws is None:
            raise ProtocolError("not connected")
        await self.ws.send(msg.SerializeToString())

    async def _rerun(self, page_name: str = "", extra: list[WidgetState] | None = None) -> RunResult:
        if self.closed_reason:
            raise ProtocolError(f"connection closed: {self.closed_reason}")
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.widget_states.widgets.extend(list(self._states.values()) + list(extra or []))
        if self.page_script_hash:
            rerun.page_script_hash = self.page_script_hash
        else:
            rerun.page_name = page_name
        rerun.cached_message_hashes.extend(sorted(self._cached_hashes))
        rerun.query_string = self.query
        ctx = rerun.context_info
        ctx.timezone, ctx.locale, ctx.color_scheme = "UTC", "en-US", "light"
        ctx.url = f"{self.base_url}/{self.page}" + (f"?{self.query}" if self.query else "")
        self._run_done = asyncio.get_running_loop().create_future()
        self._run_widgets, self._run_exceptions, self._run_alerts, self._run_metrics = {}, [], [], {}
        self._run_bytes = self._run_messages = 0
        start = time.perf_counter()
        await self._send(msg)
        try:
            await asyncio.wait_for(asyncio.shield(self._run_done), self.timeout)
        except asyncio.TimeoutError:
            raise ProtocolError(f"no 'script finished' within {self.timeout:.0f} s") from None
        seconds = time.perf_counter() - start
        self.widgets = self._run_widgets
        self.metrics = self._run_metrics
        return RunResult(seconds, self._run_exceptions, self._run_alerts, self._run_bytes, self._run_messages)

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for frame in self.ws:
                if isinstance(frame, str):
                    continue
                msg = ForwardMsg()
                msg.ParseFromString(frame)
                self._run_bytes += len(frame)
                self._run_messages += 1
                self._handle(msg)
        except Exception as exc:  # connection dropped: fail the waiting run
            self.closed_reason = f"{type(exc).__name__}: {exc}"[:200]
        else:
            self.closed_reason = "closed by the server"
        for fut in [self._run_done, *self._urls_pending.values()]:
            if fut is not None and not fut.done():
                fut.set_exception(ProtocolError(f"connection closed: {self.closed_reason}"))

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id or self.session_id
        elif kind == "delta":
            if msg.metadata.cacheable and msg.hash:
                self._cached_hashes.add(msg.hash)
            if msg.delta.WhichOneof("type") == "new_element":
                self._element(msg.delta.new_element, msg.hash)
        elif kind == "ref_hash":
            w = self._widget_by_hash.get(msg.ref_hash)
            if w is not None:
                self._run_widgets.setdefault((w.kind, w.label), w)
        elif kind == "navigation" and msg.navigation.page_script_hash:
            self.page_script_hash = msg.navigation.page_script_hash   # later reruns name the page by hash
        elif kind == "auto_rerun":
            self.auto_reruns[msg.auto_rerun.fragment_id] = max(float(msg.auto_rerun.interval), 0.1)
        elif kind == "stop_auto_rerun":
            for fragment in msg.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fragment, None)
        elif kind == "file_urls_response":
            fut = self._urls_pending.pop(msg.file_urls_response.response_id, None)
            if fut is not None and not fut.done():
                if msg.file_urls_response.error_msg:
                    fut.set_exception(ProtocolError(msg.file_urls_response.error_msg))
                else:
                    fut.set_result(list(msg.file_urls_response.file_urls))
        elif kind == "script_finished":
            if msg.script_finished != _FINISHED_EARLY and self._run_done is not None \
                    and not self._run_done.done():
                self._run_done.set_result(msg.script_finished)

    def _element(self, element: Any, msg_hash: str) -> None:
        summary = _summary(element)
        if summary is None:
            return
        kind, proto = summary
        if kind == "exception":   # everything the browser would show: type, message, stack trace
            self._run_exceptions.append("\n".join([f"{proto.type}: {proto.message}", *proto.stack_trace]))
        elif kind == "metric":
            self._run_metrics[proto.label] = proto.body
        elif kind == "alert" and proto.format == _ERROR_ALERT:
            self._run_alerts.append(proto.body[:300])
        elif kind in WIDGET_KINDS:
            options = list(getattr(proto, "options", []))
            w = Widget(kind, proto.id, proto.label, options)
            self._run_widgets.setdefault((kind, proto.label), w)
            if msg_hash:
                self._widget_by_hash[msg_hash] = w
