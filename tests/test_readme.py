"""The README stays short, in the order a first-time reader needs, and its links lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
ORDER = ["What it is", "Quick start", "Deploy to kind", "Deploy to EKS", "Operate", "CI", "Further reading"]
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def headings(text: str, level: str = "## ") -> list[str]:
    return [line[len(level) :].strip() for line in text.splitlines() if line.startswith(level)]


def broken_links(path: Path) -> list[str]:
    text = path.read_text()
    anchors = {anchor(h) for level in ("# ", "## ", "### ", "#### ") for h in headings(text, level)}
    broken = []
    for target in _LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, fragment = target.partition("#")
        missing = not (path.parent / file).exists() if file else fragment not in anchors
        if missing:
            broken.append(target)
    return broken


def test_readme_is_at_most_15_kb() -> None:
    assert len(README.read_bytes()) <= 15 * 1024


def test_sections_come_in_the_order_a_new_reader_needs() -> None:
    assert headings(README.read_text()) == ORDER


def test_table_of_contents_names_every_section() -> None:
    text = README.read_text()
    start = text.index("**Contents:**")
    contents_block = text[start : text.index("\n\n", start)]
    assert [f"#{anchor(h)}" for h in ORDER] == re.findall(r"\]\((#[^)]+)\)", contents_block)


def test_the_path_to_a_logged_in_studio_is_spelled_out() -> None:
    text = README.read_text()
    for step in (
        "Python 3.11",
        "pulumi login --local",
        "PULUMI_CONFIG_PASSPHRASE",
        "pulumi stack init dev",
        "pulumi config set --secret rasaProLicense",
        "pulumi up",
        "pulumi stack output url",
        "KEYCLOAK_ADMIN_PASSWORD",
        "rasa studio config",
    ):
        assert step in text, step


def test_links_in_the_readme_and_docs_resolve() -> None:
    pages = [README, *sorted((ROOT / "docs").glob("*.md"))]
    assert {p.name: broken_links(p) for p in pages} == {p.name: [] for p in pages}


def test_a_broken_link_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[ok](#title) [gone](#nowhere) [file](missing.md) [web](https://example.org)\n")
    assert broken_links(page) == ["#nowhere", "missing.md"]


def _map_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def test_the_readme_shows_devs_connectivity_map_as_rendered() -> None:
    """The README's map is dev's flow model as the renderer writes it, row for row."""
    from tools import program, stackfile
    from tools.connectivity import connectivity_map

    config, problems = program.check("dev", stackfile.read(ROOT / "Pulumi.dev.yaml").plain)
    assert config is not None, problems
    shown = README.read_text().split("<!-- connectivity: dev -->", 1)[1].split("<!-- /connectivity -->", 1)[0]
    assert _map_rows(shown) == _map_rows(connectivity_map("dev", config))
    # The comparison can fail: the embedded architecture's map is another one.
    embedded = config.model_copy(
        update={"model_service": config.model_service.model_copy(update={"architecture": "embedded"})}
    )
    assert _map_rows(shown) != _map_rows(connectivity_map("dev", embedded))
