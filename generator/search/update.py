"""Patch the search index in ``output/`` after a few cables changed, instead of remaking it.

A full index merges the partial index of every batch of 1,000 cables: at 251,287 cables
that is most of the time of a one-cable rebuild. When the cables keep their doc numbers
(no cable added or removed, no id changed) and only the text or subject of some changed,
only a few files can differ. :func:`patch` takes partial indexes of the changed docs alone,
old parse and new (``searchplan.patch``), and rewrites:

- the term shards of the terms whose postings differ between the two (for an edited subject:
  a handful of terms). A shard holds the terms of one two-character group
  (``index.group_of``); the group's shards are read back from ``output/``, the changed terms'
  postings rewritten for those docs, and the group cut into shards again by the same rule as
  a full build (``index.split_shards``);
- the doc-table files of the changed docs (subject, snippet text), read back and patched;
- ``meta.js`` when a group's shard prefixes changed.

Anything else (a new date, tag, origin, classification or id) returns ``None``: the
build then makes the whole index. The result is the bytes a full build would write:
``tests/test_search_update.py`` compares them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from . import codec
from .index import VERSION, _script, group_of, shard_file, split_shards
from .partials import DOC_CHUNK, FOLDER, Partial, doc_table, posting_pairs, table_entries

_PREFIX = 'CablesiteSearch.register("'


def read_script(path: Path) -> object:
    """The data of one index file (``CablesiteSearch.register("key",DATA);``)."""
    text = path.read_text(encoding="ascii")
    start = text.index('",', len(_PREFIX)) + 2
    end = text.rindex(");")
    return json.loads(text[start:end])


def _term(part: Partial, term: str) -> tuple[dict[int, int], set[int]]:
    """One term's postings in a partial index: {doc: weight} of the body, docs of the subject."""
    entry = part.body.get(term)
    return dict(posting_pairs(entry[0], entry[1])) if entry else {}, set(part.subject.get(term, ()))


def _changed_terms(old: Partial, new: Partial) -> list[str]:
    """Terms whose postings differ between two partial indexes of the same docs."""
    out = []
    for a, b in ((old.body, new.body), (old.subject, new.subject)):  # compared as stored
        out += [t for t in a.keys() | b.keys() if a.get(t) != b.get(t)]
    return sorted(set(out))


Patch = Callable[[list[str] | None], list[str] | None]
"""What patches one term's ``[body, subject]`` postings (None: not in the index; so is its result)."""


def term_patch(body: Callable[[str], str], subject: Callable[[str], str]) -> Patch:
    """What patches a term's ``[body, subject]`` postings (None: not in the index) by a
    function of each list (``""`` for none); None when both come out empty."""

    def apply(current: list[str] | None) -> list[str] | None:
        old_body, old_subject = current or ("", "")
        new_body, new_subject = body(old_body), subject(old_subject)
        return [new_body, new_subject] if new_body or new_subject else None

    return apply


def partial_apply(docs: frozenset[int], body: dict[int, int], subject: set[int]) -> Patch:
    """What patches a term's postings for the docs of ``docs``: their postings replaced by
    ``body`` (doc -> weight) and ``subject``."""
    in_subject = dict.fromkeys(subject, 0)
    return term_patch(lambda text: codec.splice(text, docs, body, weighted=True),
                      lambda text: codec.splice(text, docs, in_subject, weighted=False))


