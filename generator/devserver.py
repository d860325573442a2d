"""The HTTP side of ``cablesite serve``: the state shared with the builder, and the handler.

* :class:`Handler` serves ``output/``: files only from inside the output folder,
  ``index.html`` for folders, the site's ``404.html`` (status 404) for anything
  else. HTML responses get ``<script src="/__cablesite/reload.js?build=N">``
  before ``</body>``; the built files never hold it. Private URLs under
  ``/__cablesite/``: ``reload.js``, ``events`` (server-sent events: the build
  number and the last error) and ``status`` (the same as JSON).
* :class:`SiteState` is the gate: a request waits while ``build()`` runs (at
  most :data:`REQUEST_WAIT`, then 503), so no half-built site is ever served.

A request line it answers::

    GET /cable/2007/10/07USNATO577.html HTTP/1.1   -> 200, the page with the reload script
"""

from __future__ import annotations

import errno
import json
import mimetypes
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

RELOAD_JS = Path(__file__).resolve().parent / "data" / "reload.js"
PRIVATE = "/__cablesite/"
REQUEST_WAIT = 60.0
"""Longest time a request waits for a running build before it gets 503."""
HEARTBEAT = 15.0
"""Seconds between keep-alive comments on an event stream."""
PORT_TRIES = 20
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)

class ServeError(Exception):
    """The server cannot start (no free port, bad bind address)."""


# -- the state shared by the server threads and the builder ----------------------------------


@dataclass(frozen=True, slots=True)
class Status:
    """What the tabs are told: the build they should show and the last failure."""

    build: int
    """Number of the last build that changed the site (0: none yet)."""
    error: str
    """Message of the last failed build, ``""`` once a build succeeds."""
    building: bool
    attempts: int = 0
    """Builds finished so far, failed or not (for tests and scripts that wait for one)."""

    def to_json(self) -> str:
        return json.dumps({"build": self.build, "ok": not self.error, "error": self.error,
                           "building": self.building, "attempts": self.attempts})


class SiteState:
    """Build number, last error, and the gate between serving and building.

    Readers (requests) hold the gate only while they read one file; a build holds
    it exclusively for the whole of ``build()``, and new readers wait for it.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._building = False
        self._build = 0
        self._error = ""
        self._attempts = 0
        self._closed = False

    def status(self) -> Status:
        with self._cond:
            return self._status()

    def _status(self) -> Status:
        return Status(self._build, self._error, self._building, self._attempts)

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed

    @contextmanager
    def reading(self, timeout: float = REQUEST_WAIT) -> Iterator[bool]:
        """Hold the site for reading; yields False when a build did not end within ``timeout``."""
        with self._cond:
            ok = self._cond.wait_for(lambda: not self._building, timeout)
            if ok:
                self._readers += 1
        try:
            yield ok
        finally:
            if ok:
                with self._cond:
                    self._readers -= 1
                    self._cond.notify_all()

    @contextmanager
    def building(self) -> Iterator[None]:
        """Hold the site exclusively while a build changes ``output/``."""
        with self._cond:
            self._building = True
            self._cond.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._cond:
                self._building = False
                self._cond.notify_all()

    def finish(self, *, changed: bool, error: str = "") -> Status:
        """Record the end of a build: a new build number when files changed, or its error."""
        with self._cond:
            if changed and not error:
                self._build += 1
            self._error = error
            self._attempts += 1
            self._cond.notify_all()
            return self._status()

    def wait_change(self, seen: tuple[int, str] | None, timeout: float) -> Status | None:
        """The status once it differs from ``seen`` (or after ``timeout``); None once closed."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._closed or (self._build, self._error) != seen, timeout)
            if self._closed:
                return None
            return self._status()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


# -- small pure helpers ---------------------------------------------------------------------


def inject_reload(html: bytes, build: int) -> bytes:
    """Put the reload script before the last ``</body>`` (or at the end when there is none)."""
    tag = f'<script src="{PRIVATE}reload.js?build={build}"></script>'.encode()
    ends = list(_BODY_END.finditer(html))
    if not ends:
        return html + tag
    at = ends[-1].start()
    return html[:at] + tag + html[at:]


