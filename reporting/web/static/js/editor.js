// Report editor: fields in template order, autosave with optimistic
// concurrency, pick lists and blanks, macros, dictation, sign, deliveries.

import { api, ApiError } from "./api.js";
import { $, h, personName, age, toast, show } from "./dom.js";

const AUTOSAVE_MS = 700;
const TOKEN_RE = /\[[^\[\]\n]*\]/g;
const TRIGGER_RE = /(^|\s)\.([A-Za-z0-9_-]+)$/;
const SIGNED = new Set(["final", "amended"]);
const DELIVERY_DONE = new Set(["delivered", "quarantined", "failed"]);

const norm = (text) => String(text || "").toLowerCase().replace(/[^a-z0-9]/g, "");

function optionList(spec) {
  return (spec.options || []).map((o) => (typeof o === "string" ? { value: o, label: o } : o));
}

/** Bracket tokens `[a|b]` and `[ ]` of `text`, with their positions. */
export function tokens(text) {
  return [...String(text).matchAll(TOKEN_RE)].map((m) => ({
    start: m.index, end: m.index + m[0].length, text: m[0],
    options: m[0].includes("|") ? m[0].slice(1, -1).split("|").map((s) => s.trim()) : null,
  }));
}

export class Editor {
  constructor({ dictation, onSigned }) {
    this.dictation = dictation;
    this.onSigned = onSigned;
    this.report = null;
    this.study = null;
    this.values = {};
    this.dirty = new Map(); // field -> edit generation
    this.generation = 0;
    this.current = null;
    this.saveTimer = null;
    this.saving = null;
    this.conflict = false;
    this.macros = [];
    this.pick = null; // {field, token, index}
    this.deliveryTimer = null;
    this.form = $("#report-form");
    this.form.addEventListener("submit", (event) => event.preventDefault());
    $("#conflict-reload").addEventListener("click", () => this.resolveConflict(false));
    $("#conflict-keep").addEventListener("click", () => this.resolveConflict(true));
    $("#sign").addEventListener("click", () => this.sign());
    $("#sign-override").addEventListener("click", () => this.sign($("#override-reason").value));
    $("#macro-open").addEventListener("click", () => this.openMacros());
    $("#macro-filter").addEventListener("input", () => this.renderMacroList());
    $("#macro-filter").addEventListener("keydown", (event) => this.onMacroKey(event));
    $("#picklist").addEventListener("keydown", (event) => this.onPickKey(event));
    this.bindDictation();
  }

  get id() { return this.report?.id; }
  get signed() { return this.report && SIGNED.has(this.report.status); }
  get editable() {
    if (!this.report || this.signed) return false;
    return this.report.status !== "preliminary" || this.canCosign;
  }

  // ---- loading and rendering -------------------------------------------------

  async open(reportId, role) {
    this.close();
    this.canCosign = role === "radiologist";
    const report = await api.get(`/api/reports/${reportId}`);
    this.study = await api.get(`/api/studies/${report.study_id}`);
    this.report = report;
    this.values = { ...report.fields };
    this.dirty.clear();
    this.current = report.current_field || report.field_order[0]?.id;
    this.renderHeader();
    this.renderFields();
    this.renderState();
    this.clearIssues();
    show("#conflict", false);
    this.conflict = false;
    this.loadPriors();
    this.loadMacros();
    if (this.signed) this.watchDeliveries();
    else show("#deliveries", false);
    this.focusField(this.current);
  }

  close() {
    clearTimeout(this.saveTimer);
    clearTimeout(this.deliveryTimer);
    this.closePick();
    this.report = null;
  }

  renderHeader() {
    const s = this.study;
    $("#hdr-patient").textContent = personName(s.patient.name);
    $("#hdr-demo").textContent =
      `${s.patient.mrn} · ${age(s.patient.birth_date)} ${s.patient.sex || ""} · DOB ${s.patient.birth_date || "?"}`;
    $("#hdr-exam").textContent = `${s.procedure_description} (${s.modality})`;
    $("#hdr-accession").textContent = s.accession;
    $("#hdr-facility").textContent = s.facility_name || s.facility;
    const prio = $("#hdr-priority");
    prio.textContent = s.priority;
    prio.className = `prio ${s.priority.toLowerCase()}`;
    $("#hdr-history").textContent = [s.reason, s.clinical_info].filter(Boolean).join(" ") || "—";
    $("#study-header").classList.toggle("stat", s.priority === "STAT");
  }

