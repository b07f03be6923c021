"""A zipped shapefile whose .dbf inflates to 2 GB (a zip bomb of 2 MB) is refused from the zip's
directory, before anything is extracted: by the command line (exit 1, the file and the limits
named, little memory, no file left behind) and by the reader the page's upload uses (the words in
Chinese; tests/browser/test_hostile_e2e.py uploads it in a real page)."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hostile_files import write_dbf_bomb

ROOT = Path(__file__).resolve().parent.parent
GB = 1024**3


@pytest.fixture(scope="session")
def dbf_bomb(tmp_path_factory) -> Path:
    """小区.zip: a shapefile's .shp/.shx/.prj and a .dbf of 2 GB of zeros, packed to about 2 MB."""
    path = write_dbf_bomb(tmp_path_factory.mktemp("bomb") / "小区.zip")
    assert path.stat().st_size < 5 * 1024**2
    return path


def test_the_command_line_refuses_the_bomb_quickly_and_lightly(dbf_bomb, tmp_path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "geo", "info", str(dbf_bomb)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: 小区.zip") and "4,096 MB" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert seconds < 30, f"refused after {seconds:.1f} s"
    assert peak_mb < 1024 or before / 1024 >= 1024, f"{peak_mb:.0f} MB at the peak"
    left = [p for p in tmp_path.rglob("*") if p.is_file() and p.stat().st_size > 1024**2]
    assert left == [], f"files extracted: {left}"


def test_the_reader_refuses_the_bomb_in_the_planners_words(dbf_bomb, tmp_path):
    from geo.errors import InputFileError
    from geo.io.readers import list_layers
    from ui.messages import error_words

    with pytest.raises(InputFileError) as caught:
        list_layers(dbf_bomb)
    words = error_words(caught.value, "zh")
    assert words.startswith("小区.zip 解压后约 2048 MB、4 个文件，超出可读取的范围"), words
    assert "请只压缩该图层的文件" in words and str(dbf_bomb.parent) not in words
