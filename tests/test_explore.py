"""`chainrule explore`: the interactive page, checked in a real headless Chromium.

The page loads from file:// with no console error and no request; every
weight and bias in the drawing is a focusable data-param mark; choosing one
shows its derivation with derive's numbers (`derive --format json
--numbers` and the text of `derive --param NAME --numbers`); five steps of
gradient descent in the page end at the loss and gradients of the module
`codegen.compile` generates, after five SGD steps from the same example.
Screenshots at 1280 and 375 pixels go to tests/artifacts/."""
import json
import re

import numpy as np
import pytest

import codegen
import derive
from chainrule.cli import main
from derive.derivation import choose_example
from derive.format import fmt
from derive.matrix_numbers import param_arrays
from tests import browser

MLP = "mlp-2-3-1"
CNN = "1x6x6-conv(2,3):relu-maxpool(2)-flatten-3:softmax/ce"


@pytest.fixture(scope="module")
def driver():
    d = browser.chromium()
    yield d
    browser.quit(d)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explore")
    out = {}
    for key, args in {"mlp": [MLP, "--numbers"], "cnn": [CNN]}.items():
        path = folder / f"{key}.html"
        assert main(["explore", *args, "-o", str(path)]) == 0
        out[key] = path
    return out


def derive_json(spec, *extra):
    from derive.derivation import build
    from derive.printers import render
    return json.loads(render(build(derive.load(spec), numbers=True, params=list(extra) or None), "json"))


def open_page(driver, path, width=1280):
    browser.problems(driver), browser.requests(driver)   # start clean
    driver.set_window_size(width, 1000)
    driver.get(path.as_uri())
    assert browser.loaded(driver)


def clean(driver):
    assert browser.problems(driver) == []
    assert [u for u in browser.requests(driver) if not u.startswith("file://")] == []


def choose(driver, name, key=None):
    mark = driver.find_element("css selector", f'[data-param="{name}"]')
    if key is None:
        driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", mark)
    else:   # the keyboard: focus the mark, press the key
        from selenium.webdriver.common.action_chains import ActionChains
        driver.execute_script("arguments[0].focus()", mark)
        ActionChains(driver).send_keys(key).perform()
    return driver.find_element("id", "derivation")


def slots(derivation) -> list[str]:
    return [browser.plain_number(e.get_attribute("textContent"))
            for e in derivation.find_elements("css selector", "table [data-slot]")]


def sgd(spec, steps):
    """The generated module's loss and gradients after ``steps`` SGD steps from the example."""
    net = derive.load(spec)
    example = choose_example(net, True, None)
    module = codegen.compile(net)
    X = np.array(example.X, dtype=float).reshape((example.m,) + tuple(net.input))
    Y = np.array(example.Y, dtype=float)
    params = param_arrays(net, example.params)
    for _ in range(steps):
        _, grads = module.value_and_grad(params, X, Y)
        params = module.sgd_step(params, grads, float(example.lr))
    J, grads = module.value_and_grad(params, X, Y)
    flat = {}
    for key, g in grads.items():
        for name, v in zip(derive.names.entries(key, g.shape), np.ravel(g)):
            flat[name] = v
    return J, flat, params


# ------------------------------------------------------------------ the page --

def test_every_parameter_is_a_focusable_mark(driver, pages):
    open_page(driver, pages["mlp"])
    marks = driver.find_elements("css selector", "svg [data-param]")
    names = sorted(m.get_attribute("data-param") for m in marks)
    assert names == sorted(derive.load(MLP).param_names())
    assert all(m.get_attribute("tabindex") == "0" for m in marks)
    assert driver.find_element("id", "loss").text == fmt(derive_json(MLP)["numbers"]["loss_value"]).plain()
    clean(driver)


