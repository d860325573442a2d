"""Planning helpers of ``generator/site.py``."""

from __future__ import annotations

import random

from generator.site import most_cited


def test_most_cited_is_the_head_of_the_whole_sort() -> None:
    rng = random.Random(5)
    for size in (0, 1, 5, 19, 20, 21, 300):
        cited_by = {f"0{rng.randrange(5, 10)}X{i}": ["c"] * rng.choice([1, 1, 2, 3, 3, 7]) for i in range(size)}
        whole = sorted(cited_by.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        for n in (1, 20):
            assert most_cited(cited_by, n) == whole[:n], (size, n)


def test_per_year_of_a_listing_counts_every_year() -> None:
    from collections import Counter

    from generator.site import per_year

    rng = random.Random(3)
    for size in (0, 1, 2, 50, 1000):
        created = sorted((rng.choice(["", "1989-05-01", "2003-01-02", "2003-12-31", "2007-06-01", "2010-02-28",
                                      f"20{rng.randrange(0, 11):02d}-01-01"]), f"ID{i}") for i in range(size))
        ids = [i for _, i in reversed(created)]  # newest first, as listings are
        year_of = {i: c[:4] for c, i in created}
        counts = Counter(year_of[i] for i in ids)
        years = [int(y) for y in counts if y.isdigit()]
        expected = tuple((str(y), counts.get(str(y), 0)) for y in range(min(years), max(years) + 1)) if years else ()
        assert per_year(ids, year_of) == expected, size


def test_sitemap_names_are_the_files_sitemaps_makes() -> None:
    """The build keeps the sitemaps' keys by these names (``plan.static_files``)."""
    from generator.feeds import SITEMAP_LIMIT, sitemap_names, sitemaps

    for count in (0, 1, SITEMAP_LIMIT, SITEMAP_LIMIT + 1, 2 * SITEMAP_LIMIT + 3):
        files = sitemaps("https://x.org/", [f"cable/{i}.html" for i in range(count)])
        assert sorted(sitemap_names(count)) == sorted(files), count
        urls = sum(data.count(b"<url>") for name, data in files.items() if name != "sitemap.xml")
        assert urls == count


def test_home_page_counts_every_cable_by_year_whatever_its_date() -> None:
    """The home page's figures come from runs of the whole archive's order (``per_year`` of
    ``archive.order``): the same as a count of every cable's year, odd dates included."""
    from collections import Counter

    from generator.archive import Entry, index
    from generator.config import Config
    from generator.site import Rows, plan_indexes
    from generator.views import SiteInfo

    rng = random.Random(7)
    odd = ["", "2007", "199", "2003-12", "20x1-01-01", "1989-05-01 10:00", "2003-01-02", "2010-02-28", "1966-01-01"]
    for size in (0, 1, 3, 200):
        entries = {}
        for i in range(size):
            created = rng.choice(odd)
            entries[f"ID{i}"] = Entry(f"ID{i}", created, "S", "Embassy Rome", "SECRET", (), (), "u", i, "a.txt", 0,
                                      False, False, 1, b"d", f"cable/ID{i}.html", b"r")
        archive = index(entries)
        home = next(p for p in plan_indexes(archive, Rows(entries), {}, Config(), SiteInfo("t", "", False, ()))
                    if getattr(p, "path", "") == "index.html")
        counts = Counter(e.created[:4] for e in entries.values())
        years = [y for y in counts if y.isdigit()]  # the span from the first year to the last, as strings
        expected = tuple((str(y), counts.get(str(y), 0)) for y in range(int(min(years)), int(max(years)) + 1)) \
            if years else ()
        assert home.view.per_year == expected, size
