// The playground page: the editor (editor.bundle.js) checked as you type
// through POST /check, claims evaluated through POST /eval, the tableau
// and examples through POST /tableau. Everything is served by
// `garant serve`; nothing is fetched from elsewhere.
"use strict";

const NAME = "playground.garant";
const SAMPLE_CLAIMS = [{
  id: "c1", date: "2025-03-10", beneficiary: "B1",
  act: "consultation generaliste", provider: "secteur1", price: "30.00",
}];

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  return node;
};

async function post(path, body) {
  const response = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  let data;
  try { data = await response.json(); } catch { data = { error: { message: `HTTP ${response.status}` } }; }
  return { ok: response.ok, status: response.status, data };
}

let view = null;
let lastProduct = null;   // the summary of the last source that compiled
let tableauFor = null;    // the source the tableau panel shows

// --------------------------------------------------------------- checking
function offsets(doc, d) {
  const lineNo = Math.min(Math.max(d.line || 1, 1), doc.lines);
  const line = doc.line(lineNo);
  const from = Math.min(line.from + Math.max((d.column || 1) - 1, 0), line.to);
  let to = from;
  if (d.end_line === d.line && d.end_column > d.column) to = Math.min(line.from + d.end_column - 1, line.to);
  if (to <= from) to = Math.min(from + 1, line.to);
  return { from, to, lineNo };
}

async function check(text, doc) {
  const { ok, data } = await post("/check", { source: text, name: NAME });
  const list = $("#diagnostics");
  list.replaceChildren();
  if (!ok) {
    setStatus(data.error ? data.error.message : "the check failed", true);
    return [];
  }
  const marks = [];
  let errors = 0, warnings = 0;
  for (const d of data.diagnostics) {
    const own = !d.file || d.file === NAME;
    const { from, to, lineNo } = offsets(doc, own ? d : { line: 1, column: 1 });
    const text = (own ? "" : `${d.file}:${d.line}: `) + d.message + (d.hint ? ` (hint: ${d.hint})` : "");
    marks.push({ from, to, severity: d.severity === "error" ? "error" : d.severity === "warning" ? "warning" : "info", message: text });
    if (d.severity === "error") errors++; else if (d.severity === "warning") warnings++;
    const item = el("li", { class: d.severity, "data-line": String(lineNo) },
      `line ${lineNo}, column ${own ? d.column : 1}: ${d.severity}: ${own ? "" : d.file + ": "}${d.message}`,
      d.hint ? el("span", { class: "hint" }, ` — hint: ${d.hint}`) : "");
    item.addEventListener("click", () => { view.dispatch({ selection: { anchor: from }, scrollIntoView: true }); view.focus(); });
    list.append(item);
  }
  setStatus(`${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`, errors > 0);
  if (data.product) {
    lastProduct = data.product;
    fillLevels(data.product);
    refreshTableau(text);
  }
  return marks;
}

function setStatus(text, bad) {
  const status = $("#status");
  status.textContent = text;
  status.classList.toggle("errors", !!bad);
}

function fillLevels(product) {
  const select = $("#level");
  const levels = product.levels || [];
  const current = select.value;
  const wanted = levels.length ? levels : [""];
  const have = [...select.options].map((o) => o.value);
  if (have.join("\u0000") === wanted.join("\u0000")) return;
  select.replaceChildren(...wanted.map((lv) => el("option", { value: lv }, lv || "(no levels)")));
  select.disabled = !levels.length;
  if (levels.includes(current)) select.value = current;
}

// ------------------------------------------------------------- evaluating
const CONTRACT_FIELDS = ["price", "base", "amo_rate", "amo", "participation_forfaitaire", "franchise", "amo_net", "amc", "rac"];
const PLAN_FIELDS = ["price", "allowed", "deductible", "copay", "coinsurance", "plan_paid", "member_paid"];

async function evaluate() {
  const error = $("#eval-error");
  error.hidden = true;
  let claims;
  try {
    claims = JSON.parse($("#claims").value);
  } catch (e) {
    error.textContent = `claims: not valid JSON: ${e.message}`;
    error.hidden = false;
    return;
  }
  const body = { source: view.state.doc.toString(), name: NAME, claims };
  const level = $("#level").value;
  if (level) body.level = level;
  const { ok, data } = await post("/eval", body);
  const results = $("#results");
  results.replaceChildren();
  if (!ok) {
    error.textContent = data.error.message + (data.error.location ? `  [${data.error.location}]` : "");
    error.hidden = false;
    return;
  }
  results.dataset.done = String(Date.now());
  for (const r of data.results) results.append(renderResult(r, data.product.kind));
}