@pytest.mark.parametrize("name, key", [("w1_2_1", None), ("b1_2", "\ue007"), ("w2_1_3", " ")])
def test_chosen_parameter_shows_derive_numbers(driver, pages, capsys, name, key):
    """Click (or Enter, or Space): the derivation of that parameter, with the
    numbers derive prints: its value, dJ/dθ of the batch, and every number of
    the 'at example 1' lines of `derive --param NAME --numbers`."""
    open_page(driver, pages["mlp"])
    shown = choose(driver, name, key)
    data = derive_json(MLP)
    value = dict(choose_example(derive.load(MLP), True, None).params)[name]
    assert slots(shown)[:2] == [fmt(value).plain(), fmt(data["numbers"]["gradients"][name]).plain()]
    mark = driver.find_element("css selector", f'svg [data-param="{name}"]')
    assert "selected" in mark.get_attribute("class")
    assert main(["derive", MLP, "--param", name, "--numbers"]) == 0
    text = capsys.readouterr().out
    section = text[text.index("∂J/∂"):text.index("Delta view")]
    numbers = set(re.findall(r"-?\d+\.\d+|(?<![\w⁽₀-₉])-?\d+(?![\w⁾₀-₉.])", " ".join(
        line for line in section.splitlines() if re.search(r"\d\.\d", line) and "→" not in line)))
    leaves = driver.execute_script(
        "return Array.from(arguments[0].querySelectorAll('*')).filter(e => !e.children.length)"
        ".map(e => e.textContent).join(' ')", shown)
    page_text = leaves.replace("−", "-").replace("(", " ").replace(")", " ")
    page_numbers = set(re.findall(r"-?\d+(?:\.\d+)?", page_text))
    assert numbers and numbers <= page_numbers, numbers - page_numbers
    clean(driver)


def test_five_steps_match_the_generated_module(driver, pages):
    open_page(driver, pages["mlp"])
    shown = choose(driver, "w1_2_1")
    start_loss = driver.find_element("id", "loss").text
    for _ in range(5):
        driver.find_element("id", "step").click()
    J, grads, params = sgd(MLP, 5)
    state = driver.execute_script("return window.chainrule.state()")
    assert state["count"] == 5 and driver.find_element("id", "count").text == "5"
    assert abs(state["J"] - J) < 1e-12
    assert float(browser.plain_number(driver.find_element("id", "loss").text)) == pytest.approx(J, rel=1e-5)
    value, slope, after = [float(x) for x in slots(shown)[:3]]
    assert value == pytest.approx(params["W1"][1, 0], rel=1e-5)
    assert slope == pytest.approx(grads["w1_2_1"], rel=1e-5)
    assert after == pytest.approx(params["W1"][1, 0] - 0.5 * grads["w1_2_1"], rel=1e-5)
    browser.screenshot(driver, "explore-mlp-stepped", 1280)
    driver.find_element("id", "reset").click()
    assert driver.find_element("id", "loss").text == start_loss
    assert driver.find_element("id", "count").text == "0"
    clean(driver)


def test_matrix_view_toggle(driver, pages):
    open_page(driver, pages["mlp"])
    driver.find_element("id", "view-matrix").click()
    matrix, derivation = driver.find_element("id", "matrix"), driver.find_element("id", "derivation")
    assert matrix.is_displayed() and not derivation.is_displayed()
    assert "BP2" in matrix.text and "(BP4)" in matrix.text
    assert driver.find_element("id", "view-matrix").get_attribute("aria-pressed") == "true"
    choose(driver, "w2_1_1")   # choosing a parameter goes back to its derivation
    assert derivation.is_displayed() and not matrix.is_displayed()
    clean(driver)


def _worked_numbers(text: str) -> list[str]:
    """The numbers of `derive --numbers --view delta`'s worked example: the
    parameters' values, every quantity per example, J and the gradients'
    values (not the data, not the sums' 1/m)."""
    section = text[text.index("Worked example: the data"):text.index("Gradient descent:")]
    out = []
    for line in section.splitlines():
        cells = line.split()
        if not line.startswith("  ") or not cells or cells[0].isdigit() or set(cells[0]) <= set("─") \
                or "example" in cells:   # a header
            continue
        if cells[0] == "J":
            out.append(cells[2])
        elif "Σ" in line:
            out.append(cells[-1])
        else:
            out += [c for c in cells[1:] if re.fullmatch(r"-?\d+(\.\d+)?(e[-+]\d+)?", c)]
    return out