  renderState() {
    const badge = $("#report-status");
    badge.textContent = this.report.status;
    badge.dataset.status = this.report.status;
    $("#sign").disabled = !this.editable;
    $("#macro-open").disabled = !this.editable;
    $("#record").disabled = !this.editable;
    for (const el of this.form.querySelectorAll("textarea, input, select")) {
      el.readOnly = !this.editable;
      if (el.tagName === "SELECT" || el.type === "checkbox") el.disabled = !this.editable;
    }
    const addenda = this.report.addenda || [];
    show("#addenda", addenda.length > 0);
    $("#addenda-list").replaceChildren(...addenda.map((a) => h("li", {},
      h("span", { class: "muted" }, `#${a.number} ${a.author}${a.signed_at ? " (signed)" : ""}: `),
      a.text)));
  }

  renderFields() {
    const children = [];
    let section = null;
    for (const spec of this.report.field_order) {
      if (spec.section !== section) {
        section = spec.section;
        children.push(h("h2", { class: "section" }, String(section).replace(/_/g, " ")));
      }
      children.push(this.fieldBlock(spec));
    }
    this.form.replaceChildren(...children);
    this.highlight();
  }

  fieldBlock(spec) {
    const id = spec.id;
    const inputId = `f-${id}`;
    const value = this.values[id] ?? "";
    const label = h("label", { for: inputId }, spec.label || id,
      spec.required ? h("span", { class: "req", "aria-label": "required" }, " *") : null,
      spec.units ? h("span", { class: "muted" }, ` (${spec.units})`) : null);
    const describedBy = `issues-${id}`;
    let input;
    const options = optionList(spec);
    if (spec.type === "choice" || spec.type === "checkbox") {
      const opts = spec.type === "checkbox"
        ? [{ value: "yes", label: "Yes" }, { value: "no", label: "No" }] : options;
      input = h("select", { id: inputId, "aria-describedby": describedBy },
        h("option", { value: "" }, "—"),
        ...opts.map((o) => h("option", { value: o.value }, o.label || o.value)));
      input.value = value;
    } else if (spec.type === "multichoice") {
      const chosen = new Set(String(value).split(";").map((v) => v.trim()).filter(Boolean));
      input = h("fieldset", { id: inputId, class: "multi", "aria-describedby": describedBy },
        h("legend", { class: "sr-only" }, spec.label || id),
        ...options.map((o) => h("label", { class: "check" },
          h("input", { type: "checkbox", value: o.value, checked: chosen.has(o.value) }),
          ` ${o.label || o.value}`)));
    } else if (spec.type === "number" || spec.type === "date") {
      input = h("input", {
        id: inputId, type: spec.type === "date" ? "date" : "text",
        inputmode: spec.type === "number" ? "decimal" : null, "aria-describedby": describedBy,
      });
      input.value = value;
    } else {
      input = h("textarea", {
        id: inputId, rows: "1", spellcheck: "true", "aria-describedby": describedBy,
      });
      input.value = value;
    }
    input.dataset.field = id;
    input.addEventListener("focusin", () => this.setCurrent(id, { fromFocus: true }));
    input.addEventListener("input", () => this.onInput(id, input));
    input.addEventListener("change", () => this.onInput(id, input));
    if (input.tagName === "TEXTAREA") {
      input.addEventListener("keydown", (event) => this.onFieldKey(event, id, input));
      requestAnimationFrame(() => this.autoGrow(input));
    }
    return h("div", { class: "field", id: `field-${id}`, dataset: { field: id } },
      label, input,
      h("div", { class: "partial", id: `partial-${id}`, "aria-live": "polite" }),
      h("ul", { class: "field-issues", id: describedBy }));
  }

