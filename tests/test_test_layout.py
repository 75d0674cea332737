"""The test tree itself: module names must be unique across folders.

Test folders are not packages (a ``tests/engine/__init__.py`` would shadow the real ``engine``),
so pytest imports every test module by its bare name; two files with one name make the whole
run stop at collection. This catches it at once, with the names.
"""
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_python_file_names_are_unique_outside_conftest():
    names = Counter(p.name for p in TESTS.rglob("*.py") if p.name != "conftest.py")
    assert [name for name, count in names.items() if count > 1] == []
