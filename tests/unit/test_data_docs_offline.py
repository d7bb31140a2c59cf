"""The Data Docs `memberkpi validate` writes load nothing from the web.

A tiny raw folder (three required tables of the spec example and a
campaigns CSV with one unknown channel, so that a failed expectation and
its unexpected values are rendered too) is validated once; every HTML page
of the site is then parsed: no stylesheet, script or image points to the
web, every local reference names a file of the site, and the index lists
every table as plain HTML.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from helpers import SPEC_EXAMPLE
from memberkpi.quality.data_docs import without_remote_assets
from memberkpi.quality.validate import validate_raw_dir

EXAMPLE_RAW = SPEC_EXAMPLE / "raw"
TABLES = ("members", "member_bindings", "orders", "campaigns")
CAMPAIGNS = """\
campaign_id,campaign_name,channel,objective,starts_at,ends_at
C1,Spring,tmall,join,2023-03-01,2023-03-31
C2,Summer,myspace,join,2023-06-01,2023-06-30
C3,Autumn,jd,join,2023-09-01,2023-09-30
"""
# what a page asks the browser to fetch, and the links a reader follows
ASSET_ATTRIBUTES = {"link": "href", "script": "src", "img": "src"}
REMOTE_PREFIXES = ("http://", "https://", "//")


class PageReferences(HTMLParser):
    """The references of one page: (tag, url) of assets and of <a> links,
    the text of its style elements, and the text outside scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._element: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ASSET_ATTRIBUTES and values.get(ASSET_ATTRIBUTES[tag]) is not None:
            self.assets.append((tag, str(values[ASSET_ATTRIBUTES[tag]])))
        if tag == "a" and values.get("href") is not None:
            self.links.append(str(values["href"]))
        if tag in {"script", "style"}:
            self._element.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._element and self._element[-1] == tag:
            self._element.pop()

    def handle_data(self, data: str) -> None:
        inside = self._element[-1] if self._element else None
        if inside == "style":
            self.styles.append(data)
        elif inside is None:
            self.text.append(data)


def references(page: Path) -> PageReferences:
    parser = PageReferences()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    return parser


def is_remote(url: str) -> bool:
    return url.strip().lower().startswith(REMOTE_PREFIXES)


def local_file(page: Path, url: str) -> Path | None:
    """The file a local reference names (None: a fragment, mailto:, data:, ...)."""
    parsed = urlparse(url)
    if parsed.scheme or not parsed.path:
        return None
    return (page.parent / unquote(parsed.path)).resolve()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    for name in TABLES[:3]:
        shutil.copyfile(EXAMPLE_RAW / f"{name}.parquet", raw / f"{name}.parquet")
    (raw / "campaigns.csv").write_text(CAMPAIGNS, encoding="utf-8")
    docs = tmp_path_factory.mktemp("target") / "data_docs"
    report = validate_raw_dir(raw, docs_dir=docs)
    assert [f.line for f in report.all_findings] == [
        "campaigns.csv: column channel: 1 of 3 row(s) with an unknown code, e.g. 'myspace' "
        "(accepted: tmall, jd, douyin, wechat_mall, app, offline_pos)"
    ]
    assert report.docs_index == docs / "index.html"
    return docs


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[Path, PageReferences]:
    found = {page: references(page) for page in sorted(site.rglob("*.html"))}
    # the index, one suite page and one validation result page per table
    assert len(found) == 1 + 2 * len(TABLES)
    return found


def test_no_page_loads_anything_from_the_web(pages: dict[Path, PageReferences]) -> None:
    for page, found in pages.items():
        remote = [(tag, url) for tag, url in found.assets if is_remote(url)]
        assert remote == [], page
        styles = "".join(found.styles).lower()
        assert "url(http" not in styles and "url('http" not in styles, page


def test_every_local_reference_resolves(site: Path, pages: dict[Path, PageReferences]) -> None:
    root = site.resolve()
    for page, found in pages.items():
        urls = [url for _tag, url in found.assets] + found.links
        files = [local_file(page, url) for url in urls if not is_remote(url)]
        named = [file for file in files if file is not None]
        assert named, page
        assert [file for file in named if not file.is_file()] == [], page
        assert [file for file in named if root not in file.parents] == [], page


def test_every_page_links_the_offline_stylesheet_and_script(
    site: Path, pages: dict[Path, PageReferences]
) -> None:
    stylesheet = site / "static" / "memberkpi" / "offline.css"
    script = site / "static" / "memberkpi" / "offline.js"
    for page, found in pages.items():
        files = {(tag, local_file(page, url)) for tag, url in found.assets}
        assert ("link", stylesheet.resolve()) in files, page
        assert ("script", script.resolve()) in files, page
    # GX's own static files are in the site as well (its logo is a local image now)
    assert (site / "static" / "images" / "logo-long.png").is_file()


def test_index_lists_every_table_without_a_script(
    site: Path, pages: dict[Path, PageReferences]
) -> None:
    index = site / "index.html"
    found = pages[index]
    targets = {local_file(index, url) for url in found.links}
    validations = site.resolve() / "validations" / "raw"
    for table in TABLES:
        suite = site.resolve() / "expectations" / "raw" / f"{table}.html"
        assert suite in targets, table
        [result] = list((validations / table).rglob("*.html"))
        assert result in targets, table
    text = " ".join(" ".join(found.text).split())
    assert "campaigns campaigns.csv 3" in text
    assert "1 of " in text and " expectations failed" in text


def test_remote_assets_are_dropped_and_a_shipped_logo_is_used(tmp_path: Path) -> None:
    """Hand-written page: what is removed, what is pointed to the site's copy,
    and what is left alone (a raw value that reads like a CSS url)."""
    site = tmp_path / "site"
    (site / "static" / "images").mkdir(parents=True)
    (site / "static" / "images" / "logo-long.png").write_bytes(b"png")
    page = site / "expectations" / "raw" / "orders.html"
    html = (
        "<html><head>\n"
        '<link rel="stylesheet" href="https://cdn.example/bootstrap.min.css"/>\n'
        '<script src="https://cdn.example/popper.min.js" integrity="sha384-x" '
        'crossorigin="anonymous"></script>\n'
        "<style>a { background: url('https://example.com/dark.png') 0 0; }</style>\n"
        "</head><body>\n"
        '<img class="logo" src="https://example.com/logo-long.png?d=1" alt="GX"/>\n'
        '<img src="//example.com/chart.png" alt="a chart"/>\n'
        "<td>url(https://brand.example/a)</td>\n"
        "</body></html>\n"
    )
    assert without_remote_assets(html, site, page) == (
        "<html><head>\n"
        "<style>a { background: none 0 0; }</style>\n"
        "</head><body>\n"
        '<img class="logo" src="../../static/images/logo-long.png" alt="GX"/>\n'
        '<img alt="a chart"/>\n'
        "<td>url(https://brand.example/a)</td>\n"
        "</body></html>\n"
    )
