"""The build's third step: every output file's key, and which files to render.

A page's key hashes what it shows with the theme's and settings' fingerprint (``fp``); a
page whose key is the one the build record holds keeps its file. After an edit of a few
cables (``delta.edited``), or an add or a delete (``moves.moved``), only the pages that can
show them are planned: the others keep their recorded keys without being looked at.
"""

from __future__ import annotations

import hashlib
from operator import attrgetter

from . import delta, editorial, feeds, moves, paths, record, site
from .archive import Archive, Entry
from .config import Config
from .glossary import GLOSSARY
from .store import Stored
from .table import Table
from .views import SiteInfo


def stale(old_pages: Table, keys: Table) -> list[str]:
    """The files of the last build that this one does not make, in order (after an edit, a
    comparison of the entries the two tables do not share: ``table.Table.missing``)."""
    return old_pages.missing(keys)


def pages(archive: Archive, rows: site.Rows, digests: dict[str, bytes], fp: bytes, config: Config,
                site_info: SiteInfo, renderer, kept: dict[str, Entry], editorial_pages: list,
                old: record.Manifest, new: record.Manifest, reuse_ok: bool, keys: Table,
                cable_todo: dict[str, list[tuple[str, str, str]]], render_pages: list[site.Page],
                edited: dict[str, Entry] | None, moved: moves.Moves | None = None) -> dict[str, bytes]:
    """Every page's key into ``keys``; the cable pages to render into ``cable_todo`` and the
    other pages into ``render_pages`` (those whose key is not the one recorded); each listing's
    signature into ``new.listings``. Returns the static files (assets, sitemaps, robots.txt).
    ``edited`` (``delta.edited``): the last parses of the only cables that changed, when the
    build edited cables and nothing else; the other pages' keys are then taken as recorded.
    ``moved`` (``moves.moved``): the cables that went and came, when the build did only that;
    the pages that can show none of them keep their recorded keys too."""
    pages: list[site.Page] = []
    page_paths: list[str] = []
    moved = moved if reuse_ok and edited is None else None
    holding, changed = delta.listings(edited, kept) if reuse_ok and edited is not None else ({}, set())
    if moved is not None:  # the listings that held or hold a cable that went or came are made whole
        holding = moves.listings(moved)
        changed = set(holding)
    planned = reuse_ok and (edited is not None or moved is not None)
    """Only the pages that may show what changed are planned, the others keep their keys."""
    for item in [*site.plan_indexes(archive, rows, GLOSSARY, config, site_info),
                 *editorial.render(editorial_pages, rows)]:
        if isinstance(item, site.Listing):
            fields, count = item.fields_key(fp), len(item.ids)
            last = old.listings.get(item.base) if reuse_ok else None
            item_paths = item.paths(config.per_page)
            page_paths += item_paths
            recorded = last is not None and len(last) == 4 and all(p in old.pages for p in item_paths)
            # An edit left this listing's members as they were: its ids are the last build's.
            same = recorded and planned and last[1:3] == (fields, count) \
                and item.kind in delta.LISTING_KINDS and item.base not in changed
            mine = holding.get(item.base, ())
            if same and not mine:  # nothing it shows changed
                keys.update((p, old.pages[p]) for p in item_paths)
                new.listings[item.base] = last
            else:  # keep the pages whose key did not change, make the others
                years = last[3] if same else site.per_year(item.ids, archive.year_of)
                # After an edit of its cables, only the pages that list one can change.
                numbers = item.page_numbers(mine, config.per_page) if same else None
                made = dict(item.page_keys(fp, digests, years, config.per_page, numbers))
                page_keys = [made[p] if p in made else old.pages[p] for p in item_paths]
                keys.update(zip(item_paths, page_keys, strict=True))
                new.listings[item.base] = (item.signature(fields, page_keys), fields, count, years)
                todo_paths = {p for p, k in made.items() if not reuse_ok or old.pages.get(p) != k}
                if todo_paths:
                    render_pages.extend(item.pages(archive, rows, config, todo_paths, years))
        else:
            pages.append(item)
            page_paths.append(item.path)
    files = static_files(renderer, config, kept, page_paths, old, new, keys, reuse_ok and edited is not None)
    only = delta.affected(archive, edited) if reuse_ok and edited is not None \
        else moves.affected(moved, archive) if moved is not None else None
    ids = None
    if only is not None and not config.cable_json:  # the others' keys as recorded, in one go
        # (those of ``only`` too: their keys are made below). The record's cable pages are the
        # kept cables' (an edit keeps every id and page), unless it lacks some; after an add
        # or a delete, the pages of the cables that went go, and those that came are made.
        went = [e.href for i, e in moved.gone.items() if i not in kept or kept[i].href != e.href] if moved else []
        if keys.take(old.pages, len(moved.last.order) if moved else len(kept)):
            for href in went:
                keys.pop(href, None)
            ids = sorted(only)
        else:
            hrefs = kept.hrefs() if isinstance(kept, Stored) else list(map(attrgetter("href"), kept.values()))
            recorded = list(map(old.pages.get, hrefs))
            if None not in recorded or (moved is not None and all(
                    i in only for i, k in zip(kept, recorded, strict=True) if k is None)):
                keys.update((h, k) for h, k in zip(hrefs, recorded, strict=True) if k is not None)
                ids = sorted(only)
    for cable_id, page, js, key in site.cable_pages(archive, rows, digests, fp, config.cable_json, only, old.pages,
                                                    ids):
        keys[page] = key
        if js:
            keys[js] = key
        if not (reuse_ok and old.pages.get(page) == key and old.pages.get(js or page) == key):
            cable_todo.setdefault(kept[cable_id].unit, []).append((cable_id, page, js))
    # After an edit, a tag's feed shows what it showed unless the tag lists an edited cable.
    quiet = {paths.tag_feed(code) for code in archive.by_tag if paths.tag_base(code) not in holding} \
        if planned else set()
    for page in pages:
        if page.path in quiet and page.path in old.pages:
            keys[page.path] = old.pages[page.path]
            continue
        key = site.page_key(fp, page, digests)
        keys[page.path] = key
        if not (reuse_ok and old.pages.get(page.path) == key):
            render_pages.append(page)
    for rel, data in files.items():
        keys[rel] = hashlib.sha1(data).digest()
    return files


def static_files(renderer, config: Config, kept: dict[str, Entry], page_paths: list[str], old: record.Manifest,
                  new: record.Manifest, keys: Table, same_cables: bool) -> dict[str, bytes]:
    """The theme's assets, sitemaps and robots.txt, compared by their bytes. ``same_cables``:
    the cable pages are the last build's (an edit: ``delta.edited``); then, when the other
    pages are too, the sitemaps keep their keys in ``keys`` (sorting and writing the URLs of
    251,287 cables took 0.25 s of an edit) and are not among the files returned."""
    files = dict(renderer.static_files())
    listed_pages = [p for p in page_paths if p.endswith(".html") and p != "404.html"]
    new.sitemaps = hashlib.sha1("\0".join([config.base_url, *listed_pages]).encode()).hexdigest()
    names = feeds.sitemap_names(len(kept) + len(listed_pages))
    if same_cables and old.sitemaps == new.sitemaps and all(n in old.pages for n in names):
        keys.update((n, old.pages[n]) for n in names)
    else:
        files.update(feeds.sitemaps(config.base_url, sorted([e.href for e in kept.values()] + listed_pages)))
    files["robots.txt"] = feeds.robots(config.base_url)
    return files
