"""The HTML printer: a derivation as one offline page, maths as MathML.

The page is checked as a reader gets it, in a real headless Chromium: it
loads from file:// with no console error and no request, its MathML is laid
out as mathematics (a fraction is taller than a line), and it fits a
phone's width.  Screenshots go to tests/artifacts/."""
import re
import subprocess
import sys

import pytest

import derive
from chainrule.cli import main
from derive.derivation import build
from derive.names import Scheme
from derive.printers import PRINTERS, render
from derive.printers.latex import tex
from derive.printers.mathml import NetworkMathMLPrinter, slot_text, tex_mathml
from tests import browser
from tests.test_tex_escape import single_weight_toml


@pytest.fixture(scope="module")
def page():
    return render(build(derive.load("mlp-2-3-1"), numbers=True, steps=2), "html")


@pytest.fixture(scope="module")
def driver():
    d = browser.chromium()
    yield d
    browser.quit(d)


def test_registered_and_deterministic(page):
    assert PRINTERS["html"].__name__ == "HtmlPrinter"
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page == render(build(derive.load("mlp-2-3-1"), numbers=True, steps=2), "html")
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/", "")
    assert "default-src 'none'" in page.replace("&#39;", "'")


@pytest.mark.parametrize("name", ["w1_2_1", "b2_1", "a2_1", "d1_3", "x2", "wx1_1_2"])
def test_names_print_as_the_latex_printer_prints_them(name):
    """The MathML of a plain name is the LaTeX printer's notation read into
    MathML: w1_2_1 is w with (1) over and 21 under, a2_1 (the output) is ŷ₁."""
    scheme = Scheme(L=2)
    import sympy as sp
    s = sp.Symbol(name, real=True)
    assert NetworkMathMLPrinter(scheme).doprint(s) == tex_mathml(tex(s, scheme))


def test_mathml_structure_of_a_weight_and_a_number():
    import sympy as sp
    mathml = NetworkMathMLPrinter(Scheme(L=2)).doprint(sp.Symbol("w1_2_1", real=True))
    assert re.fullmatch(r"<msubsup><mi>w</mi><mn>21</mn><mrow><mo[^>]*>\(</mo><mn>1</mn><mo[^>]*>\)</mo>"
                        r"</mrow></msubsup>", mathml)
    assert tex_mathml(r"\hat{y}_{1}") == '<msub><mover accent="true"><mi>y</mi><mo>^</mo></mover><mn>1</mn></msub>'
    assert slot_text(-0.25, inner=True) == "(−0.25)" and slot_text(1.5e-7) == "1.5×10⁻⁷"


def test_long_products_and_sums_break_into_pieces():
    """A product or sum is cut into terms and factors a line may break
    between, each piece printed as in the whole: the pieces' text is the
    whole's, the sign of a negative product stays with its first factor."""
    import sympy as sp
    from xml.dom.minidom import parseString
    x, y, w = sp.symbols("x1 y1 w2_1_2", real=True)
    printer = NetworkMathMLPrinter(Scheme(L=2))

    def text(xml):
        return "".join(n.data for n in _texts(parseString(f"<math>{xml}</math>"))).replace("\u2062", "")
    product = sp.Mul(2, x, sp.Add(1, -w, evaluate=False), w, evaluate=False)
    whole = printer.doprint(product)
    pieces = printer.pieces(product)
    assert [len(t) for t in pieces] == [1, 1, 1, 1]   # a product on its own: one piece per factor
    assert text("".join(sum(pieces, []))) == text(whole)
    total = sp.Add(x * w, -2 * y * w, evaluate=False)
    terms = printer.pieces(total)
    assert [len(t) for t in terms] == [2, 3]
    assert text(terms[1][0]).startswith("−") and text("".join(sum(terms, []))) == text(printer.doprint(total))
    assert printer.pieces(sp.tanh(x + w)) == [[printer.doprint(sp.tanh(x + w))]]   # a call is one piece
    # a max pool's condition, one part a line: 'if a ≥ b', 'and a ≥ c'
    pool = printer.doprint(sp.Piecewise((1, sp.And(x >= w, x >= y)), (0, True)))
    assert re.search(r"<mtext>if\xa0</mtext>.*</mtd></mtr><mtr><mtd[^>]*><mrow><mtext>and\xa0</mtext>", pool)