function renderResult(r, kind) {
  const box = el("div", { class: "result", "data-id": String(r.id) });
  if (r.status === "rejected") {
    box.append(el("h3", { class: "rejected" }, `${r.id ?? "(no id)"}: rejected`), el("p", { class: "rejected reason" }, r.reason + (r.field ? ` [${r.field}]` : "")));
    return box;
  }
  box.append(el("h3", {}, `${r.id}: ${r.act}${r.provider ? " — " + r.provider : ""} on ${r.date}`));
  const fields = kind === "plan" ? PLAN_FIELDS : CONTRACT_FIELDS;
  const table = el("table", { class: "decompte" },
    el("tr", {}, ...fields.map((f) => el("th", { class: "num" }, f))),
    el("tr", {}, ...fields.map((f) => el("td", { class: "num", "data-field": f }, r[f] ?? ""))));
  box.append(table, el("div", { class: "rule" }, `decided by ${r.rule ?? "—"}`));
  if (kind === "plan" && r.denied) box.append(el("p", { class: "rejected" }, `denied: ${r.denied}`));
  if (r.warnings.length) box.append(el("ul", { class: "warnings" }, ...r.warnings.map((w) => el("li", {}, w))));
  box.append(el("ol", { class: "trace" }, ...r.trace.map((s) => el("li", {},
    s.step, s.amount !== undefined ? ` = ${s.amount}` : "", s.rule ? el("span", { class: "rule" }, `  [${s.rule}]`) : ""))));
  return box;
}

// ------------------------------------------------------ tableau, examples
let tableauTimer = null;
function refreshTableau(text) {
  clearTimeout(tableauTimer);
  tableauTimer = setTimeout(async () => {
    if (text === tableauFor) return;
    const { ok, data } = await post("/tableau", { source: text, name: NAME });
    if (!ok) return;
    tableauFor = text;
    $("#tableau").replaceChildren(...(data.kind === "plan" ? planTableau(data) : contractTableau(data)));
    $("#examples").replaceChildren(...(data.kind === "plan" ? planExamples(data) : contractExamples(data)));
  }, 600);
}

function contractTableau(data) {
  const levels = data.tableau.levels.length ? data.tableau.levels : ["formula"];
  const out = [];
  for (const s of data.tableau.sections) {
    out.push(el("h3", {}, s.title));
    out.push(el("table", {},
      el("tr", {}, el("th", {}, "line"), el("th", {}, "act"), el("th", {}, "provider"), ...levels.map((lv) => el("th", {}, lv))),
      ...s.rows.map((r) => el("tr", {}, el("td", {}, String(r.line)), el("td", {}, r.act + (r.module ? ` (${r.module})` : "")), el("td", {}, r.provider),
        ...r.formulas.map((f, i) => el("td", { title: r.explanations[i] || "" }, f))))));
  }
  return out;
}

function contractExamples(data) {
  const levels = data.tableau.levels.length ? data.tableau.levels : [null];
  const rows = data.examples.filter((e) => e.results[0].computed);
  return [el("table", {},
    el("tr", {}, el("th", {}, "example"), el("th", { class: "num" }, "price"), ...levels.map((lv) => el("th", { class: "num" }, `${lv ? lv + " " : ""}AMC / RAC`))),
    ...rows.map((e) => el("tr", {}, el("td", {}, e.title), el("td", { class: "num" }, e.results[0].price),
      ...e.results.map((r) => el("td", { class: "num" }, r.computed ? `${r.amc} / ${r.rac}` : "—")))))];
}

function planTableau(data) {
  return [
    el("table", {}, ...data.tableau.terms.map((t) => el("tr", {}, el("th", {}, t.term), el("td", {}, t.value)))),
    el("table", {}, el("tr", {}, el("th", {}, "line"), el("th", {}, "benefit"), el("th", {}, "as written"), el("th", {}, "member pays")),
      ...data.tableau.benefits.map((b) => el("tr", {}, el("td", {}, String(b.line)), el("td", {}, b.selector), el("td", {}, b.written), el("td", {}, b.member_pays)))),
  ];
}

function planExamples(data) {
  if (!Array.isArray(data.examples)) return [el("p", { class: "muted" }, data.examples.error)];
  const keys = ["total_cost", "deductible", "copay", "coinsurance", "excluded", "member_total", "plan_paid"];
  return [el("table", {}, el("tr", {}, el("th", {}, "SBC example"), ...keys.map((k) => el("th", { class: "num" }, k))),
    ...data.examples.map((e) => el("tr", {}, el("td", {}, e.title), ...keys.map((k) => el("td", { class: "num" }, e[k])))))];
}

// ------------------------------------------------------------------ setup
async function loadProduct(name) {
  const response = await fetch(`/products/${encodeURIComponent(name)}/source`);
  if (!response.ok) return;
  window.GarantEditor.setText(view, await response.text());
}

async function start() {
  view = window.GarantEditor.create($("#editor"), "", { check, delay: 350 });
  window.garantView = view; // for tests and the console
  $("#claims").value = JSON.stringify(SAMPLE_CLAIMS, null, 2);
  $("#eval-button").addEventListener("click", evaluate);
  for (const tab of document.querySelectorAll(".tabs button")) {
    tab.addEventListener("click", () => {
      document.querySelectorAll(".tabs button, .tab").forEach((n) => n.classList.remove("active"));
      tab.classList.add("active");
      $(`#tab-${tab.dataset.tab}`).classList.add("active");
    });
  }
  const picker = $("#product-picker");
  const wanted = new URLSearchParams(location.search).get("product") || "essentiel_2025";
  const first = loadProduct(wanted);
  try {
    const { products } = await (await fetch("/products")).json();
    for (const p of products) picker.append(el("option", { value: p.id }, `${p.name} (${p.kind}${p.levels.length ? ", " + p.levels.length + " levels" : ""})`));
  } catch { /* the editor works without the list */ }
  picker.addEventListener("change", () => { if (picker.value) loadProduct(picker.value); });
  await first;
  if ([...picker.options].some((o) => o.value === wanted)) picker.value = wanted;
}

start();
