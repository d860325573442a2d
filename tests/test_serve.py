"""``cablesite serve``: the pieces in-process, then the command in a subprocess over a corpus copy."""

from __future__ import annotations

import http.client
import json
import queue
import socket
import threading
import time
from pathlib import Path

import pytest

from generator import devserver, serve
from generator.devserver import Server, SiteState, bind, inject_reload, resolve_request
from generator.serve import is_relevant, rebuild_jobs, settle

# -- pure helpers ----------------------------------------------------------------------------


def test_inject_reload_goes_before_the_last_body_end() -> None:
    html = b"<html><body><pre>&lt;/body&gt;</pre><p>x</p></BODY ></html>"
    out = inject_reload(html, 7)
    assert out == (b"<html><body><pre>&lt;/body&gt;</pre><p>x</p>"
                   b'<script src="/__cablesite/reload.js?build=7"></script></BODY ></html>')


def test_inject_reload_appends_without_body_end() -> None:
    assert inject_reload(b"<p>x", 0).endswith(b'<script src="/__cablesite/reload.js?build=0"></script>')


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "out"
    (root / "cable" / "2007" / "10").mkdir(parents=True)
    (root / "index.html").write_text("<html><body><h1>Home</h1></body></html>")
    (root / "404.html").write_text("<html><body><h1>Page not found</h1></body></html>")
    (root / "cable" / "index.html").write_text("<html><body>cables</body></html>")
    (root / "cable" / "2007" / "10" / "07USNATO577.html").write_text("<html><body>NATO</body></html>")
    (root / "style.css").write_text("body{}")
    (tmp_path / "secret.txt").write_text("do not serve")
    (root / "escape").symlink_to(tmp_path)
    return root.resolve()


def test_resolve_request_serves_files_and_folder_indexes(site: Path) -> None:
    assert resolve_request(site, "/") == ("file", site / "index.html")
    assert resolve_request(site, "/cable/") == ("file", site / "cable" / "index.html")
    assert resolve_request(site, "/cable") == ("redirect", "/cable/")
    assert resolve_request(site, "/cable/2007/10/07USNATO577.html") == (
        "file", site / "cable" / "2007" / "10" / "07USNATO577.html")
    assert resolve_request(site, "/nope.html") == ("missing", None)


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/cable/../../secret.txt", "/escape/secret.txt",
    "/..%2fsecret.txt", "/%00", "//etc/passwd",
])
def test_resolve_request_never_leaves_the_output_folder(site: Path, path: str) -> None:
    assert resolve_request(site, path) == ("missing", None)


def test_is_relevant_filters_editor_files_and_output(tmp_path: Path) -> None:
    content, theme, out = tmp_path / "content", tmp_path / "theme", tmp_path / "output"
    config = tmp_path / "cablesite.toml"
    roots, files, ignored = (content, theme), (config,), (out, tmp_path / ".output.cache")

    def rel(p: Path) -> bool:
        return is_relevant(str(p), roots, files, ignored)

    assert rel(content / "cables" / "07USNATO577.txt")
    assert rel(theme / "templates" / "cable.html")
    assert rel(config)
    assert rel(content / "cables")  # a deleted folder of cables
    assert not rel(content / "cables" / ".07USNATO577.txt.swp")
    assert not rel(content / "cables" / "07USNATO577.txt~")
    assert not rel(content / "cables" / "4913")
    assert not rel(out / "index.html")
    assert not rel(tmp_path / ".output.cache" / "manifest.marshal")
    assert not rel(tmp_path / "other.toml")


def test_settle_waits_for_quiet_then_returns_everything() -> None:
    events: queue.Queue[str] = queue.Queue()

    def writer() -> None:
        for i in range(5):
            time.sleep(0.03)
            events.put(f"f{i}")

    t = threading.Thread(target=writer)
    start = time.monotonic()
    t.start()
    got = settle(events, "first", quiet=0.1, cap=2.0)
    t.join()
    assert got == {"first", "f0", "f1", "f2", "f3", "f4"}
    assert 0.25 <= time.monotonic() - start < 1.0