def test_matrix_view_numbers_step_and_reset(driver, pages, capsys):
    """With --numbers the matrix view carries the worked example of `derive
    --numbers --view delta` (the same numbers), and a step refills them:
    after five steps its J, parameters and gradients are the generated
    module's; a reset puts chainrule's numbers back."""
    assert main(["derive", MLP, "--numbers", "--view", "delta"]) == 0
    expected = _worked_numbers(capsys.readouterr().out)
    open_page(driver, pages["mlp"])
    driver.find_element("id", "view-matrix").click()
    shown = lambda: [browser.plain_number(e.get_attribute("textContent"))   # noqa: E731
                     for e in driver.find_elements("css selector", "#matrix [data-slot]")]
    assert len(expected) > 60 and sorted(shown()) == sorted(expected)
    for width in (1280, 375):
        driver.set_window_size(width, 1000)
        driver.execute_script("document.querySelector('#matrix section[data-key=numbers-forward]').scrollIntoView()")
        browser.screenshot(driver, "explore-mlp-matrix-numbers", width)
    assert browser.scrolls_sideways(driver, "#matrix .part, #matrix .factor") == []
    for _ in range(5):
        driver.find_element("id", "step").click()
    J, grads, params = sgd(MLP, 5)
    net = derive.load(MLP)
    values = [float(x) for x in shown()]
    names = net.param_names()
    after = dict(zip(names, values[:len(names)]))           # the parameter table comes first
    assert after["w1_2_1"] == pytest.approx(params["W1"][1, 0], rel=1e-5)
    assert after["b2_1"] == pytest.approx(params["b2"][0], rel=1e-5)
    slopes = dict(zip(names, values[-len(names):]))          # the gradient table comes last
    assert all(slopes[p] == pytest.approx(grads[p], rel=1e-5, abs=1e-9) for p in names)
    assert J == pytest.approx(float(browser.plain_number(driver.find_element(
        "css selector", "#matrix math [data-slot='0']").get_attribute("textContent"))), rel=1e-5)
    driver.find_element("id", "reset").click()
    assert sorted(shown()) == sorted(expected)
    clean(driver)


def test_cnn_page_blocks_and_buttons(driver, pages):
    open_page(driver, pages["cnn"])
    net = derive.load(CNN)
    names = sorted(e.get_attribute("data-param") for e in driver.find_elements("css selector", "[data-param]"))
    assert names == sorted(net.param_names())
    # image layers as stacks of maps (the input, conv, pool), the rest as blocks
    stacks = driver.find_elements("css selector", "svg g.maps")
    assert [s.get_attribute("aria-label") for s in stacks] == ["1×6×6", "2×4×4", "2×2×2"]
    assert len(driver.find_elements("css selector", "svg g.neuron rect")) == 2
    shown = choose(driver, "w1_1_1_2_2")
    data = derive_json(CNN)
    assert slots(shown)[1] == fmt(data["numbers"]["gradients"]["w1_1_1_2_2"]).plain()
    for _ in range(5):
        driver.find_element("id", "step").click()
    J, _, _ = sgd(CNN, 5)
    assert driver.execute_script("return window.chainrule.state().J") == pytest.approx(J, rel=1e-10)
    clean(driver)


def test_phone_shows_a_block_drawing_in_rows(driver, pages):
    """At 375 px the CNN's drawing (nothing in it to click) stands in rows one
    under the other, all at one scale no smaller than 3/4, instead of
    scrolling sideways; at 1280 px it is the one drawing."""
    rows_js = """return Array.from(document.querySelectorAll('figure.drawing .rows svg')).map(s => {
        const r = s.getBoundingClientRect(); return [r.width, r.right, s.viewBox.baseVal.width]; })"""
    open_page(driver, pages["cnn"], 375)
    full = driver.find_element("css selector", "figure.drawing .scroll svg")
    assert not full.is_displayed()
    rows = driver.execute_script(rows_js)
    assert len(rows) >= 2 and all(right <= 375 for _, right, _ in rows)
    scales = [shown / drawn for shown, _, drawn in rows]
    assert min(scales) >= 0.74 and max(scales) - min(scales) < 0.01
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 376
    browser.screenshot(driver, "explore-cnn-rows", 375)
    open_page(driver, pages["cnn"], 1280)
    assert driver.find_element("css selector", "figure.drawing .scroll svg").is_displayed()
    assert all(shown == 0 for shown, _, _ in driver.execute_script(rows_js))
    clean(driver)


def test_screenshots(driver, pages):
    """Desktop and phone: the drawing, then a chosen derivation (looked at by hand)."""
    for key, name in [("mlp", "w1_2_1"), ("cnn", "b4_2")]:
        for width in (1280, 375):
            open_page(driver, pages[key], width)
            browser.screenshot(driver, f"explore-{key}-top", width)
            choose(driver, name)
            driver.execute_script("document.getElementById('derivation').scrollIntoView()")
            browser.screenshot(driver, f"explore-{key}-{name}", width)
            assert driver.execute_script("return document.documentElement.scrollWidth") <= width + 1
            # the maths wraps between terms and factors: no line of it scrolls sideways
            assert browser.scrolls_sideways(driver, "#derivation .part, #derivation .factor") == []
    clean(driver)