def resolve_request(root: Path, url_path: str) -> tuple[str, Path | str | None]:
    """Map a URL path to a file of ``root`` (already resolved).

    Returns ``("file", path)``, ``("redirect", location)`` for a folder named
    without its trailing slash, or ``("missing", None)``, also for anything
    that would resolve outside ``root`` (``/../etc/passwd``, symlinks out).
    """
    decoded = unquote(url_path)
    if "\0" in decoded:
        return "missing", None
    try:
        target = (root / decoded.lstrip("/")).resolve()
    except (OSError, RuntimeError, ValueError):
        return "missing", None
    if target != root and root not in target.parents:
        return "missing", None
    if target.is_dir():
        if not url_path.endswith("/"):
            return "redirect", url_path + "/"
        target = target / "index.html"
    if target.is_file():
        return "file", target
    return "missing", None


def content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind == "application/javascript":
        kind = "text/javascript"
    if kind.startswith("text/") or kind in ("application/json", "application/xml", "image/svg+xml"):
        kind += "; charset=utf-8"
    return kind




# -- the HTTP side ---------------------------------------------------------------------------


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], root: Path, state: SiteState) -> None:
        self.root = root
        self.state = state
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    server: Server
    server_version = "cablesite"

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def log_message(self, format: str, *args: object) -> None:
        """Requests are not logged: the terminal is for build messages."""

    def _respond(self, *, head: bool) -> None:
        path = urlsplit(self.path).path
        if path.startswith(PRIVATE):
            self._private(path[len(PRIVATE):], head)
            return
        state = self.server.state
        with state.reading() as ok:
            if not ok:
                self._send(503, "text/plain; charset=utf-8",
                           b"The site is still being rebuilt; reload in a moment.\n", head,
                           extra={"Retry-After": "2"})
                return
            kind, target = resolve_request(self.server.root, path)
            status = 200
            if kind == "redirect":
                query = urlsplit(self.path).query
                self._send(301, "text/plain; charset=utf-8", b"", head,
                           extra={"Location": f"{target}?{query}" if query else str(target)})
                return
            if kind == "missing":
                status, target = 404, self.server.root / "404.html"
            try:
                data = target.read_bytes()  # type: ignore[union-attr]
            except OSError:
                data, target = b"<!doctype html><title>Not found</title><h1>Not found</h1>", None
        ctype = content_type(target) if target is not None else "text/html; charset=utf-8"
        if ctype.startswith("text/html"):
            data = inject_reload(data, state.status().build)
        self._send(status, ctype, data, head)

    def _private(self, name: str, head: bool) -> None:
        if name == "reload.js":
            self._send(200, "text/javascript; charset=utf-8", RELOAD_JS.read_bytes(), head)
        elif name == "status":
            self._send(200, "application/json", self.server.state.status().to_json().encode(), head)
        elif name == "events" and not head:
            self._events()
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found\n", head)

    def _events(self) -> None:
        """Server-sent events: the status now, then at every change, with keep-alive comments."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        state = self.server.state
        seen: tuple[int, str] | None = None
        try:
            self.wfile.write(b"retry: 500\n\n")
            while True:
                status = state.wait_change(seen, HEARTBEAT)
                if status is None:
                    return
                if (status.build, status.error) != seen:
                    seen = (status.build, status.error)
                    self.wfile.write(f"data: {status.to_json()}\n\n".encode())
                else:
                    self.wfile.write(b": ping\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return

    def _send(self, status: int, ctype: str, data: bytes, head: bool,
              extra: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if not head:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            return


def bind(host: str, port: int, root: Path, state: SiteState, tries: int = PORT_TRIES) -> Server:
    """A server on ``port``, or the next free one of ``tries`` (port 0: any free port)."""
    last = port + (tries if port else 1)
    for candidate in range(port, last):
        try:
            return Server((host, candidate), root, state)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ServeError(f"cannot listen on {host}:{candidate}: {exc.strerror or exc}") from None
    raise ServeError(f"ports {port} to {last - 1} on {host} are all in use; choose one with --port")
