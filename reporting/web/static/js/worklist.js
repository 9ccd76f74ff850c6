// Worklist view: priority-coloured, filtered, polled; claim and open studies.

import { api, query, ApiError } from "./api.js";
import { $, h, personName, age, waited, toast } from "./dom.js";

const PRIORITY_CLASS = { STAT: "stat", ASAP: "asap", ROUTINE: "routine" };
const STATUS_LABEL = {
  scheduled: "Unread", in_progress: "In progress", preliminary: "Preliminary",
  final: "Final", amended: "Amended",
};

export class Worklist {
  constructor({ me, openReport, pollSeconds = 5 }) {
    this.me = me; // function returning {id, username}
    this.openReport = openReport;
    this.pollSeconds = pollSeconds;
    this.studies = [];
    this.seen = null; // ids seen on earlier polls (null before the first)
    this.fresh = new Set();
    this.selectedId = null;
    this.timer = null;
    this.facilities = new Set();
    this.modalities = new Set();
    this.body = $("#worklist tbody");
    for (const id of ["#filter-facility", "#filter-modality", "#filter-status"]) {
      $(id).addEventListener("change", () => this.refresh());
    }
    this.body.addEventListener("keydown", (event) => this.onKey(event));
  }

  start() {
    this.stop();
    this.refresh();
    this.timer = setInterval(() => this.refresh(), this.pollSeconds * 1000);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  filters() {
    return {
      facility: $("#filter-facility").value,
      modality: $("#filter-modality").value,
      status: $("#filter-status").value,
    };
  }

  async refresh() {
    let studies;
    try {
      studies = await api.get(`/api/worklist${query(this.filters())}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) {
        $("#worklist-error").textContent = `Worklist unavailable: ${error.message}`;
      }
      return;
    }
    $("#worklist-error").textContent = "";
    if (this.seen !== null) {
      for (const s of studies) if (!this.seen.has(s.id)) this.fresh.add(s.id);
    }
    this.seen = new Set([...(this.seen || []), ...studies.map((s) => s.id)]);
    this.studies = studies;
    this.updateFilterOptions(studies);
    this.render();
    const stat = studies.filter((s) => s.priority === "STAT").length;
    $("#worklist-updated").textContent =
      `${studies.length} studies, ${stat} STAT · updated ${new Date().toLocaleTimeString()}`;
  }

  updateFilterOptions(studies) {
    const add = (select, set, values) => {
      let changed = false;
      for (const v of values) if (v && !set.has(v)) { set.add(v); changed = true; }
      if (!changed) return;
      const current = select.value;
      const first = select.options[0];
      select.replaceChildren(first, ...[...set].sort().map((v) => h("option", { value: v }, v)));
      select.value = current;
    };
    add($("#filter-facility"), this.facilities, studies.map((s) => s.facility));
    add($("#filter-modality"), this.modalities, studies.map((s) => s.modality));
  }

  render() {
    const me = this.me();
    const focusedId = document.activeElement?.closest?.("tr")?.dataset.id;
    const rows = this.studies.map((s) => {
      const mine = s.claimed_by && me && s.claimed_by === me.id;
      const reader = s.claimed_by ? (mine ? "You" : "Claimed") : "";
      const cls = [PRIORITY_CLASS[s.priority] || "routine", this.fresh.has(s.id) ? "fresh" : "",
        s.id === this.selectedId ? "selected" : "", mine ? "mine" : ""].join(" ");
      const patient = personName(s.patient.name);
      const openLabel = s.report_id ? "Open" : "Report";
      return h("tr", {
        class: cls, tabindex: "0", dataset: { id: s.id },
        "aria-label": `${s.priority} ${s.procedure_description} for ${patient}`,
        onfocus: () => { this.selectedId = s.id; this.markSelected(); },
        ondblclick: () => this.open(s),
      },
      h("td", {}, h("span", { class: `prio ${PRIORITY_CLASS[s.priority] || ""}` }, s.priority)),
      h("td", { title: s.facility_name }, s.facility),
      h("td", {}, s.modality),
      h("td", { class: "proc" }, s.procedure_description),
      h("td", { class: "pt" }, patient),
      h("td", { class: "mono" }, s.patient.mrn),
      h("td", {}, `${age(s.patient.birth_date)} ${s.patient.sex || ""}`),
      h("td", { class: "mono" }, s.accession),
      h("td", {}, waited(s.created_at)),
      h("td", {}, STATUS_LABEL[s.status] || s.status,
        s.report_status && s.report_status !== "draft" ? ` (${s.report_status})` : ""),
      h("td", {}, reader),
      h("td", { class: "row-actions" },
        s.claimed_by ? null : h("button", {
          type: "button", class: "small", "aria-label": `Claim ${s.accession}`,
          onclick: (e) => { e.stopPropagation(); this.claim(s); },
        }, "Claim"),
        h("button", {
          type: "button", class: "small primary", "aria-label": `${openLabel} ${s.accession}`,
          onclick: (e) => { e.stopPropagation(); this.open(s); },
        }, openLabel)));
    });
    this.body.replaceChildren(...rows);
    if (rows.length === 0) {
      this.body.append(h("tr", {}, h("td", { colspan: "12", class: "muted empty" },
        "No open studies match these filters.")));
    }
    if (focusedId) this.body.querySelector(`tr[data-id="${focusedId}"]`)?.focus();
  }

  markSelected() {
    for (const tr of this.body.querySelectorAll("tr")) {
      tr.classList.toggle("selected", tr.dataset.id === this.selectedId);
    }
  }

  focusFirst() {
    const row = (this.selectedId && this.body.querySelector(`tr[data-id="${this.selectedId}"]`))
      || this.body.querySelector("tr[data-id]");
    row?.focus();
  }

  onKey(event) {
    const tr = event.target.closest("tr[data-id]");
    if (!tr || event.target.tagName === "BUTTON") return;
    const study = this.studies.find((s) => s.id === tr.dataset.id);
    if (event.key === "ArrowDown") { tr.nextElementSibling?.focus(); event.preventDefault(); }
    else if (event.key === "ArrowUp") { tr.previousElementSibling?.focus(); event.preventDefault(); }
    else if (event.key === "Enter") { this.open(study); event.preventDefault(); }
    else if (event.key.toLowerCase() === "c" && !event.ctrlKey && !event.metaKey) this.claim(study);
    else if (event.key.toLowerCase() === "r" && !event.ctrlKey && !event.metaKey) this.release(study);
  }

  async claim(study) {
    try {
      await api.post(`/api/studies/${study.id}/claim`);
      toast(`Claimed ${study.accession}`);
    } catch (error) {
      toast(`Cannot claim ${study.accession}: ${error.message}`, "error");
    }
    await this.refresh();
  }

  async release(study) {
    try {
      await api.del(`/api/studies/${study.id}/claim`);
      toast(`Released ${study.accession}`);
    } catch (error) {
      toast(`Cannot release ${study.accession}: ${error.message}`, "error");
    }
    await this.refresh();
  }

  /** Claim if needed, then open the study's report (creating the draft when there is none). */
  async open(study) {
    try {
      const current = await api.get(`/api/studies/${study.id}`);
      let reportId = current.report_id;
      if (!reportId) {
        const report = await api.post("/api/reports", { study_id: study.id });
        reportId = report.id;
      } else if (!current.claimed_by) {
        await api.post(`/api/studies/${study.id}/claim`);
      }
      this.openReport(reportId);
    } catch (error) {
      toast(`Cannot open ${study.accession}: ${error.message}`, "error");
      await this.refresh();
    }
  }
}
