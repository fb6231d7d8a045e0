"""A package index's simple API, read the way pip reads it: which files a project has, and their hashes.

Only the index's pages are read here (PEP 691 JSON, else PEP 503 HTML), from the index pip itself
would use: $PIP_INDEX_URL, else `index-url` from pip's configuration files, else PyPI.
"""

from __future__ import annotations

import configparser
import gzip
import os
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import orjson
from packaging.utils import canonicalize_name

from .errors import BuildError

DEFAULT_INDEX = "https://pypi.org/simple/"
INDEX_ENV = "PIP_INDEX_URL"  # named in messages; read through pip_setting
ATTEMPTS = 3
TIMEOUT = 60
_JSON = "application/vnd.pypi.simple.v1+json"


class IndexFile(NamedTuple):
    """One file of a project as its index page lists it."""

    filename: str
    href: str  # as the page has it, maybe relative: joined only for the few files downloaded
    sha256: str | None
    page: str  # the page's URL

    @property
    def url(self) -> str:
        return urllib.parse.urljoin(self.page, self.href)


def _pip_config_files() -> list[Path]:
    """pip's configuration files, lowest precedence first, as pip loads them: global (XDG dirs, then
    /etc), user (unless $PIP_CONFIG_FILE names an existing file), site (this interpreter's prefix),
    then $PIP_CONFIG_FILE; $PIP_CONFIG_FILE=/dev/null means none at all."""
    explicit = os.environ.get("PIP_CONFIG_FILE")
    if explicit == os.devnull:
        return []
    home = Path.home()
    files = [Path(d) / "pip/pip.conf" for d in os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")]
    files.append(Path("/etc/pip.conf"))
    if not (explicit and Path(explicit).exists()):
        files += [home / ".pip/pip.conf", Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "pip/pip.conf"]
    files.append(Path(sys.prefix) / "pip.conf")
    if explicit:
        files.append(Path(explicit))
    return files


def pip_setting(name: str) -> str | None:
    """A pip option as pip would see it: $PIP_<NAME>, else the last of pip's config files that sets it."""
    explicit = os.environ.get("PIP_" + name.upper().replace("-", "_"))
    if explicit:
        return explicit
    found = None
    for path in _pip_config_files():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            continue
        for section in ("global", "download", "install"):
            found = parser.get(section, name, fallback=None) or found
    return found


def index_url() -> str:
    """The index pip would use: $PIP_INDEX_URL, else `index-url` of pip's config files, else PyPI."""
    configured = pip_setting("index-url")
    return configured.split()[0].rstrip("/") + "/" if configured else DEFAULT_INDEX


@lru_cache(maxsize=4)
def _tls(cert: str | None) -> ssl.SSLContext:
    """Certificates as pip verifies them: its `cert` bundle when one is configured, else the system's."""
    try:
        return ssl.create_default_context(cafile=cert)
    except (OSError, ssl.SSLError) as exc:
        raise BuildError(f"pip's `cert` bundle {cert} cannot be used ({exc}); fix PIP_CERT or pip.conf") from None


class _Anchors(HTMLParser):
    """The links of a PEP 503 page: file name (link text) and URL (its #sha256= fragment is the hash)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), ""

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._text.strip(), self._href))
            self._href = None


def parse_listing(body: bytes, content_type: str, page_url: str) -> list[IndexFile]:
    """Files of an index page, JSON (PEP 691) or HTML (PEP 503)."""
    if content_type.split(";")[0].strip() == _JSON:
        # A big project's page is megabytes (pydantic-core: 15,000 files): orjson reads it 3x faster.
        return [IndexFile(entry["filename"], entry["url"], entry.get("hashes", {}).get("sha256"), page_url)
                for entry in orjson.loads(body)["files"]]
    parser = _Anchors()
    parser.feed(body.decode("utf-8", errors="replace"))
    files = []
    for text, href in parser.links:
        link, _, fragment = href.partition("#")
        name, _, digest = fragment.partition("=")
        filename = text or urllib.parse.unquote(link.rsplit("/", 1)[-1])
        files.append(IndexFile(filename, link, digest.lower() if name == "sha256" and digest else None, page_url))
    return files


def get(url: str, accept: str) -> tuple[bytes, str]:
    """GET with a few retries on connection errors and 5xx; 4xx fail at once."""
    request = urllib.request.Request(url, headers={"Accept": accept, "Accept-Encoding": "gzip",
                                                   "User-Agent": "lambda-build"})
    for attempt in range(ATTEMPTS):
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT, context=_tls(pip_setting("cert"))) as response:
                body = response.read()
                if response.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                return body, response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            if exc.code < 500 or attempt == ATTEMPTS - 1:
                raise
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            if attempt == ATTEMPTS - 1:
                raise
        time.sleep(0.5 * 2**attempt)  # backoff between retries of a failed request, not a wait for a condition
    raise AssertionError("unreachable")


class NotOnIndex(Exception):
    """The index has no page for the project (HTTP 404)."""


def fetch_listing(index: str, name: str) -> list[IndexFile]:
    page = urllib.parse.urljoin(index, f"{canonicalize_name(name)}/")
    try:
        body, content_type = get(page, f"{_JSON}, text/html;q=0.1")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise NotOnIndex(name) from None
        raise BuildError(f"package index {index}: {page} answered HTTP {exc.code} ({exc.reason})") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise BuildError(f"cannot reach the package index {index} ({reason}); check the network, or set {INDEX_ENV}") from None
    return parse_listing(body, content_type, page)
