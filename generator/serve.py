"""``cablesite serve``: build, serve the output over http, rebuild on change, reload open tabs.

Accepted command line (the options of ``cablesite build`` plus two)::

    cablesite serve --content content --port 8000 --bind 127.0.0.1

Then saving ``content/cables/07USNATO577.txt`` with a new line
``SUBJECT: (C) NATO: ALLIES DISCUSS RUSSIA'S CFE SUSPENSION`` makes every open
tab of the site reload with the new subject within about a second.

How it works:

* One thread serves ``output/`` (``devserver.py``: the handler, the reload
  script injected into HTML responses, the private ``/__cablesite/`` URLs).
* watchdog threads put changed paths of the content folder, the theme and
  ``cablesite.toml`` on a queue; the main thread waits until they settle
  (:data:`QUIET` of quiet, at most :data:`SETTLE_CAP`), then rebuilds. The
  build is incremental by itself.
* ``devserver.SiteState`` is the gate: a request waits while ``build()`` runs,
  so no half-built site is ever served. A failed build leaves ``output/`` as it
  was, prints one line, and its message goes to the tabs, which show it over the
  page until a build succeeds.
"""

from __future__ import annotations

import fcntl
import os
import queue
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from . import write
from .build import BuildError, Result, build, report, stopped_line
from .config import Config, ConfigError, load_config
from .devserver import ServeError, SiteState, bind
from .warm import Warm

QUIET = 0.15
"""Seconds without a new change before a rebuild starts."""
SETTLE_CAP = 2.0
"""Longest wait for changes to settle (a bulk copy): rebuild anyway after this."""
SMALL_CHANGE = 50
"""Up to this many changed cable files, a rebuild renders in this process (no worker pool)."""
_IGNORED_EVENTS = {"opened", "closed_no_write"}
_EDITOR_TEMP = re.compile(r"^(\.|#)|~$|\.(swp|swx|swpx|tmp|part|crdownload)$|^4913$")


# -- watching ---------------------------------------------------------------------------------


def is_relevant(path: str, roots: tuple[Path, ...], files: tuple[Path, ...],
                ignored: tuple[Path, ...]) -> bool:
    """Whether a changed path should trigger a rebuild.

    ``roots`` are watched with everything under them, ``files`` exactly;
    anything under ``ignored`` (the output, its cache and staging folders) and
    editor temporaries (``.x.swp``, ``x~``, ``#x#``, vim's ``4913``) never count.
    """
    p = Path(path)
    if any(p == i or i in p.parents for i in ignored):
        return False
    if p in files:
        return True
    if _EDITOR_TEMP.search(p.name):
        return False
    return any(p == r or r in p.parents for r in roots)


def settle(events: queue.Queue[str], first: str, quiet: float = QUIET,
           cap: float = SETTLE_CAP) -> set[str]:
    """Collect changed paths after ``first`` until ``quiet`` seconds pass without one (at most ``cap``)."""
    changed = {first}
    deadline = time.monotonic() + cap
    while True:
        left = min(quiet, deadline - time.monotonic())
        if left <= 0:
            return changed
        try:
            changed.add(events.get(timeout=left))
        except queue.Empty:
            return changed


def rebuild_jobs(changed: set[str], content: Path, jobs: int) -> int:
    """Worker processes for a rebuild: none for a few edited cables, all for the rest."""
    cables = [p for p in changed if content in Path(p).parents]
    if len(cables) == len(changed) and len(changed) <= SMALL_CHANGE:
        return 1
    return jobs



class _Watch(FileSystemEventHandler):
    """Puts relevant changed paths on a queue (runs in watchdog's thread)."""

    def __init__(self, events: queue.Queue[str], roots: tuple[Path, ...], files: tuple[Path, ...],
                 ignored: tuple[Path, ...]) -> None:
        self.events, self.roots, self.files, self.ignored = events, roots, files, ignored

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in _IGNORED_EVENTS or (event.is_directory and event.event_type == "modified"):
            return
        for path in (event.src_path, getattr(event, "dest_path", "")):
            path = path.decode() if isinstance(path, bytes) else path
            if path and is_relevant(path, self.roots, self.files, self.ignored):
                self.events.put(path)


