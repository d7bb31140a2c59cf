"""The GX Data Docs site made readable offline, after GX has written it.

GX 1.x writes pages that load Bootstrap 4, jQuery, popper, bootstrap-table,
bootstrap-datepicker, Font Awesome and vega from CDNs, and its logo from
its own web server; the validation-result list of its index page is filled
by bootstrap-table. On a machine without internet (or behind a brand's
firewall) the pages come out unstyled, the status icons blank and the
index empty. None of those libraries ships in a package memberkpi
installs (the optional pyspark has Bootstrap 5 and jQuery inside a Spark
jar: not the Bootstrap GX's markup is written for), so every page is
post-processed:

- every `<link>` and `<script>` that points to the web is removed;
- a remote `<img>` whose file GX copied into the site's `static/images/`
  (its logo) points to that copy; other remote images lose their `src`
  and show their `alt` text; remote `url(...)` in inline styles become
  `none`;
- links into the site's `static/` folder are counted from the page (GX
  misses a `../` in the favicon link of validation result pages);
- two files of memberkpi (`data_docs_files/offline.css` and `offline.js`),
  copied into `static/memberkpi/`, are linked instead: the Bootstrap
  classes and Font Awesome icons the pages use, collapsing blocks and the
  "Failed Only" filter;
- index.html gets a static table of this run's tables (status, links to
  each validation result and expectation suite), in place of GX's
  script-filled tabs.

GX's own static files (fonts, images, its stylesheet) are already copied
into the site by GX. The search, sort and filter of GX's index table and
vega charts (GX draws none for these suites) are what is lost offline.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

import jinja2

FILES_DIR = Path(__file__).parent / "data_docs_files"
ASSET_FILES = ("offline.css", "offline.js")
ASSET_DIR = Path("static") / "memberkpi"  # inside the site
INDEX_TEMPLATE = "index_tables.html"
INDEX_MARKER = 'id="memberkpi-offline-index"'

_REMOTE = r"(?:https?:)?//"
REMOTE_LINK = re.compile(rf"""<link\b[^>]*?\bhref\s*=\s*["']?{_REMOTE}[^>]*>\s*""", re.I)
REMOTE_SCRIPT = re.compile(
    rf"""<script\b[^>]*?\bsrc\s*=\s*["']?{_REMOTE}[^>]*>\s*</script\s*>\s*""", re.I
)
REMOTE_IMAGE_SRC = re.compile(
    rf"""(?P<tag><img\b[^>]*?)\bsrc\s*=\s*(?P<quote>["'])(?P<url>{_REMOTE}[^"']*)(?P=quote)""",
    re.I,
)
REMOTE_CSS_URL = re.compile(rf"""url\(\s*["']?{_REMOTE}[^)]*\)""", re.I)
STYLE_ELEMENT = re.compile(r"(<style\b[^>]*>)(.*?)(</style\s*>)", re.I | re.S)
ASSET_TAG = re.compile(r"<(?:link|script|img)\b[^>]*>", re.I)
STATIC_REF = re.compile(
    r"""(?P<attr>\b(?:href|src)\s*=\s*)(?P<quote>["'])(?P<ref>(?:\.{1,2}/)*static/[^"']*)(?P=quote)"""
)
HEAD_START = re.compile(r"<head\b[^>]*>", re.I)
BODY_START = re.compile(r"<body\b[^>]*>", re.I)
INDEX_TABS = re.compile(r"""<div\b[^>]*\bclass\s*=\s*["'][^"']*\bge-index-page-tabs-container\b""")


@dataclass(frozen=True)
class TablePages:
    """One validated table in the site: what the static index shows of it."""

    table: str
    file: str
    rows: int | None
    evaluated: int
    failed: int
    suite: str
    validation_page: Path  # absolute
    suite_page: Path  # absolute


def page_of_url(url: str) -> Path:
    """The file a `file://` URL of GX's (get_docs_sites_urls) names."""
    return Path(unquote(urlparse(url).path))


