"""Where wheels come from: the index pip would use, read in either format, and a clear line when it is unreachable."""

from __future__ import annotations

import functools
import hashlib
import socket
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lambda_build import package_index
from lambda_build.package_index import index_url, parse_listing

from .conftest import Repo, lock_text, make_wheel

# The shape of a PEP 503 page as simple indexes (and pip's local ones) serve it.
HTML = b"""<!DOCTYPE html><html><body>
<a href="../../files/numpy-2.2.6-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl#sha256=ABCDEF0123">numpy-2.2.6-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl</a>
<a href="https://files.example/numpy-2.2.6.tar.gz#sha256=0123abcd" data-requires-python="&gt;=3.10">numpy-2.2.6.tar.gz</a>
<a href="numpy-1.0.zip">numpy-1.0.zip</a>
</body></html>"""


def test_pep503_html_listing() -> None:
    files = parse_listing(HTML, "text/html", "https://index.example/simple/numpy/")
    assert [(f.filename, f.sha256) for f in files] == [
        ("numpy-2.2.6-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "abcdef0123"),
        ("numpy-2.2.6.tar.gz", "0123abcd"),
        ("numpy-1.0.zip", None),
    ]
    assert files[0].url == "https://index.example/files/numpy-2.2.6-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"


def test_pep691_json_listing() -> None:
    body = b'{"meta": {"api-version": "1.1"}, "name": "x", "files": [{"filename": "x-1.0-py3-none-any.whl", ' \
           b'"url": "/packages/x-1.0-py3-none-any.whl", "hashes": {"sha256": "aa"}}]}'
    files = parse_listing(body, "application/vnd.pypi.simple.v1+json", "https://index.example/simple/x/")
    assert [(f.filename, f.url, f.sha256) for f in files] == [
        ("x-1.0-py3-none-any.whl", "https://index.example/packages/x-1.0-py3-none-any.whl", "aa")]


def test_index_is_the_one_pip_would_use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "pip.conf"
    config.write_text("[global]\nindex-url = https://mirror.example/pypi/simple\nextra-index-url = https://other\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    assert index_url() == "https://mirror.example/pypi/simple/"
    monkeypatch.setenv("PIP_INDEX_URL", "https://env.example/simple")
    assert index_url() == "https://env.example/simple/"


def test_unreachable_index_is_one_line(offline_repo: Repo, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{port}/simple")
    monkeypatch.setattr(package_index, "ATTEMPTS", 1)
    offline_repo.function("f")
    offline_repo.write("functions/f/requirements.in", "orjson\n")
    offline_repo.write("functions/f/requirements.txt", lock_text(["orjson"], {"orjson==3.10.12": ["0" * 64]}))
    result = offline_repo.run("build", capsys=capsys)
    assert result.code == 1
    message = result.err.strip().splitlines()[-1]
    assert message.startswith(f"error: cannot reach the package index http://127.0.0.1:{port}/simple/ (")
    assert "set PIP_INDEX_URL" in message and "Traceback" not in result.err
    assert not offline_repo.dist.joinpath("f.zip").exists()


def test_pips_cert_setting_is_used(offline_repo: Repo, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A CA bundle configured for pip is the one the build verifies the index with (here: one that does not exist)."""
    monkeypatch.setenv("PIP_CERT", str(tmp_path / "no-such-bundle.pem"))
    offline_repo.function("f")
    offline_repo.write("functions/f/requirements.in", "orjson\n")
    offline_repo.write("functions/f/requirements.txt", lock_text(["orjson"], {"orjson==3.10.12": ["0" * 64]}))
    result = offline_repo.run("build", capsys=capsys)
    assert result.code == 1
    message = result.err.strip().splitlines()[-1]
    assert message.startswith(f"error: pip's `cert` bundle {tmp_path / 'no-such-bundle.pem'} cannot be used (")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Requests are not the test's output."""


@pytest.fixture
def local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A PEP 503 index served over HTTP on loopback from a directory; PIP_INDEX_URL points at it."""
    root = tmp_path / "index"
    (root / "simple").mkdir(parents=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{server.server_address[1]}/simple")
    try:
        yield root
    finally:
        server.shutdown()
        thread.join()


def _publish(root: Path, wheel: Path, listed_sha: str) -> None:
    page = root / "simple" / "toolkit"
    page.mkdir(parents=True, exist_ok=True)
    (root / "files").mkdir(exist_ok=True)
    (root / "files" / wheel.name).write_bytes(wheel.read_bytes())
    (page / "index.html").write_text(f'<a href="../../files/{wheel.name}#sha256={listed_sha}">{wheel.name}</a>\n')


def test_wheels_come_from_the_configured_index(offline_repo: Repo, capsys, local_index: Path, tmp_path: Path) -> None:
    """The whole fetch path without PyPI: page, choice by hash and tags, download, check, cache."""
    wheel = make_wheel(tmp_path / "built", "toolkit", "1.0", {"toolkit/__init__.py": "ANSWER = 42\n"})
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    _publish(local_index, wheel, sha)
    offline_repo.function("f", code="import toolkit\n\ndef handler(event, context):\n    return toolkit.ANSWER\n")
    offline_repo.write("functions/f/requirements.in", "toolkit\n")
    offline_repo.write("functions/f/requirements.txt", lock_text(["toolkit"], {"toolkit==1.0": [sha]}))
    result = offline_repo.run("build", capsys=capsys)
    assert result.code == 0, result.err
    assert "toolkit/__init__.py" in zipfile.ZipFile(offline_repo.dist / "f.zip").namelist()
    assert (offline_repo.cache / "wheels" / sha / wheel.name).read_bytes() == wheel.read_bytes()


def test_a_download_that_does_not_match_its_hash_is_refused(offline_repo: Repo, capsys, local_index: Path,
                                                            tmp_path: Path) -> None:
    """The index lists the locked sha256 but serves other bytes: refused, nothing kept, dist/ untouched."""
    genuine = make_wheel(tmp_path / "genuine", "toolkit", "1.0", {"toolkit/__init__.py": "ANSWER = 42\n"})
    tampered = make_wheel(tmp_path / "tampered", "toolkit", "1.0", {"toolkit/__init__.py": "ANSWER = 666\n"})
    sha = hashlib.sha256(genuine.read_bytes()).hexdigest()
    _publish(local_index, tampered, sha)
    offline_repo.function("f")
    offline_repo.write("functions/f/requirements.in", "toolkit\n")
    offline_repo.write("functions/f/requirements.txt", lock_text(["toolkit"], {"toolkit==1.0": [sha]}))
    result = offline_repo.run("build", capsys=capsys)
    assert result.code == 1
    message = result.err.strip().splitlines()[-1]
    assert f"functions/f: the downloaded {tampered.name} has sha256" in message and "nothing was kept" in message
    assert not list(offline_repo.cache.glob("wheels/*/*.whl"))
    assert not (offline_repo.dist / "f.zip").exists()