def _texts(node):
    for c in node.childNodes:
        if c.nodeType == c.TEXT_NODE:
            yield c
        else:
            yield from _texts(c)


def test_iverson_bracket_and_infinity():
    """The index algebra's bracket [1 ≤ g ≤ K] prints as a bracket, as in the
    LaTeX printer (it printed 'iverson(..., -&#x221E;, ...)' as text)."""
    import sympy as sp
    from derive.index_algebra import Iverson
    g, K = sp.symbols("g K", integer=True)
    printer = NetworkMathMLPrinter(Scheme(L=2))
    both, upper = printer.doprint(Iverson(2 * g, 1, K)), printer.doprint(Iverson(g, None, K))
    assert "iverson" not in both.lower() and "&amp;" not in both + upper
    assert re.sub(r"<[^>]+>", "", both) == "[1≤2\u2062g≤K]" and re.sub(r"<[^>]+>", "", upper) == "[g≤K]"
    assert re.sub(r"<[^>]+>", "", printer.doprint(-sp.oo)) == "−∞"


def test_page_holds_the_derivation(page):
    assert "<math>" in page and "(BP4)" in page and "<table>" in page
    # the numbers are derive's: the same formatter, the same worked example
    text = render(build(derive.load("mlp-2-3-1"), numbers=True, steps=2), "text")
    for number in ["0.256694", "0.00774048", "0.624979"]:
        assert number in text and f">{number}<" in page


def test_user_text_is_escaped(tmp_path):
    """A TOML name and description are text: they never become tags."""
    evil = '<script>alert(1)</script><img src=x onerror=alert(2)> & "q"'
    (tmp_path / "net.toml").write_text(single_weight_toml(evil, evil), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "chainrule", "derive", str(tmp_path / "net.toml"), "--numbers",
                          "--format", "html"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "<script>alert" not in out.stdout and "<img" not in out.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out.stdout


def test_cli_format_html(capsys):
    assert main(["derive", "softmax-2hidden", "--format", "html"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<!DOCTYPE html>") and "softmax" in out


def test_staged_expression_page():
    from derive.views.staged import derivation as staged
    html = render(staged("(w2*sigmoid(w1*x + b1) - y)**2/2", "w1,b1",
                         {"x": "1", "w1": "0.5", "b1": "0", "w2": "-1", "y": "1"}), "html")
    assert "<mi>σ</mi>" in html and "+=" in html or "<mo>+=</mo>" in html


# ------------------------------------------------------- in a real browser --

def _load(driver, path, width):
    driver.set_window_size(width, 1000)
    driver.get(path.as_uri())
    return driver


@pytest.mark.parametrize("spec", ["mlp-2-3-1", "small-cnn"])
def test_page_in_chromium(driver, tmp_path, spec):
    doc = build(derive.load(spec), numbers=True)
    path = tmp_path / "page.html"
    path.write_text(render(doc, "html"), encoding="utf-8")
    browser.problems(driver), browser.requests(driver)   # start clean
    _load(driver, path, 1280)
    assert browser.loaded(driver)
    # MathML is laid out as mathematics: a fraction stands taller than a plain symbol
    heights = driver.execute_script("""
        const frac = document.querySelector('mfrac'), mi = document.querySelector('math mi');
        return [frac.getBoundingClientRect().height, mi.getBoundingClientRect().height];""")
    assert heights[0] > 1.5 * heights[1] > 0
    browser.screenshot(driver, f"derive-{spec}", 1280)
    _load(driver, path, 375)
    overflow = driver.execute_script("return document.documentElement.scrollWidth")
    assert overflow <= 376, f"the page is {overflow}px wide at a 375px phone"
    # the maths wraps between terms and factors; only an index-level sum nested
    # too deep to cut (the CNN's index algebra) scrolls, in its own box
    assert [t for t in browser.scrolls_sideways(driver, ".eq .part, .eq .factor") if not t.startswith("=∑")] == []
    browser.screenshot(driver, f"derive-{spec}", 375)
    assert browser.problems(driver) == []
    assert [u for u in browser.requests(driver) if not u.startswith("file://")] == []
