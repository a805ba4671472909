"""Markdown to safe HTML: python-markdown + Pygments, our link schemes, then nh3 as the last word."""

import re
from dataclasses import dataclass, field
from html import unescape

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify
from markdown.treeprocessors import Treeprocessor

LESSON_SCHEME = "lesson:"
GLOSSARY_SCHEME = "glossary:"

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "div": {"class"},
    "span": {"class"},
    "code": {"class"},
    "pre": {"class"},
    "p": {"class"},
    "td": {"align"},
    "th": {"align"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
}
ALLOWED_URL_SCHEMES = {"https", "http", "mailto"}


def lesson_url(content_id: str) -> str:
    # Kept in step with courses/urls.py; reverse() is avoided so content renders without URL conf.
    return f"/lessons/{content_id}/"


def glossary_url(term_id: str) -> str:
    return f"/glossary/#{term_id}"


class _LinkRewriter(Treeprocessor):
    """Turns lesson:ID#anchor and glossary:ID links into site URLs."""

    def run(self, root):
        for element in root.iter("a"):
            href = element.get("href", "")
            if href.startswith(LESSON_SCHEME):
                target, _, anchor = href[len(LESSON_SCHEME) :].partition("#")
                element.set("href", lesson_url(target) + (f"#{anchor}" if anchor else ""))
            elif href.startswith(GLOSSARY_SCHEME):
                element.set("href", glossary_url(href[len(GLOSSARY_SCHEME) :]))
                element.set("class", "glossary-link")


class _SpinupExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 (python-markdown's API)
        # Raw HTML is refused by the validator; with these gone it could only ever render as text.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_LinkRewriter(md), "spinup_links", 1)


def _new_markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "fenced_code",
            "tables",
            "sane_lists",
            "admonition",
            "codehilite",
            "toc",
            _SpinupExtension(),
        ],
        extension_configs={
            "codehilite": {"css_class": "highlight", "guess_lang": False},
            "toc": {"toc_depth": "2-3", "slugify": slugify},
        },
        output_format="html",
    )


@dataclass
class Rendered:
    html: str
    toc: list = field(default_factory=list)
    text: str = ""

    @property
    def anchors(self) -> set[str]:
        return {entry["id"] for entry in self.toc}

    @property
    def word_count(self) -> int:
        return len(self.text.split())


def _flatten_toc(tokens, out):
    for token in tokens:
        out.append({"id": token["id"], "title": unescape(token["name"]), "level": token["level"]})
        _flatten_toc(token.get("children", []), out)
    return out


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render(source: str) -> Rendered:
    """Render lesson Markdown to sanitized HTML, with its table of contents and plain text."""
    md = _new_markdown()
    html = sanitize(md.convert(source))
    toc = _flatten_toc(md.toc_tokens, [])
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
    return Rendered(html=html, toc=toc, text=text)


def render_inline(source: str) -> str:
    """Render a short definition (no table of contents needed)."""
    return render(source).html


# --- Source scanning for the validator ---------------------------------------------------------------

_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_RAW_HTML = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)\b[^>]*>|<!--")
_AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^>\s]+>")
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_H1 = re.compile(r"^#\s")


def prose_lines(source: str):
    """Yield (line_number, text) for lines outside fenced code, with inline code removed."""
    in_fence = None
    for number, line in enumerate(source.splitlines(), start=1):
        fence = _FENCE.match(line)
        if fence:
            marker = fence.group(1)
            if in_fence is None:
                in_fence = marker
            elif in_fence == marker:
                in_fence = None
            continue
        if in_fence is not None:
            continue
        # Indented code blocks inside call-outs are prose; plain 4-space code blocks are rare enough here.
        yield number, _INLINE_CODE.sub("", line)


def find_raw_html(source: str):
    """Yield (line_number, tag) for raw HTML written in prose."""
    for number, line in prose_lines(source):
        cleaned = _AUTOLINK.sub("", line)
        match = _RAW_HTML.search(cleaned)
        if match:
            yield number, match.group(0)


_SHALLOW_ITEM = re.compile(r"^ {1,3}(?:[-*+]|\d+[.)])\s")


def find_shallow_list_items(source: str):
    """Yield line numbers of list items indented by 1-3 spaces: python-markdown nests a list only at 4, so
    such an item would render as text run into the item above."""
    for number, line in prose_lines(source):
        if _SHALLOW_ITEM.match(line):
            yield number


def find_links(source: str):
    """Yield (line_number, target) for every inline Markdown link in prose."""
    for number, line in prose_lines(source):
        for match in _LINK.finditer(line):
            yield number, match.group(1)


def find_h1(source: str):
    for number, line in prose_lines(source):
        if _H1.match(line):
            yield number