def rewrite_groups(root: Path, shards: set[str], patches: Mapping[str, list[Patch]],
                   files: dict[str, bytes], removed: list[str]) -> set[str] | None:
    """Patch terms in the index's shards under ``root``: each term's postings go through its
    functions of ``patches`` in turn. A shard holds the terms of one group (``index.group_of``): each
    changed group's shards are read back, patched and cut into shards again by the full
    build's rule (``index.split_shards``), their bytes put in ``files`` and the shards that
    are no more in ``removed``. The shard prefixes after it (``shards`` before), or None
    when a shard cannot be read."""
    by_group: dict[str, list[str]] = {}
    for term in sorted(patches):
        by_group.setdefault(group_of(term), []).append(term)
    listed: dict[str, list[str]] = {}
    for prefix in shards:
        listed.setdefault(group_of(prefix), []).append(prefix)
    shards = set(shards)
    for group, terms in sorted(by_group.items()):
        mine = sorted(listed.get(group, ()))
        postings: dict[str, list[str]] = {}
        for prefix in mine:
            try:
                data = read_script(root / "t" / prefix[0] / f"t{prefix}.js")
            except (OSError, ValueError, UnicodeDecodeError):
                return None
            if not isinstance(data, dict):
                return None
            postings.update(data)
        for term in terms:
            value = postings.get(term)
            for apply in patches[term]:
                value = apply(value)
            if value is None:
                postings.pop(term, None)
            else:
                postings[term] = value
        made = split_shards(postings)
        for prefix, shard_terms in made:
            rel, data = shard_file(prefix, {t: postings[t] for t in shard_terms})
            files[rel] = data
        new_prefixes = {p for p, _ in made}
        removed += [f"search/t/{p[0]}/t{p}.js" for p in mine if p not in new_prefixes]
        shards = (shards - set(mine)) | new_prefixes
    return shards


def patch(output: Path, changes: Iterable[tuple[Partial, Partial]]
          ) -> tuple[dict[str, bytes], list[str]] | None:
    """The files to write (path -> bytes) and to remove, for batches whose partial index went
    from the first to the second; ``None`` when only a full build can say."""
    root = output / "search"
    try:
        meta = read_script(root / "meta.js")
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(meta, dict) or meta.get("version") != VERSION:
        return None
    changed: list[tuple[str, frozenset[int], dict[int, int], set[int]]] = []
    chunks: dict[int, dict[int, tuple[str, str]]] = {}
    """Doc-table file -> its changed docs' new (row, text)."""
    for old, new in changes:
        # docs, their dates, filters and ids must be as they were: the index only patches terms
        if (old.rows.keys() != new.rows.keys() or old.facets != new.facets or old.ids != new.ids
                or old.days != new.days):
            return None
        if any(_meta_row(old.rows[d]) != _meta_row(new.rows[d]) for d in new.rows):
            return None
        docs = sorted(new.rows)
        if not docs:
            continue
        span = frozenset(docs)
        for term in _changed_terms(old, new):
            if _term(old, term) != (value := _term(new, term)):
                changed.append((term, span, *value))
        for d in docs:
            if old.rows[d] != new.rows[d] or old.texts.get(d) != new.texts.get(d):
                text = new.texts.get(d, b"").decode("utf-8", "replace")
                chunks.setdefault(d // DOC_CHUNK, {})[d] = (new.rows[d], text)
    files: dict[str, bytes] = {}
    removed: list[str] = []
    patches: dict[str, list[Patch]] = {}
    for term, span, body, subject in changed:  # a term of several batches: each one's patch in turn
        patches.setdefault(term, []).append(partial_apply(span, body, subject))
    shards = rewrite_groups(root, set(meta["shards"]), patches, files, removed)
    if shards is None:
        return None
    for c, docs_rows in chunks.items():
        made = _patch_chunk(root, c, docs_rows)
        if made is None:
            return None
        files[made[0]] = made[1]
    if shards != set(meta["shards"]):
        meta["shards"] = sorted(shards)
        files["search/meta.js"] = _script("meta", meta)
    return files, removed


def _patch_chunk(root: Path, c: int, docs: dict[int, tuple[str, str]]) -> tuple[str, bytes] | None:
    """Doc-table file ``c`` as in ``output/``, with the (row, text) of ``docs`` put in."""
    try:
        current = read_script(root / "d" / str(c // FOLDER) / f"{c}.js")
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(current, list):
        return None
    entries = table_entries(current)
    for d, entry in docs.items():
        if not 0 <= d - c * DOC_CHUNK < len(entries):
            return None
        entries[d - c * DOC_CHUNK] = entry
    return doc_table(c, entries)


def _meta_row(row: str) -> list:
    """A doc-table row without its subject (index 2): what must not change for a patch."""
    values = json.loads(row)
    return values[:2] + values[3:]
