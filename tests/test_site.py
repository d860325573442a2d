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