  inputOf(id) { return $(`#f-${CSS.escape(id)}`); }

  readInput(input) {
    if (input.tagName === "FIELDSET") {
      return [...input.querySelectorAll("input:checked")].map((c) => c.value).join("; ");
    }
    return input.value;
  }

  writeInput(id, value) {
    const input = this.inputOf(id);
    if (!input) return;
    if (input.tagName === "FIELDSET") {
      const chosen = new Set(String(value).split(";").map((v) => v.trim()));
      for (const c of input.querySelectorAll("input")) c.checked = chosen.has(c.value);
    } else if (input.value !== value) {
      input.value = value;
      if (input.tagName === "TEXTAREA") this.autoGrow(input);
    }
  }

  autoGrow(textarea) {
    textarea.style.height = "auto";
    textarea.style.height = `${Math.max(textarea.scrollHeight + 2, 36)}px`;
  }

  highlight() {
    for (const block of this.form.querySelectorAll(".field")) {
      const on = block.dataset.field === this.current;
      block.classList.toggle("current", on);
      block.setAttribute("aria-current", on ? "true" : "false");
    }
  }

  // ---- current field and navigation -----------------------------------------

  fieldIds() { return this.report ? this.report.field_order.map((f) => f.id) : []; }

  setCurrent(id, { fromFocus = false } = {}) {
    if (!this.report || id === this.current) return;
    this.current = id;
    this.highlight();
    if (!this.editable) return;
    if (fromFocus && this.dictation.recording) this.dictation.command("go_to", id);
    this.scheduleSave();
  }

  focusField(id, { selectToken = false } = {}) {
    const input = this.inputOf(id);
    if (!input) return;
    const target = input.tagName === "FIELDSET" ? input.querySelector("input") : input;
    target?.focus({ preventScroll: false });
    input.closest(".field")?.scrollIntoView({ block: "nearest" });
    if (input.tagName === "TEXTAREA") {
      const first = selectToken ? tokens(input.value)[0] : null;
      if (first) this.selectToken(id, input, first);
      else input.setSelectionRange(input.value.length, input.value.length);
    }
  }

  /** Move to the next/previous field (keyboard, speech-mike button or voice). */
  move(step) {
    const ids = this.fieldIds();
    const index = Math.max(0, ids.indexOf(this.current));
    const next = ids[Math.min(ids.length - 1, Math.max(0, index + step))];
    this.setCurrent(next);
    this.focusField(next, { selectToken: true });
  }

  /** Run a navigation/edit command: through the dictation session when one is live. */
  command(name) {
    if (!this.report || !this.editable) return;
    if (this.dictation.command(name)) return; // the server answers with command + report
    if (name === "next_field") this.move(1);
    else if (name === "previous_field") this.move(-1);
    else if (name === "scratch_that") toast("“Scratch that” works while dictating.");
  }

  // ---- typing, pick lists, triggers -----------------------------------------

  onInput(id, input) {
    if (!this.editable) return;
    this.values[id] = this.readInput(input);
    this.dirty.set(id, ++this.generation);
    if (input.tagName === "TEXTAREA") this.autoGrow(input);
    this.scheduleSave();
  }

  onFieldKey(event, id, input) {
    if (event.key === "Tab" && !event.ctrlKey && !event.altKey && !event.metaKey) {
      if (this.expandTrigger(event, id, input)) return;
      const found = event.shiftKey ? this.prevToken(input) : this.nextToken(input);
      if (found) {
        event.preventDefault();
        this.selectToken(id, input, found);
        return;
      }
      const ids = this.fieldIds();
      const index = ids.indexOf(id);
      const target = ids[index + (event.shiftKey ? -1 : 1)];
      if (target) {
        event.preventDefault();
        this.setCurrent(target);
        this.focusField(target, { selectToken: !event.shiftKey });
      }
      return;
    }
    if (event.key === " " && this.expandTrigger(event, id, input)) return;
    if (event.key === "ArrowDown" && event.altKey) { event.preventDefault(); this.command("next_field"); }
    if (event.key === "ArrowUp" && event.altKey) { event.preventDefault(); this.command("previous_field"); }
  }