def watch_targets(content: Path, config_path: Path, config: Config) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """(folders watched recursively, files watched exactly)."""
    roots = tuple(dict.fromkeys([content.resolve(), Path(config.theme).resolve()]))
    return roots, (config_path.resolve(),)


def start_observer(roots: tuple[Path, ...], files: tuple[Path, ...], ignored: tuple[Path, ...],
                   events: queue.Queue[str]) -> Observer:
    handler = _Watch(events, roots, files, ignored)
    observer = Observer()
    for root in roots:
        if root.is_dir():
            observer.schedule(handler, str(root), recursive=True)
    for file in files:
        parent = file.parent
        if parent.is_dir() and not any(parent == r or r in parent.parents for r in roots):
            observer.schedule(handler, str(parent), recursive=False)
    observer.daemon = True
    observer.start()
    return observer


# -- the command -------------------------------------------------------------------------------


def lock_output(output: Path) -> int | None:
    """Hold an exclusive lock on the output's cache folder; None when another server holds it.

    Two servers rebuilding one output folder would trip over each other's staging
    folder. The lock is on the folder itself (nothing is created but the cache
    folder the build makes anyway) and ends with the process.
    """
    cache = output.parent / f".{output.name}.cache"
    cache.mkdir(parents=True, exist_ok=True)
    fd = os.open(cache, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _say(message: str) -> None:
    print(f"cablesite: {message}", file=sys.stderr, flush=True)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _config_path(args) -> Path:
    return args.config or args.content / "cablesite.toml"


def _load(args) -> Config:
    return load_config(_config_path(args), base_url=args.base_url, theme=args.theme)


def run_once(args, state: SiteState, jobs: int, previous: Result | None,
             stopper: Stopper | None = None, warm: Warm | None = None) -> tuple[Config | None, Result | None]:
    """One build under the gate; report it; return the config used and the result (None on failure).
    ``warm``: what the last build left in memory (``warm.py``)."""
    try:
        config = _load(args)
        with stopper.build() if stopper else nullcontext(), state.building():
            result = build(args.content, args.output, config, jobs=jobs, progress=False,
                           defer_search=previous is not None, warm=warm, strict=args.strict)
    except (ConfigError, BuildError, write.UnsafePath) as exc:
        state.finish(changed=False, error=_one_line(exc))
        _say(f"rebuild failed: {_one_line(exc)} (still serving the last good site; save a fix to retry)")
        return None, None
    except OSError as exc:
        message = f"{exc.strerror or exc}: {exc.filename or ''}".strip(": ")
        state.finish(changed=False, error=message)
        _say(f"rebuild failed: {message} (still serving the last good site)")
        return None, None
    except Exception as exc:  # a fault in the build must not stop the server: report, keep serving
        message = f"{type(exc).__name__}: {_one_line(exc)}"
        state.finish(changed=False, error=message)
        _say(f"rebuild failed: {message} (still serving the last good site; save a fix to retry)")
        return None, None
    if result.stopped:  # --strict: nothing written; the browser shows why until a fix
        state.finish(changed=False, error=stopped_line(result))
    else:
        state.finish(changed=previous is None or bool(result.written or result.deleted))
    if previous is None:
        report(result)
    else:
        _report_rebuild(result, previous)
    if result.stopped and previous is not None:
        _say(f"{stopped_line(result)} (still serving the last good site; save a fix to retry)")
    if result.search_deferred:
        # The pages are out; now the search index catches up. Requests are not held for it:
        # it changes only files under search/, each replaced whole, and no page.
        try:
            with stopper.build() if stopper else nullcontext():
                build(args.content, args.output, config, jobs=jobs, progress=False, warm=warm)
        except Exception as exc:  # the pages are served; say what the index could not do
            _say(f"search index not updated: {_one_line(exc)}")
        state.finish(changed=False)
    return config, result


def _report_rebuild(result: Result, previous: Result) -> None:
    """New diagnostics as the build prints them, then one summary line."""
    before = set(previous.diagnostics)
    for d in result.diagnostics:
        if d not in before:
            print(d, file=sys.stderr)
    _say(f"rebuilt in {result.seconds:.2f} s: {result.written} files written, {result.deleted} removed, "
         f"{result.cables} cables, {result.warnings} warnings, {result.errors} errors")


def _child_signals() -> None:
    """Build workers forked by serve: the kernel's SIGTERM (the pool's terminate), no SIGINT."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Stopper:
    """Ctrl-C and SIGTERM: stop between builds; during one, let it finish unless asked twice.

    Interrupting ``build()`` mid-way is safe for ``output/`` but may strand its
    worker processes, so the first signal during a build only asks to stop after
    it. Forked build workers inherit the handler: they ignore SIGINT (the parent
    decides) and exit on SIGTERM (how the pool ends them).
    """

    def __init__(self) -> None:
        self.main_pid = os.getpid()
        self.building = False
        self.requested = False

    def __call__(self, signum: int, frame: object) -> None:
        if os.getpid() != self.main_pid:
            if signum != signal.SIGINT:
                os._exit(128 + signum)
            return
        if self.building and not self.requested:
            self.requested = True
            _say("stopping after this build (press Ctrl-C again to interrupt it)")
            return
        raise KeyboardInterrupt

    @contextmanager
    def build(self) -> Iterator[None]:
        self.building = True
        try:
            yield
        finally:
            self.building = False
        if self.requested:
            raise KeyboardInterrupt


def run_serve(args) -> int:
    """The ``cablesite serve`` command: returns when interrupted (Ctrl-C or SIGTERM)."""
    output = args.output.resolve()
    state = SiteState()
    lock = lock_output(output)
    if lock is None:
        _say(f"error: another cablesite serve is building into {output}; stop it or choose --output")
        return 1
    try:
        server = bind(args.bind, args.port, output, state)
    except ServeError as exc:
        os.close(lock)
        _say(f"error: {exc}")
        return 1
    port = server.server_address[1]
    if args.port and port != args.port:
        _say(f"port {args.port} is in use, using port {port} instead")
    stopper = Stopper()
    previous = {sig: signal.signal(sig, stopper) for sig in (signal.SIGINT, signal.SIGTERM)}
    os.register_at_fork(after_in_child=_child_signals)
    thread = threading.Thread(target=server.serve_forever, name="cablesite-http", daemon=True)
    observer = None
    warm = Warm()
    try:
        thread.start()
        events: queue.Queue[str] = queue.Queue()
        ignored = (output, output.parent / f".{output.name}.cache", write.staging_dir(output),
                   output.parent / f".{output.name}.old")
        try:
            first_config = _load(args)
        except ConfigError:
            first_config = _fallback_config(args)  # the build says what is wrong with the settings
        # Watched from before the first build: its scan stays current, so no rebuild scans again.
        targets = watch_targets(args.content, _config_path(args), first_config)
        observer = start_observer(*targets, ignored, events)
        warm.watching()
        config, result = run_once(args, state, args.jobs, None, stopper, warm)
        if result is not None and result.stopped:  # as `mkdocs serve --strict`: no site to serve
            _say(f"{stopped_line(result)}; fix it or serve without --strict")
            return 1
        url_host = "localhost" if args.bind in ("127.0.0.1", "::1", "localhost") else args.bind
        _say(f"serving http://{url_host}:{port}/ (watching {args.content}; Ctrl-C to stop)")
        while True:
            if config is not None:  # the settings may name another theme now: watch it
                new_targets = watch_targets(args.content, _config_path(args), config)
                if new_targets != targets:
                    warm.unwatch()
                    observer.stop()
                    observer.join(5)
                    targets = new_targets
                    observer = start_observer(*targets, ignored, events)
                    warm.watching()
                config = None
            try:
                first = events.get(timeout=0.5)
            except queue.Empty:
                continue
            changed = settle(events, first)
            jobs = rebuild_jobs(changed, args.content.resolve(), args.jobs)
            warm.note(changed)
            config, new = run_once(args, state, jobs, result or Result(), stopper, warm)
            result = new or result
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        state.close()
        if observer is not None:
            observer.stop()
        server.shutdown()
        server.server_close()
        if observer is not None:
            observer.join(5)
        write.recover(output)
        os.close(lock)
    _say("stopped")
    return 0


def _fallback_config(args) -> Config:
    """Settings for watching when the first build failed on them: the theme from the command line."""
    return Config(theme=str(args.theme.resolve())) if args.theme else Config()