def test_settle_is_capped_under_a_steady_stream() -> None:
    events: queue.Queue[str] = queue.Queue()
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            events.put(f"f{i}")
            i += 1
            time.sleep(0.01)

    t = threading.Thread(target=writer)
    t.start()
    start = time.monotonic()
    got = settle(events, "first", quiet=0.1, cap=0.4)
    elapsed = time.monotonic() - start
    stop.set()
    t.join()
    assert 0.35 <= elapsed < 0.8
    assert len(got) > 10


def test_rebuild_jobs_uses_no_pool_for_a_few_cables(tmp_path: Path) -> None:
    content = tmp_path / "content"
    one = {str(content / "cables" / "07USNATO577.txt")}
    many = {str(content / f"c{i}.txt") for i in range(serve.SMALL_CHANGE + 1)}
    theme = {str(tmp_path / "theme" / "templates" / "cable.html")}
    assert rebuild_jobs(one, content, 8) == 1
    assert rebuild_jobs(many, content, 8) == 8
    assert rebuild_jobs(one | theme, content, 8) == 8


# -- the gate ------------------------------------------------------------------------------


def test_reading_waits_for_a_running_build() -> None:
    state = SiteState()
    order: list[str] = []
    started = threading.Event()

    def builder() -> None:
        with state.building():
            started.set()
            time.sleep(0.2)
            order.append("built")

    t = threading.Thread(target=builder)
    t.start()
    started.wait()
    with state.reading(timeout=5) as ok:
        order.append("read")
        assert ok
    t.join()
    assert order == ["built", "read"]


def test_reading_gives_up_after_its_timeout() -> None:
    state = SiteState()
    with state.building(), state.reading(timeout=0.05) as ok:
        assert not ok
    with state.reading(timeout=0.05) as ok:
        assert ok


def test_build_number_counts_only_builds_that_changed_files() -> None:
    state = SiteState()
    assert state.finish(changed=True).build == 1
    assert state.finish(changed=False).build == 1
    failed = state.finish(changed=True, error="template error in cable.html")
    assert (failed.build, failed.error) == (1, "template error in cable.html")
    assert state.finish(changed=True) == devserver.Status(2, "", False, 4)


# -- the HTTP handler in-process ----------------------------------------------------------------


@pytest.fixture
def server(site: Path):
    state = SiteState()
    srv = Server(("127.0.0.1", 0), site, state)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    state.close()
    srv.shutdown()
    srv.server_close()