  nextToken(input) {
    const from = input.selectionEnd;
    return tokens(input.value).find((t) => t.start >= from
      && !(t.start === input.selectionStart && t.end === input.selectionEnd)) || null;
  }

  prevToken(input) {
    const before = tokens(input.value).filter((t) => t.end <= input.selectionStart);
    return before.length ? before[before.length - 1] : null;
  }

  selectToken(id, input, token) {
    input.focus();
    input.setSelectionRange(token.start, token.end);
    if (token.options) this.openPick(id, input, token);
    else this.closePick();
  }

  openPick(id, input, token) {
    const list = $("#picklist");
    this.pick = { field: id, token, index: 0 };
    list.replaceChildren(...token.options.map((label, i) => h("div", {
      role: "option", id: `pick-${i}`, class: i === 0 ? "active" : "",
      "aria-selected": i === 0 ? "true" : "false",
      onmousedown: (e) => { e.preventDefault(); this.choosePick(i); },
    }, h("kbd", {}, String(i + 1)), ` ${label}`)));
    const box = input.getBoundingClientRect();
    list.style.left = `${box.left + window.scrollX + 12}px`;
    list.style.top = `${box.bottom + window.scrollY + 2}px`;
    list.tabIndex = -1;
    list.hidden = false;
    list.setAttribute("aria-activedescendant", "pick-0");
    list.focus();
  }

  closePick(refocus = false) {
    const list = $("#picklist");
    const had = this.pick;
    this.pick = null;
    list.hidden = true;
    if (refocus && had) this.inputOf(had.field)?.focus();
  }

  onPickKey(event) {
    if (!this.pick) return;
    const n = this.pick.token.options.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      this.pick.index = (this.pick.index + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
      const items = $("#picklist").children;
      [...items].forEach((el, i) => {
        el.classList.toggle("active", i === this.pick.index);
        el.setAttribute("aria-selected", i === this.pick.index ? "true" : "false");
      });
      $("#picklist").setAttribute("aria-activedescendant", `pick-${this.pick.index}`);
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      this.choosePick(this.pick.index);
    } else if (/^[1-9]$/.test(event.key) && Number(event.key) <= n) {
      event.preventDefault();
      this.choosePick(Number(event.key) - 1);
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.closePick(true);
    }
  }

  /** Accept the highlighted pick-list option (Enter, a digit, or a speech-mike button). */
  acceptPick() { if (this.pick) this.choosePick(this.pick.index); }

  choosePick(index) {
    const { field, token } = this.pick;
    const input = this.inputOf(field);
    const choice = token.options[index];
    this.closePick();
    input.focus();
    input.setRangeText(choice, token.start, token.end, "end");
    this.onInput(field, input);
    const next = this.nextToken(input);
    if (next) this.selectToken(field, input, next);
  }

  /** `.normalchest` + space/Tab: expand the macro whose name or alias matches. */
  expandTrigger(event, id, input) {
    if (input.selectionStart !== input.selectionEnd) return false;
    const before = input.value.slice(0, input.selectionStart);
    const match = TRIGGER_RE.exec(before);
    if (!match) return false;
    const macro = this.findMacro(match[2]);
    if (!macro) return false;
    event.preventDefault();
    const start = input.selectionStart - match[2].length - 1;
    input.setRangeText("", start, input.selectionStart, "end");
    this.onInput(id, input);
    this.expandMacro(macro.name, id);
    return true;
  }

  findMacro(trigger) {
    const key = norm(trigger);
    return this.macros.find((m) => norm(m.name) === key
      || (m.aliases || []).some((a) => norm(a) === key)) || null;
  }

  // ---- saving -----------------------------------------------------------------

