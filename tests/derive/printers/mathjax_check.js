// Typeset every maths segment of a notebook's LaTeX output with MathJax 3's
// default TeX configuration (as Jupyter does), and report the errors.
// Usage: node mathjax_check.js MATHJAX_DIR < output.tex ; prints JSON.
const dir = process.argv[2];
const {mathjax} = require(dir + '/js/mathjax.js');
const {TeX} = require(dir + '/js/input/tex.js');
require(dir + '/js/input/tex/AllPackages.js');  // registers them; the default set is chosen below
const {SVG} = require(dir + '/js/output/svg.js');
const {liteAdaptor} = require(dir + '/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require(dir + '/js/handlers/html.js');
require(dir + '/js/util/entities/all.js');

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const tex = new TeX({packages: ['base', 'ams', 'newcommand', 'noundefined', 'configmacros']});
const doc = mathjax.document('', {InputJax: tex, OutputJax: new SVG({fontCache: 'none'})});

let text = require('fs').readFileSync(0, 'utf8');
const segments = [];
const re = /\$\$([\s\S]*?)\$\$|\$([^$]+?)\$/g;
let m;
while ((m = re.exec(text)) !== null) segments.push({display: m[1] !== undefined, tex: m[1] !== undefined ? m[1] : m[2]});
const errors = [];
for (const s of segments) {
  try {
    const node = doc.convert(s.tex, {display: s.display});
    const out = adaptor.outerHTML(node);
    // an error, or an undefined macro shown in red (the noundefined package)
    if (out.includes('data-mjx-error') || out.includes('merror') || out.includes('fill="red"')) {
      const msg = /data-mjx-error="([^"]*)"/.exec(out);
      errors.push({tex: s.tex.slice(0, 200), error: msg ? msg[1] : 'merror'});
    }
  } catch (e) {
    errors.push({tex: s.tex.slice(0, 200), error: String(e.message || e)});
  }
}
console.log(JSON.stringify({segments: segments.length, errors}));