def get(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def test_handler_injects_the_script_into_html_only(server: Server) -> None:
    port = server.server_address[1]
    status, headers, body = get(port, "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert body.endswith(b'<h1>Home</h1><script src="/__cablesite/reload.js?build=0"></script></body></html>')
    assert int(headers["content-length"]) == len(body)
    status, headers, body = get(port, "/style.css")
    assert (status, body) == (200, b"body{}")
    assert headers["content-type"].startswith("text/css")


def test_handler_404_is_the_sites_page(server: Server) -> None:
    status, _, body = get(server.server_address[1], "/cable/2007/10/07NOPE1.html")
    assert status == 404
    assert b"<h1>Page not found</h1>" in body
    assert b"/__cablesite/reload.js" in body


def test_handler_refuses_traversal(server: Server) -> None:
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/escape/secret.txt"):
        status, _, body = get(server.server_address[1], path)
        assert status == 404
        assert b"do not serve" not in body


def test_handler_redirects_folders_and_answers_head(server: Server) -> None:
    status, headers, _ = get(server.server_address[1], "/cable?x=1")
    assert (status, headers["location"]) == (301, "/cable/?x=1")
    status, headers, body = get(server.server_address[1], "/", "HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


def test_private_urls(server: Server) -> None:
    port = server.server_address[1]
    status, headers, body = get(port, "/__cablesite/reload.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert b"EventSource" in body
    status, _, body = get(port, "/__cablesite/status")
    assert json.loads(body) == {"build": 0, "ok": True, "error": "", "building": False, "attempts": 0}
    assert get(port, "/__cablesite/other")[0] == 404


def test_events_stream_the_build_number_and_errors(server: Server) -> None:
    sock = socket.create_connection(server.server_address, timeout=10)
    sock.sendall(b"GET /__cablesite/events HTTP/1.1\r\nHost: x\r\n\r\n")
    stream = sock.makefile("rb")

    def next_data() -> dict:
        while True:
            line = stream.readline()
            assert line, "stream closed"
            if line.startswith(b"data: "):
                return json.loads(line[6:])

    assert next_data()["build"] == 0
    server.state.finish(changed=True)
    assert next_data()["build"] == 1
    server.state.finish(changed=False, error="template error (line 3) while rendering x.html")
    assert next_data() == {"build": 1, "ok": False, "building": False, "attempts": 2,
                           "error": "template error (line 3) while rendering x.html"}
    server.state.close()
    assert stream.read().strip() == b""  # the server ends the stream when it stops
    sock.close()


def test_a_request_during_a_build_waits_for_it(server: Server, site: Path) -> None:
    page = site / "cable" / "2007" / "10" / "07USNATO577.html"
    done = threading.Event()

    def builder() -> None:
        with server.state.building():
            done.set()
            page.write_text("<html><body>half</body></html>")
            time.sleep(0.3)
            page.write_text("<html><body>whole</body></html>")

    t = threading.Thread(target=builder)
    t.start()
    done.wait()
    _, _, body = get(server.server_address[1], "/cable/2007/10/07USNATO577.html")
    t.join()
    assert body.startswith(b"<html><body>whole")


def test_bind_takes_the_next_free_port(site: Path) -> None:
    state = SiteState()
    first = bind("127.0.0.1", 0, site, state)
    port = first.server_address[1]
    try:
        try:
            second = bind("127.0.0.1", port, site, state)
        except devserver.ServeError:
            pytest.skip("the next ports happen to be taken")
        assert second.server_address[1] > port
        second.server_close()
        with pytest.raises(devserver.ServeError, match="in use"):
            bind("127.0.0.1", port, site, state, tries=1)
    finally:
        first.server_close()


# -- the command in a subprocess ------------------------------------------------------------------

# Cables of the corpus that cite each other (San Jose and Tripoli threads), plus the seed cable.
SERVED = [
    "06SANJOSE2671", "07SANJOSE1106", "07SANJOSE1194", "07SANJOSE1322", "07SANJOSE1488",
    "07SANJOSE999", "08SANJOSE129", "08SANJOSE540", "08SANJOSE710", "08SANJOSE969", "08TRIPOLI126",
    "08TRIPOLI214", "08TRIPOLI227", "08TRIPOLI230", "08TRIPOLI36", "08TRIPOLI494", "08TRIPOLI541",
    "08TRIPOLI564", "08TRIPOLI584", "08TRIPOLI592", "08TRIPOLI666", "08TRIPOLI679", "08TRIPOLI819",
    "08TRIPOLI851", "08TRIPOLI870", "08TRIPOLI889", "08TRIPOLI896", "08TRIPOLI917", "08TRIPOLI926",
    "08TRIPOLI936", "08TRIPOLI987", "08TRIPOLI994", "09SANJOSE18", "09TRIPOLI134", "09TRIPOLI17",
    "09TRIPOLI186", "09TRIPOLI191", "09TRIPOLI196", "09TRIPOLI198", "09TRIPOLI208", "09TRIPOLI22",
    "09TRIPOLI37", "09TRIPOLI40", "09TRIPOLI59", "09TRIPOLI64", "09TRIPOLI714",
]
CITING, CITED = "08SANJOSE540", "07SANJOSE1106"
"""``08SANJOSE540`` (``REF: A. SAN JOSE 133 ... 07 SAN JOSE 1106``...) cites ``07SANJOSE1106``."""
CITING_PAGE = "/cable/2008/06/08SANJOSE540.html"
CITED_PAGE = "/cable/2007/06/07SANJOSE1106.html"
CITING_ONLY_TAG = "/tag/ZO.html"
"""``ZO`` is among 08SANJOSE540's tags and no other served cable's."""
LATE = "08SANJOSE629"
"""Not served at first; it cites 07SANJOSE1106 too."""
LATE_PAGE = "/cable/2008/07/08SANJOSE629.html"
OLD_SUBJECT = "HAPPY FIRST BIRTHDAY! COSTA RICA AND CHINA"
NEW_SUBJECT = "SECOND THOUGHTS ON THE COSTA RICA CHINA ANNIVERSARY"


class Served:
    """``python -m generator serve`` in a subprocess, with its stderr collected."""

    def __init__(self, tmp: Path, *extra: str, port: int | None = None) -> None:
        import subprocess
        import sys

        self.tmp = tmp
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--content", str(tmp / "content"),
             "--output", str(tmp / "out"), "--port", str(port or free_port()), "--jobs", "2", *extra],
            cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        try:
            line = self.wait_line("serving http://", 120)
        except AssertionError:
            self.proc.kill()
            raise
        self.port = int(line.split("http://localhost:")[1].split("/")[0])

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_line(self, needle: str, timeout: float = 30, start: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                if needle in line:
                    return line
            if self.proc.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no line with {needle!r} in stderr:\n" + "\n".join(self.lines))

    def get(self, path: str) -> tuple[int, str]:
        status, _, body = get(self.port, path)
        return status, body.decode("utf-8")

    def status(self) -> dict:
        return json.loads(self.get("/__cablesite/status")[1])

    def wait_for(self, check, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.1)
        raise AssertionError("condition not met; stderr:\n" + "\n".join(self.lines))

    def stop(self, sig: int | None = None) -> int:
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(sig or signal.SIGINT)
        try:
            return self.proc.wait(30)
        finally:
            self.reader.join(5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return make_archive(tmp_path)


def make_archive(tmp_path: Path) -> Path:
    """A content folder of the served cables and a copy of the default theme."""
    import shutil

    from conftest import REPO, need_corpus

    corpus = need_corpus() / "cablegate-text"
    cables = tmp_path / "content" / "cables"
    cables.mkdir(parents=True)
    for cable_id in SERVED:
        shutil.copy(corpus / f"{cable_id}.txt", cables / f"{cable_id}.txt")
    shutil.copy(REPO / "content" / "cables" / "07USNATO577.txt", cables / "07USNATO577.txt")
    shutil.copytree(REPO / "themes" / "default", tmp_path / "theme")
    return tmp_path


@pytest.fixture
def served(archive: Path):
    s = Served(archive, "--theme", str(archive / "theme"))
    yield s
    s.stop()


def set_subject(path: Path, subject: str) -> None:
    text = path.read_text(encoding="utf-8")
    lines = [f"SUBJECT: {subject} " if line.startswith("SUBJECT:") else line for line in text.split("\n")]
    assert lines != text.split("\n"), f"no SUBJECT line in {path}"
    path.write_text("\n".join(lines), encoding="utf-8")


def test_serve_edit_updates_the_page_its_citations_and_its_tag(served: Served, archive: Path) -> None:
    for page in (CITING_PAGE, CITED_PAGE, CITING_ONLY_TAG):
        status, html = served.get(page)
        assert status == 200 and OLD_SUBJECT in html, page
    set_subject(archive / "content" / "cables" / f"{CITING}.txt", NEW_SUBJECT)
    served.wait_for(lambda: NEW_SUBJECT in served.get(CITING_PAGE)[1])
    for page in (CITED_PAGE, CITING_ONLY_TAG):
        status, html = served.get(page)
        assert status == 200 and NEW_SUBJECT in html and OLD_SUBJECT not in html, page
    assert served.status()["build"] == 2
    served.wait_line("rebuilt in")


def test_serve_handles_deleted_added_and_renamed_cables(served: Served, archive: Path) -> None:
    import shutil

    from conftest import CORPUS

    cables = archive / "content" / "cables"
    (cables / f"{CITING}.txt").unlink()
    served.wait_for(lambda: served.get(CITING_PAGE)[0] == 404)
    assert "Page not found" in served.get(CITING_PAGE)[1] or "not found" in served.get(CITING_PAGE)[1].lower()
    assert CITING not in served.get(CITED_PAGE)[1]
    assert served.get(CITING_ONLY_TAG)[0] == 404
    def linking() -> list[Path]:
        return [p for p in (archive / "out").rglob("*") if p.is_file() and f"{CITING}.html" in
                p.read_text(encoding="utf-8", errors="replace")]

    # no page links to it at once; the search index under search/ follows a moment later
    assert [p for p in linking() if "search" not in p.relative_to(archive / "out").parts] == []
    served.wait_for(lambda: linking() == [], timeout=60)

    shutil.copy(CORPUS / "cablegate-text" / f"{LATE}.txt", cables / f"{LATE}.txt")
    served.wait_for(lambda: served.get(LATE_PAGE)[0] == 200)
    assert f"{LATE}.html" in served.get(CITED_PAGE)[1]

    attempts = served.status()["attempts"]
    (cables / "moved").mkdir()
    (cables / "08TRIPOLI36.txt").rename(cables / "moved" / "tripoli-36.txt")
    served.wait_for(lambda: served.status()["attempts"] > attempts)
    assert served.get("/cable/2008/01/08TRIPOLI36.html")[0] == 200


def test_serve_keeps_the_last_good_site_when_a_template_breaks(served: Served, archive: Path) -> None:
    template = archive / "theme" / "templates" / "cable.html"
    good = template.read_text(encoding="utf-8")
    _, before = served.get(CITED_PAGE)
    mark = len(served.lines)
    template.write_text(good.replace("</", "{% if %}</", 1), encoding="utf-8")
    served.wait_for(lambda: served.status()["error"] != "")
    status = served.status()
    assert not status["ok"] and status["error"].startswith("template error")
    line = served.wait_line("rebuild failed", start=mark)
    assert status["error"] in line and "last good site" in line
    assert served.get(CITED_PAGE) == (200, before)

    set_subject(archive / "content" / "cables" / f"{CITING}.txt", NEW_SUBJECT)  # still broken
    served.wait_for(lambda: served.status()["attempts"] > status["attempts"])
    assert served.get(CITED_PAGE) == (200, before)

    template.write_text(good, encoding="utf-8")
    served.wait_for(lambda: served.status()["ok"])
    assert NEW_SUBJECT in served.get(CITED_PAGE)[1]
    assert served.get(CITING_PAGE)[0] == 200


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_serve_stops_cleanly(archive: Path, signame: str) -> None:
    import signal

    s = Served(archive)
    assert s.get("/")[0] == 200
    set_subject(archive / "content" / "cables" / f"{CITING}.txt", NEW_SUBJECT)
    time.sleep(0.2)  # the signal may land during the rebuild
    assert s.stop(getattr(signal, signame)) == 0
    assert "cablesite: stopped" in s.lines[-1]
    left = sorted(p.name for p in archive.iterdir())
    assert left == [".out.cache", "content", "out", "theme"]
    assert not any(p.name.endswith(".tmp") for p in (archive / "out").rglob("*"))


def test_serve_takes_the_next_port_when_one_is_in_use(archive: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        s = Served(archive, port=port)
        try:
            assert s.port != port
            s.wait_line(f"port {port} is in use, using port {s.port} instead")
            assert s.get("/")[0] == 200
        finally:
            s.stop()


def test_serve_rebuilds_when_the_settings_change(served: Served, archive: Path) -> None:
    assert "Cable archive" in served.get("/")[1]
    (archive / "content" / "cablesite.toml").write_text('title = "Costa Rica and Libya threads"\n')
    served.wait_for(lambda: "Costa Rica and Libya threads" in served.get("/")[1])
    assert "Costa Rica and Libya threads" in served.get(CITED_PAGE)[1]


def test_serve_strict_keeps_the_last_good_site_while_a_cable_is_malformed(archive: Path) -> None:
    """``serve --strict``: a rebuild meeting a malformed cable writes nothing (the pages stay
    the last good site's), says why on the terminal and in the browser's status, and builds
    again once the file is fixed. A first build that meets one does not serve at all."""
    import subprocess
    import sys

    served = Served(archive, "--strict")
    try:
        _, before = served.get(CITING_PAGE)
        mark = len(served.lines)
        set_subject(archive / "content" / "cables" / f"{CITING}.txt", NEW_SUBJECT)
        bad = archive / "content" / "cables" / "broken.txt"
        bad.write_text("not a cable at all\n", encoding="utf-8")
        served.wait_for(lambda: served.status()["error"] != "")
        assert served.status()["error"] == "--strict: the build stopped on 0 warnings and 1 errors"
        served.wait_line("broken.txt:0: error:", start=mark)
        assert "last good site" in served.wait_line("--strict: the build stopped", start=mark)
        assert served.get(CITING_PAGE) == (200, before)
        bad.unlink()
        served.wait_for(lambda: served.status()["ok"])
        assert NEW_SUBJECT in served.get(CITING_PAGE)[1]
    finally:
        served.stop()

    bad.write_text("not a cable at all\n", encoding="utf-8")
    first = subprocess.run(
        [sys.executable, "-m", "generator", "serve", "--content", str(archive / "content"),
         "--output", str(archive / "out2"), "--port", str(free_port()), "--strict"],
        cwd=archive, capture_output=True, text=True, timeout=120)
    assert first.returncode == 1 and "serving http://" not in first.stderr
    assert "broken.txt:0: error:" in first.stderr
    assert "--strict: the build stopped on 0 warnings and 1 errors" in first.stderr


def test_a_second_server_on_the_same_output_refuses_to_start(served: Served, archive: Path) -> None:
    import subprocess
    import sys

    second = subprocess.run(
        [sys.executable, "-m", "generator", "serve", "--content", str(archive / "content"),
         "--output", str(archive / "out"), "--port", str(free_port())],
        cwd=archive, capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert "another cablesite serve is building into" in second.stderr
    assert served.get(CITED_PAGE)[0] == 200


def test_a_served_site_after_many_changes_is_a_clean_build(served: Served, archive: Path) -> None:
    """Rebuilds start from what the last one kept in memory (``warm.py``): after edits, an
    addition, a deletion and a new folder, the output is exactly a clean build's."""
    import shutil

    from conftest import CORPUS

    from generator.build import build
    from generator.config import Config

    cables = archive / "content" / "cables"
    set_subject(cables / f"{CITING}.txt", NEW_SUBJECT)
    served.wait_for(lambda: NEW_SUBJECT in served.get(CITING_PAGE)[1])
    shutil.copy(CORPUS / "cablegate-text" / f"{LATE}.txt", cables / f"{LATE}.txt")
    served.wait_for(lambda: served.get(LATE_PAGE)[0] == 200)
    (cables / "08TRIPOLI36.txt").unlink()
    served.wait_for(lambda: served.get("/cable/2008/01/08TRIPOLI36.html")[0] == 404)
    (cables / "moved").mkdir()
    (cables / "07SANJOSE999.txt").rename(cables / "moved" / "sj999.txt")
    set_subject(cables / "moved" / "sj999.txt", "MOVED AND EDITED")
    served.wait_for(lambda: "MOVED AND EDITED" in served.get("/tag/ZO.html")[1]
                    or any("MOVED AND EDITED" in p.read_text(encoding="utf-8", errors="replace")
                           for p in (archive / "out" / "cable").rglob("07SANJOSE999.html")))
    incoming = archive / "incoming"  # a folder of cables moved in whole: one event, for the folder
    incoming.mkdir()
    extra = next(p for p in sorted((CORPUS / "cablegate-text").glob("08SANJOSE*.txt"))
                 if p.stem not in SERVED and p.stem != LATE)
    shutil.copy(extra, incoming / extra.name)
    incoming.rename(cables / "incoming")
    served.wait_for(lambda: any((archive / "out" / "cable").rglob(f"{extra.stem}.html")))
    set_subject(cables / f"{CITED}.txt", "CITED, EDITED LAST")
    served.wait_for(lambda: "CITED, EDITED LAST" in served.get(CITING_PAGE)[1])
    # idle: no build for a while (the search index follows the pages)
    last = (-1, -1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = (served.status()["attempts"], len(served.lines))
        if now == last and not served.status()["building"]:
            break
        last = now
        time.sleep(2)
    assert served.stop() == 0
    clean = archive / "clean"
    build(archive / "content", clean, Config(theme=str(archive / "theme")), jobs=1)
    assert tree(archive / "out") == tree(clean)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