def test_a_network_too_big_for_derivations_shows_the_matrix_view(driver, tmp_path):
    """Over 1000 parameters: the drawing and the matrix view only, and the
    page says no more than that (no marks to click, no step to take)."""
    path = tmp_path / "big.html"
    assert main(["explore", "2-40-40-1", "-o", str(path)]) == 0
    open_page(driver, path)
    assert driver.find_element("id", "matrix").is_displayed()
    assert not driver.find_element("id", "derivation").is_displayed()
    assert not driver.find_element("id", "view-scalar").is_enabled()
    assert not driver.find_element("id", "step").is_enabled()
    assert driver.find_elements("css selector", "[data-param]")                # the contract's hooks stay
    assert driver.find_elements("css selector", "[data-param][tabindex]") == []  # but nothing to focus
    intro = driver.find_element("css selector", "main").text.split("Take a step")[0]
    assert "1801 parameters" in intro and "Choose" not in intro
    clean(driver)


def test_print_holds_the_drawing_the_chosen_derivation_and_the_matrix_view(driver, pages, tmp_path):
    """Printed (Chromium's own PDF): the drawing, the chosen parameter's
    derivation and the matrix view, without the controls."""
    import base64
    import shutil
    import subprocess
    from selenium.webdriver.common.print_page_options import PrintOptions
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is needed")
    open_page(driver, pages["mlp"])
    choose(driver, "w2_1_3")
    pdf = tmp_path / "printed.pdf"
    pdf.write_bytes(base64.b64decode(driver.print_page(PrintOptions())))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "∂J/∂w⁽²⁾₁₃" in text                        # the chosen derivation's heading
    assert "Delta view (BP1-BP4)" in text and "(BP4)" in text   # the matrix view, hidden on screen
    assert "loss" in text and "mse" in text               # the drawing's sink
    assert "steps taken" not in text and "Scalar view" not in text   # no controls
    clean(driver)


# --------------------------------------------------------------- bad input --

def test_too_large_to_draw(tmp_path, capsys):
    assert main(["explore", "2-150-60-1", "-o", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert "213 neurons" in err and "at most 200" in err and err.count("\n") == 1
    assert not (tmp_path / "x.html").exists()


def test_refuses_a_foreign_file_and_a_wrong_suffix(tmp_path, capsys):
    foreign = tmp_path / "notes.html"
    foreign.write_text("<p>mine</p>")
    assert main(["explore", MLP, "-o", str(foreign)]) == 2
    assert foreign.read_text() == "<p>mine</p>"
    assert main(["explore", MLP, "-o", str(tmp_path / "page.txt")]) == 2
    assert main(["explore", MLP, "-o", str(foreign), "--force"]) == 0
    assert foreign.read_text().startswith("<!-- Generated by chainrule from 2-3:sigmoid-1:identity/mse")


def test_deterministic(tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    assert main(["explore", "logistic", "-o", str(a)]) == 0 and main(["explore", "logistic", "-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("spec", ["2-2:sigmoid-1/mse/l2(0.5)", "bn-mlp"])
def test_l2_and_batch_norm_pages_step_with_the_module(driver, tmp_path, spec):
    """The l2 term shows as λ·w (λ's value is no slot: it never changes) and
    a batch norm network's gradient lines end with the batch gradient; after
    three steps the last number of w1_1_1's derivation is the generated
    module's: dJ/dw on example 1 alone (l2, λw included), or on the batch."""
    path = tmp_path / "page.html"
    assert main(["explore", spec, "--numbers", "-o", str(path)]) == 0
    open_page(driver, path)
    shown = choose(driver, "w1_1_1")
    for _ in range(3):
        driver.find_element("id", "step").click()
    J, grads, params = sgd(spec, 3)
    assert driver.execute_script("return window.chainrule.state()")["J"] == pytest.approx(J, rel=1e-12)
    numbers = [float(browser.plain_number(e.get_attribute("textContent")))
               for e in shown.find_elements("css selector", "[data-slot]")]
    if "l2" in spec:
        assert "λ" in shown.text
        net = derive.load(spec)
        example = choose_example(net, True, None)
        X = np.array(example.X, dtype=float)[:1]
        Y = np.array(example.Y, dtype=float)[:1]
        _, one = codegen.compile(net).value_and_grad(params, X, Y)
        assert numbers[-1] == pytest.approx(one["W1"][0, 0], rel=1e-5)
    else:
        assert numbers[-1] == pytest.approx(grads["w1_1_1"], rel=1e-5)
    clean(driver)
