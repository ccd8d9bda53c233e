// The playground's editor: CodeMirror 6 with a Garant mode and the linter
// that shows the server's diagnostics on their lines. Bundled by esbuild
// into ../editor.bundle.js (see ../README.md); the page script
// (../playground.js) uses only `window.GarantEditor`.
import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { StreamLanguage } from "@codemirror/language";
import { linter, lintGutter, forceLinting } from "@codemirror/lint";

// Keywords of dsl/grammar.lark (the words the grammar writes as literals).
const KEYWORDS = new Set((
  "above act acts after age alias allowed annual applies at base before below benefits calendar cap care " +
  "ceiling checked claim coinsurance contract copay currency date deductible deductions default dimension " +
  "effective emergency euros except exempt first floor for frame from guarantees heavy if in insurer it kind " +
  "level levels limit max missing module most network networks no none not of on once only optional out " +
  "out_of_pocket_max parameter payant per plan price primary_care_physician rate ref referral refund regime " +
  "reimbursed renewal renfort required responsable rolling rule shared solidaire start starting statement " +
  "states the then tiers under unless warning with year"
).split(" "));
const UNITS = new Set(["brss", "fr", "tm", "pmss", "pass", "santé", "sante", "sécu", "secu", "incluse"]);

const garantMode = {
  name: "garant",
  token(stream) {
    if (stream.eatSpace()) return null;
    if (stream.match(/^#.*/)) return "comment";
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return "string";
    if (stream.match(/^\d{4}-\d{2}-\d{2}/)) return "atom";
    if (stream.match(/^\d+(?:[.,]\d+)?\s?(?:%|€|\$)?/)) return "number";
    if (stream.match(/^[:+,=×*\/-]/)) return "operator";
    const word = stream.match(/^[\p{L}_][\p{L}\p{N}_]*/u);
    if (word) {
      const w = word[0].toLowerCase();
      if (KEYWORDS.has(w)) return "keyword";
      if (UNITS.has(w)) return "unit";
      return "variableName";
    }
    stream.next();
    return null;
  },
};

export const garant = StreamLanguage.define(garantMode);

// `check(text)` resolves to [{from, to, severity, message}] (CodeMirror
// offsets); the linter calls it once typing pauses for `delay` ms.
function create(parent, doc, { check, onChange, delay = 400 } = {}) {
  const extensions = [
    basicSetup,
    garant,
    lintGutter(),
    linter(async (view) => (check ? await check(view.state.doc.toString(), view.state.doc) : []), { delay }),
    EditorView.updateListener.of((u) => { if (u.docChanged && onChange) onChange(u.state.doc.toString()); }),
  ];
  return new EditorView({ state: EditorState.create({ doc, extensions }), parent });
}

function setText(view, text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

window.GarantEditor = { create, setText, forceLinting };
