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
