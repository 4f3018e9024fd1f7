"""The maths pages show typeset formulas in a real browser, offline.

The site is built with ``mkdocs build --strict`` (LaTeX → MathML by ``scripts/mkdocs_maths.py``), and
each maths page is opened in headless Chromium with a small script appended that measures what the
browser laid out: every ``<math>`` element has a size and is displayed as MathML, every fraction has
its numerator above its denominator, and no TeX source (``$$``, ``\\frac``) is left in the visible text
outside code. Skipped when Chromium is not installed; ``.ci/run`` installs it, so CI runs it.
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MATHS_PAGES = sorted(
    [*(ROOT / "docs" / "maths").glob("*.md"),
     *(ROOT / "docs" / name for name in ("derivation.md", "tutorial.md", "gradcheck-experiments.md", "index.md"))]
)
FORMULA = re.compile(r"\$\$.+?\$\$|(?<![\\$\w])\$[^\s$][^$\n]*?\$", re.S)
CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)

PROBE = """
<script>
(function () {
  const maths = Array.from(document.querySelectorAll("math"));
  const bad = [];
  for (const m of maths) {
    const r = m.getBoundingClientRect();
    const display = getComputedStyle(m).display;
    if (!(r.width > 0 && r.height > 0) || !/math/.test(display)) bad.push(display + " " + r.width + "x" + r.height);
  }
  let fractions = 0, stacked = 0;
  for (const f of document.querySelectorAll("math mfrac")) {
    fractions++;
    const [num, den] = f.children;
    if (num && den && num.getBoundingClientRect().bottom <= den.getBoundingClientRect().top + 1) stacked++;
  }
  const body = document.body.cloneNode(true);
  body.querySelectorAll("pre, code, math, script").forEach((e) => e.remove());
  const text = body.textContent;
  const raw = (text.match(/\\$\\$|\\\\(frac|partial|sum|star|odot|sigma|mathrm|top)\\b|\\$[^$\\s][^$]*\\$/g) || []);
  const out = document.createElement("pre");
  out.id = "maths-probe";
  out.textContent = JSON.stringify({maths: maths.length, bad, fractions, stacked, raw});
  document.body.appendChild(out);
})();
</script>
"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI") == "true":  # .ci/run installs it: in CI the check must run, not skip
        pytest.fail("Chromium is missing in CI (.ci/run installs it with apt-get install chromium)")
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs")
    pytest.importorskip("latex2mathml")
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
                         cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return out


@pytest.mark.parametrize("page", MATHS_PAGES, ids=lambda p: p.relative_to(ROOT / "docs").as_posix())
def test_page_writes_its_maths_in_latex(page: Path) -> None:
    prose = CODE.sub("", page.read_text(encoding="utf-8"))
    assert FORMULA.search(prose), f"{page.name}: no $...$ formula outside code"


def probe(browser: str, html: str, folder: Path) -> dict:
    """Open ``html`` (written into ``folder``) in headless Chromium with the probe appended; its findings."""
    page = folder / "probe.html"
    page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    run = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         f"--user-data-dir={folder / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    found = re.search(r'<pre id="maths-probe">(.*?)</pre>', run.stdout, re.S)
    assert found, f"Chromium did not run the probe (exit {run.returncode}): {run.stderr[-2000:]}"
    return json.loads(html_lib.unescape(found.group(1)))


def test_the_probe_sees_raw_tex_and_unset_maths(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (CI installs it: apt-get install chromium)")
    bad = ("<html><body><p>$$\\frac{a}{b}$$ and $x$</p><code>$kept$</code>"
           "<math><mfrac><mi>a</mi><mi>b</mi></mfrac></math><math style='display:none'><mi>z</mi></math></body></html>")
    result = probe(browser, bad, tmp_path)
    assert result["maths"] == 2 and result["fractions"] == result["stacked"] == 1
    assert len(result["bad"]) == 1  # the hidden formula has no size
    assert "$$" in result["raw"] and "\\frac" in result["raw"] and "$x$" in result["raw"]
    assert "$kept$" not in result["raw"]  # code is left alone


@pytest.mark.parametrize("page", MATHS_PAGES, ids=lambda p: p.relative_to(ROOT / "docs").as_posix())
def test_formulas_are_typeset_in_chromium(page: Path, site: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (CI installs it: apt-get install chromium)")
    rel = page.relative_to(ROOT / "docs").with_suffix("")
    html_path = site / ("" if rel.name == "index" else rel) / "index.html"
    html = html_path.read_text(encoding="utf-8")
    assert "<math" in html, f"{html_path}: no MathML in the built page"
    result = probe(browser, html.replace("<head>", f'<head><base href="{html_path.parent.as_uri()}/">'), tmp_path)
    assert result["maths"] > 0
    assert not result["bad"], f"{page.name}: formulas not laid out as MathML: {result['bad'][:5]}"
    assert result["stacked"] == result["fractions"], f"{page.name}: fractions not stacked: {result}"
    assert not result["raw"], f"{page.name}: raw TeX in the visible text: {result['raw'][:5]}"