def relative_href(target: Path, page: Path) -> str:
    """`target` as a link from the HTML file `page` (both absolute)."""
    return quote(Path(os.path.relpath(target, page.parent)).as_posix())


def _local_image(site: Path, page: Path, url: str) -> str | None:
    """The href of the copy of a remote image in the site's static/images, if any."""
    name = Path(unquote(urlparse(url).path)).name
    copy = site / "static" / "images" / name
    return relative_href(copy, page) if name and copy.is_file() else None


def without_remote_assets(html: str, site: Path, page: Path) -> str:
    """The page with nothing it would fetch from the web."""
    html = REMOTE_LINK.sub("", html)
    html = REMOTE_SCRIPT.sub("", html)

    def local_image(match: re.Match[str]) -> str:
        href = _local_image(site, page, match["url"])
        if href is None:
            return match["tag"].rstrip()
        return f"{match['tag']}src={match['quote']}{href}{match['quote']}"

    html = REMOTE_IMAGE_SRC.sub(local_image, html)
    # in style elements only: a raw value shown on a page may read url(http...)
    return STYLE_ELEMENT.sub(
        lambda match: match[1] + REMOTE_CSS_URL.sub("none", match[2]) + match[3], html
    )


def with_static_refs_from_site_root(html: str, site: Path, page: Path) -> str:
    """Links to the site's static/ folder, counted from where the page is.

    GX counts the `../` of a validation result page's favicon one short."""

    def from_root(match: re.Match[str]) -> str:
        ref = unquote(match["ref"])
        target = site / ref[ref.index("static/") :]
        if not target.is_file():
            return match[0]
        href = relative_href(target, page)
        return f"{match['attr']}{match['quote']}{href}{match['quote']}"

    return ASSET_TAG.sub(lambda tag: STATIC_REF.sub(from_root, tag[0]), html)


def with_local_assets(html: str, site: Path, page: Path) -> str:
    """The page linking memberkpi's stylesheet and script (once), first in its head.

    First, so that GX's inline stylesheet, which follows, still overrides
    it, as it did Bootstrap's."""
    stylesheet = relative_href(site / ASSET_DIR / "offline.css", page)
    if stylesheet in html:
        return html
    script = relative_href(site / ASSET_DIR / "offline.js", page)
    tags = f'\n<link rel="stylesheet" href="{stylesheet}">\n<script src="{script}" defer></script>'
    head = HEAD_START.search(html)
    if head is None:
        return tags + html
    return html[: head.end()] + tags + html[head.end() :]


def render_index_tables(site: Path, tables: list[TablePages], run_time: str) -> str:
    """The static index of `tables` (links relative to the site's index.html)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(FILES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    index = site / "index.html"
    return environment.get_template(INDEX_TEMPLATE).render(
        pages=tables, run_time=run_time, href=lambda target: relative_href(target, index)
    )


def with_index_tables(html: str, tables_html: str) -> str:
    """index.html with the static table before GX's tabs (or first in the body)."""
    if INDEX_MARKER in html:
        return html
    where = INDEX_TABS.search(html) or BODY_START.search(html)
    if where is None:
        return html + tables_html
    at = where.start() if where.re is INDEX_TABS else where.end()
    return html[:at] + tables_html + html[at:]


def copy_assets(site: Path) -> None:
    target = site / ASSET_DIR
    target.mkdir(parents=True, exist_ok=True)
    for name in ASSET_FILES:
        shutil.copyfile(FILES_DIR / name, target / name)


def make_offline(site: Path, tables: list[TablePages], run_time: str) -> None:
    """Rewrite every HTML page of the Data Docs `site` to need no network."""
    site = site.resolve()
    copy_assets(site)
    tables_html = render_index_tables(site, tables, run_time)
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        rewritten = without_remote_assets(html, site, page)
        rewritten = with_static_refs_from_site_root(rewritten, site, page)
        rewritten = with_local_assets(rewritten, site, page)
        if page == site / "index.html":
            rewritten = with_index_tables(rewritten, tables_html)
        if rewritten != html:
            page.write_text(rewritten, encoding="utf-8")