  scheduleSave() {
    if (!this.editable || this.conflict) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.save(), AUTOSAVE_MS);
    $("#save-state").textContent = "Unsaved changes";
  }

  /** Save now (awaits any save in flight first); resolves when the server has it. */
  async flush() {
    clearTimeout(this.saveTimer);
    if (this.saving) await this.saving;
    if (this.conflict) throw new Error("resolve the edit conflict first");
    if (this.dirty.size > 0 || (this.report && this.current !== this.report.current_field)) {
      await this.save();
    }
  }

  save() {
    if (this.saving) return this.saving.then(() => this.save());
    if (!this.report || !this.editable || this.conflict) return Promise.resolve();
    const reportId = this.report.id;
    const sent = new Map(this.dirty);
    const fields = {};
    for (const id of sent.keys()) fields[id] = this.values[id] ?? "";
    const body = { version: this.report.version, fields, current_field: this.current };
    $("#save-state").textContent = "Saving…";
    this.saving = api.patch(`/api/reports/${reportId}`, body).then((report) => {
      if (!this.report || this.report.id !== reportId) return;
      for (const [id, gen] of sent) if (this.dirty.get(id) === gen) this.dirty.delete(id);
      this.adopt(report);
      $("#save-state").textContent = `Saved · version ${report.version}`;
    }).catch((error) => {
      if (error instanceof ApiError && error.code === "stale_version") {
        this.showConflict(error);
      } else {
        $("#save-state").textContent = `Not saved: ${error.message}`;
        if (!(error instanceof ApiError)) this.scheduleSave();
      }
    }).finally(() => { this.saving = null; });
    return this.saving;
  }

  /** Take the server's report, keeping local edits that are not saved yet. */
  adopt(report) {
    this.report = report;
    for (const [id, text] of Object.entries(report.fields)) {
      if (this.dirty.has(id)) continue;
      this.values[id] = text;
      this.writeInput(id, text);
    }
    this.renderState();
  }

  showConflict(error) {
    this.conflict = true;
    const fields = [...this.dirty.keys()].join(", ") || "none";
    $("#conflict-text").textContent = `Someone else saved this report (now version `
      + `${error.problem.current_version ?? "?"}) while you were editing. Your unsaved edits `
      + `(${fields}) are still on screen and were not saved.`;
    show("#conflict", true);
    $("#save-state").textContent = "Conflict: not saved";
  }

  async resolveConflict(keepMine) {
    const latest = await api.get(`/api/reports/${this.report.id}`);
    this.conflict = false;
    show("#conflict", false);
    if (keepMine) {
      this.report = latest;
      await this.save();
      toast("Your edits were saved over the other version.");
    } else {
      this.dirty.clear();
      this.adopt(latest);
      $("#save-state").textContent = `Loaded version ${latest.version}`;
    }
  }

  // ---- macros -----------------------------------------------------------------

  async loadMacros() {
    const reportId = this.report.id;
    try {
      const macros = await api.get(`/api/macros?report_id=${encodeURIComponent(reportId)}`);
      if (this.report?.id === reportId) this.macros = macros;
    } catch (error) {
      this.macros = [];
      this.macroError = error.message;
    }
  }

  openMacros() {
    if (!this.editable) return;
    const dialog = $("#macro-dialog");
    this.macroIndex = 0;
    $("#macro-filter").value = "";
    $("#macro-error").textContent = this.macros.length ? "" : (this.macroError
      ? `Macros unavailable: ${this.macroError}` : "No macros for this study.");
    this.returnField = this.current;
    this.renderMacroList();
    if (!dialog.open) dialog.showModal();
    $("#macro-filter").focus();
  }

  filteredMacros() {
    const q = norm($("#macro-filter").value);
    return this.macros.filter((m) => !q || norm(m.name).includes(q)
      || (m.aliases || []).some((a) => norm(a).includes(q)));
  }

  renderMacroList() {
    const list = this.filteredMacros();
    this.macroIndex = Math.min(this.macroIndex || 0, Math.max(0, list.length - 1));
    $("#macro-list").replaceChildren(...list.map((m, i) => h("li", {
      role: "option", id: `macro-${i}`, class: i === this.macroIndex ? "active" : "",
      "aria-selected": i === this.macroIndex ? "true" : "false",
      onclick: () => this.chooseMacro(m),
    }, h("strong", {}, m.name),
    m.field ? h("span", { class: "muted" }, ` → ${m.field}`) : null,
    h("div", { class: "muted small clip" }, m.text || ""))));
    $("#macro-filter").setAttribute("aria-activedescendant", list.length ? `macro-${this.macroIndex}` : "");
  }

  onMacroKey(event) {
    const list = this.filteredMacros();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const n = Math.max(1, list.length);
      this.macroIndex = (this.macroIndex + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
      this.renderMacroList();
      $(`#macro-${this.macroIndex}`)?.scrollIntoView({ block: "nearest" });
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (list[this.macroIndex]) this.chooseMacro(list[this.macroIndex]);
    }
  }

  async chooseMacro(macro) {
    $("#macro-dialog").close();
    await this.expandMacro(macro.name, macro.field ? null : this.returnField || this.current);
  }

  async expandMacro(name, field) {
    try {
      await this.flush();
      const body = field ? { name, field } : { name };
      const report = await api.post(`/api/reports/${this.report.id}/macros`, body);
      this.adopt(report);
      const target = report.current_field || field || this.current;
      this.current = null;
      this.setCurrent(target);
      this.focusField(target, { selectToken: true });
      toast(`Inserted “${name}”`);
    } catch (error) {
      toast(`Macro “${name}” failed: ${error.message}`, "error");
    }
  }

  // ---- dictation events -------------------------------------------------------

  bindDictation() {
    const d = this.dictation;
    d.addEventListener("partial", (e) => {
      const { field, text } = e.detail;
      const el = $(`#partial-${CSS.escape(field)}`);
      if (el) { el.textContent = text; el.classList.toggle("on", !!text); }
    });
    d.addEventListener("final", (e) => {
      const { field, text } = e.detail;
      this.clearPartial(field);
      if (this.dirty.has(field) && text) {
        // Typed edits not yet saved: keep them and add the dictated text after them.
        const joined = [this.values[field] || "", text].filter(Boolean).join(" ");
        this.values[field] = joined;
        this.writeInput(field, joined);
        this.dirty.set(field, ++this.generation);
        this.scheduleSave();
      }
    });
    d.addEventListener("report", (e) => {
      const message = e.detail;
      if (!this.report || message.report_id !== this.report.id) return;
      this.report = { ...this.report, version: message.version, fields: message.fields,
        current_field: message.current_field };
      this.adopt(this.report);
      if (message.current_field && message.current_field !== this.current) {
        this.current = message.current_field;
        this.highlight();
      }
      $("#save-state").textContent = `Saved · version ${message.version}`;
    });
    d.addEventListener("command", (e) => {
      const { field } = e.detail;
      if (!field || !this.report) return;
      for (const id of this.fieldIds()) this.clearPartial(id);
      this.current = field;
      this.highlight();
      this.focusField(field, { selectToken: true });
    });
    d.addEventListener("reconnected", async () => {
      if (!this.report) return;
      try {
        const latest = await api.get(`/api/reports/${this.report.id}`);
        this.adopt(latest);
      } catch { /* the next report message brings the state */ }
    });
  }

  clearPartial(field) {
    const el = $(`#partial-${CSS.escape(field)}`);
    if (el) { el.textContent = ""; el.classList.remove("on"); }
  }

  // ---- signing and deliveries ---------------------------------------------------

  clearIssues() {
    show("#sign-issues", false);
    show("#override-box", false);
    $("#override-reason").value = "";
    for (const ul of this.form.querySelectorAll(".field-issues")) ul.replaceChildren();
    for (const f of this.form.querySelectorAll(".field")) f.classList.remove("has-error", "has-warning");
  }

  showIssues(issues) {
    this.clearIssues();
    const summary = [];
    for (const issue of issues) {
      const text = `${issue.severity === "error" ? "Error" : "Warning"}: ${issue.message}`;
      const ul = issue.field ? $(`#issues-${CSS.escape(issue.field)}`) : null;
      if (ul) {
        ul.append(h("li", { class: issue.severity }, text));
        ul.closest(".field").classList.add(issue.severity === "error" ? "has-error" : "has-warning");
      }
      summary.push(h("li", { class: issue.severity },
        issue.field ? h("a", {
          href: `#field-${issue.field}`,
          onclick: (e) => { e.preventDefault(); this.setCurrent(issue.field); this.focusField(issue.field); },
        }, issue.field) : "report", `: ${text}`));
    }
    $("#sign-issue-list").replaceChildren(...summary);
    const sign = $("#sign-issues");
    sign.classList.toggle("error", issues.some((i) => i.severity === "error"));
    sign.classList.toggle("warn", !issues.some((i) => i.severity === "error"));
    show(sign, true);
    const onlyWarnings = issues.length > 0 && issues.every((i) => i.severity === "warning");
    show("#override-box", onlyWarnings);
    if (onlyWarnings) $("#override-reason").focus();
  }

  async sign(overrideReason = "") {
    if (!this.report || !this.editable) return;
    if (this.dictation.recording) await this.dictation.stop();
    try {
      await this.flush();
      const body = overrideReason ? { override_reason: overrideReason } : undefined;
      const report = await api.post(`/api/reports/${this.report.id}/sign`, body);
      this.clearIssues();
      this.dirty.clear();
      this.adopt(report);
      toast(`Signed: report is ${report.status}`);
      $("#save-state").textContent = `Signed · version ${report.version}`;
      this.onSigned?.(report);
      this.watchDeliveries();
    } catch (error) {
      if (error instanceof ApiError && error.code === "sign_blocked") {
        this.showIssues(error.problem.issues || []);
      } else {
        toast(`Not signed: ${error.message}`, "error");
      }
    }
  }

  watchDeliveries(deadline = Date.now() + 120000) {
    clearTimeout(this.deliveryTimer);
    const reportId = this.report.id;
    show("#deliveries", true);
    const poll = async () => {
      if (!this.report || this.report.id !== reportId) return;
      let rows;
      try {
        rows = await api.get(`/api/reports/${reportId}/deliveries`);
      } catch (error) {
        $("#deliveries-note").textContent = error.status === 404
          ? "Delivery status is not available on this server."
          : `Delivery status unavailable: ${error.message}`;
        if (Date.now() < deadline) this.deliveryTimer = setTimeout(poll, 3000);
        return;
      }
      $("#deliveries-body").replaceChildren(...rows.map((d) => h("tr", {},
        h("td", {}, d.destination), h("td", {}, d.kind),
        h("td", {}, h("span", { class: `dstatus ${d.status}` }, d.status)),
        h("td", {}, d.attempts ?? ""), h("td", {}, d.last_code ?? d.last_error ?? ""))));
      $("#deliveries-note").textContent = rows.length
        ? `Updated ${new Date().toLocaleTimeString()}` : "No destinations configured for this facility.";
      const pending = rows.some((d) => !DELIVERY_DONE.has(d.status));
      if (pending && Date.now() < deadline) this.deliveryTimer = setTimeout(poll, 2000);
    };
    poll();
  }

  // ---- priors ---------------------------------------------------------------------

  async loadPriors() {
    const list = $("#priors-list");
    list.replaceChildren(h("li", { class: "muted" }, "Loading…"));
    try {
      const priors = await api.get(`/api/studies/${this.study.id}/priors`);
      list.replaceChildren(...(priors.length ? priors.map((p) => h("li", {},
        h("div", { class: "prior-head" }, h("strong", {}, p.date), ` ${p.procedure_description}`),
        h("div", { class: "muted small mono" }, `${p.accession} · ${p.modality} · ${p.status}`),
        h("p", { class: "impression" }, p.impression || "No final impression.")))
        : [h("li", { class: "muted" }, "No priors of this body region.")]));
    } catch (error) {
      list.replaceChildren(h("li", { class: "error" }, `Priors unavailable: ${error.message}`));
    }
  }
}
