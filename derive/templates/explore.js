/* chainrule explore: shows the chosen parameter's derivation and follows
   gradient descent.  Every number comes from run(), the computation
   chainrule printed above from the derivation; this script derives nothing. */
/* erf, for a GELU network's definitions (JavaScript has none): the Taylor
   series near 0, a continued fraction for erfc further out. */
function erf(x) {
  var a = Math.abs(x), s;
  if (a < 2.5) {
    var term = a, sum = a, n = 0;
    while (Math.abs(term) > 1e-17 * Math.abs(sum) && n < 200) {
      n += 1;
      term *= -a * a / n;
      sum += term / (2 * n + 1);
    }
    s = 2 / Math.sqrt(Math.PI) * sum;
  } else {
    var f = 0;
    for (var k = 60; k >= 1; k--) f = k / 2 / (a + f);
    s = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
  }
  return x < 0 ? -s : s;
}

(function () {
  "use strict";
  var SUP = {"0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸",
             "9": "⁹", "-": "⁻", "+": "⁺"};

  /* A number as chainrule's formatter writes it: 6 significant digits, fixed
     between 1e-4 and 1e7, else a power of ten; '−' for minus. */
  function text(v, inner) {
    var out;
    if (v === 0 || Object.is(v, -0)) {
      out = "0";
    } else if (!isFinite(v)) {
      out = String(v);
    } else {
      var parts = v.toExponential(5).split("e"), m = parts[0], e = +parts[1];
      var neg = m.charAt(0) === "-", digits = m.replace("-", "").replace(".", "");
      if (e > -4 && e < 7) {
        out = e >= 0 ? (digits.length > e + 1 ? digits.slice(0, e + 1) + "." + digits.slice(e + 1)
                                               : digits + "0".repeat(e + 1 - digits.length))
                     : "0." + "0".repeat(-e - 1) + digits;
        if (out.indexOf(".") >= 0) out = out.replace(/0+$/, "").replace(/\.$/, "");
      } else {
        out = digits.charAt(0) + ("." + digits.slice(1)).replace(/0+$/, "").replace(/\.$/, "");
        out += "×10" + String(e).split("").map(function (c) { return SUP[c]; }).join("");
      }
      if (neg) out = "−" + out;
    }
    return inner && out.charAt(0) === "−" ? "(" + out + ")" : out;
  }

  var program = typeof PROGRAM === "object" ? PROGRAM : null;   // absent: a network too large to evaluate here
  var start = Float64Array.from(program ? program.start : []), P = Float64Array.from(start), count = 0;
  var current = null, result = program ? run(P) : null;
  var derivation = document.getElementById("derivation"), matrix = document.getElementById("matrix");
  var lossEl = document.getElementById("loss"), countEl = document.getElementById("count");
  var select = document.getElementById("param-select");
  var lossStart = lossEl.textContent;
  /* the matrix view's numbers as chainrule printed them, for a reset */
  var matrixMarks = matrix.querySelectorAll("[data-slot]");
  var matrixStart = Array.prototype.map.call(matrixMarks, function (el) { return el.textContent; });

  function fill(root) {
    var marks = root.querySelectorAll("[data-slot]");
    for (var i = 0; i < marks.length; i++) {
      var el = marks[i], v = result.S[+el.getAttribute("data-slot")];
      el.textContent = text(v, el.getAttribute("data-inner") === "1");
    }
  }

  function choose(name) {
    var tpl = document.getElementById("tpl-" + name);
    if (!tpl) return;
    current = name;
    derivation.replaceChildren(tpl.content.cloneNode(true));
    if (count > 0) fill(derivation);
    var marks = document.querySelectorAll("[data-param]");
    for (var i = 0; i < marks.length; i++) {
      var on = marks[i].getAttribute("data-param") === name;
      marks[i].classList.toggle("selected", on);
      marks[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
    if (select) select.value = name;
    view("scalar");
  }

  function view(which) {
    var scalar = which === "scalar";
    derivation.hidden = !scalar;
    matrix.hidden = scalar;
    document.getElementById("view-scalar").setAttribute("aria-pressed", scalar ? "true" : "false");
    document.getElementById("view-matrix").setAttribute("aria-pressed", scalar ? "false" : "true");
  }

  function refresh() {
    countEl.textContent = String(count);
    lossEl.textContent = count === 0 ? lossStart : text(result.J, false);
    if (count === 0) {
      for (var i = 0; i < matrixMarks.length; i++) matrixMarks[i].textContent = matrixStart[i];
    } else {
      fill(matrix);
    }
    if (current !== null) {
      if (count === 0) choose(current); else fill(derivation);
    }
  }

  function step() {
    if (!program) return;
    for (var k = 0; k < P.length; k++) P[k] -= program.lr * result.G[k];
    count += 1;
    result = run(P);
    refresh();
  }

  function reset() {
    if (!program) return;
    P = Float64Array.from(start);
    count = 0;
    result = run(P);
    refresh();
  }

  document.addEventListener("click", function (ev) {
    var mark = ev.target.closest ? ev.target.closest("[data-param]") : null;
    if (mark) choose(mark.getAttribute("data-param"));
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" && ev.key !== " ") return;
    var mark = ev.target.closest ? ev.target.closest("[data-param]") : null;
    if (!mark || mark.tagName === "BUTTON") return;   // a button clicks itself
    ev.preventDefault();
    choose(mark.getAttribute("data-param"));
  });
  if (select) select.addEventListener("change", function () { if (select.value) choose(select.value); });
  document.getElementById("step").addEventListener("click", step);
  document.getElementById("reset").addEventListener("click", reset);
  document.getElementById("view-scalar").addEventListener("click", function () { view("scalar"); });
  document.getElementById("view-matrix").addEventListener("click", function () { view("matrix"); });

  window.chainrule = {text: text, choose: choose, step: step, reset: reset,
                      state: function () { return {count: count, J: result && result.J, P: Array.from(P)}; }};
})();
