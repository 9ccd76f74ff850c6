// Reading station: login, idle lock, routing, keyboard shortcuts, dictation and speech mikes.

import { api, login, session, setUnauthorizedHandler, ApiError } from "./api.js";
import { $, h, toast, show } from "./dom.js";
import { Dictation } from "./dictation.js";
import { Editor } from "./editor.js";
import { Worklist } from "./worklist.js";
import { SpeechMikes, ACTIONS, DEFAULT_BUTTON_ACTIONS, PROFILES } from "./hid.js";

const PREFS_KEY = "reporting.prefs";
const STATE_LABEL = {
  idle: "Idle", connecting: "Connecting…", listening: "Listening", processing: "Processing…",
  offline: "Offline", error: "Error",
};

const app = {
  config: { idle_lock_minutes: 15, push_to_talk_key: "F4", worklist_poll_seconds: 5 },
  me: null,
  locked: false,
  lastActivity: Date.now(),
  pttDownAt: 0,
  prefs: { pushToTalkKey: "", holdToTalk: false, buttons: {} },
};

function loadPrefs() {
  try { Object.assign(app.prefs, JSON.parse(localStorage.getItem(PREFS_KEY) || "{}")); } catch { /* defaults */ }
}
function savePrefs() { localStorage.setItem(PREFS_KEY, JSON.stringify(app.prefs)); }
const pttKey = () => app.prefs.pushToTalkKey || app.config.push_to_talk_key || "F4";
const buttonAction = (button) => app.prefs.buttons[button] || DEFAULT_BUTTON_ACTIONS[button] || "none";

const dictation = new Dictation({ token: () => session.token });
const editor = new Editor({ dictation, onSigned: () => {} });
const worklist = new Worklist({
  me: () => app.me,
  openReport: (id) => { location.hash = `#/report/${id}`; },
});
const mikes = new SpeechMikes();

// ---- views and routing ---------------------------------------------------------

function showView(name) {
  for (const view of ["login", "worklist", "editor"]) show(`#view-${view}`, view === name);
  show("#topbar", name !== "login");
  document.body.dataset.view = name;
}

async function route() {
  if (!session.token) {
    worklist.stop();
    dictation.close();
    showView("login");
    $("#login-username").focus();
    return;
  }
  const match = /^#\/report\/([^/]+)$/.exec(location.hash);
  if (match) {
    worklist.stop();
    showView("editor");
    try {
      await editor.open(decodeURIComponent(match[1]), app.me?.role);
      document.title = `${$("#hdr-patient").textContent} · Reading station`;
    } catch (error) {
      toast(`Cannot open the report: ${error.message}`, "error");
      location.hash = "#/worklist";
    }
    return;
  }
  if (dictation.recording) await dictation.stop();
  dictation.close();
  editor.close();
  showView("worklist");
  document.title = "Worklist · Reading station";
  worklist.start();
  setTimeout(() => worklist.focusFirst(), 300);
  if (location.hash !== "#/worklist") history.replaceState(null, "", "#/worklist");
}

// ---- login, logout, idle lock ------------------------------------------------------

async function doLogin(username, password) {
  const token = await login(username, password);
  session.save(token.access_token, { username: token.username || username, role: token.role });
  app.me = await api.get("/api/me");
  session.save(token.access_token, app.me);
  $("#whoami").textContent = `${app.me.name} (${app.me.role})`;
  app.lastActivity = Date.now();
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("#login-error").textContent = "";
  try {
    await doLogin($("#login-username").value.trim(), $("#login-password").value);
    $("#login-password").value = "";
    location.hash = "#/worklist";
    route();
  } catch (error) {
    $("#login-error").textContent = error instanceof ApiError && error.status === 401
      ? `Login failed: ${error.message}` : `Login failed: ${error.message}`;
  }
});

function logout() {
  editor.close();
  dictation.close();
  worklist.stop();
  session.clear();
  app.me = null;
  unlockView();
  location.hash = "";
  route();
}
$("#logout").addEventListener("click", logout);
$("#lock-switch").addEventListener("click", logout);
$("#lock-now").addEventListener("click", () => lock());

setUnauthorizedHandler(() => {
  if (!app.locked && session.token) {
    toast("Your session ended; please log in again.", "warn");
    logout();
  }
});

function lock() {
  if (app.locked || !session.token) return;
  app.locked = true;
  if (dictation.recording) dictation.stop();
  worklist.stop();
  $("#lock-user").textContent = app.me ? `Signed in as ${app.me.username}.` : "";
  document.body.classList.add("locked");
  show("#lock", true);
  $("#lock-password").value = "";
  $("#lock-password").focus();
}

function unlockView() {
  app.locked = false;
  document.body.classList.remove("locked");
  show("#lock", false);
}

$("#lock-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("#lock-error").textContent = "";
  try {
    await doLogin(app.me.username, $("#lock-password").value);
    $("#lock-password").value = "";
    unlockView();
    if (document.body.dataset.view === "worklist") worklist.start();
  } catch (error) {
    $("#lock-error").textContent = `Unlock failed: ${error.message}`;
  }
});

for (const type of ["keydown", "mousedown", "mousemove", "wheel", "touchstart"]) {
  window.addEventListener(type, () => { if (!app.locked) app.lastActivity = Date.now(); },
    { capture: true, passive: true });
}
setInterval(() => {
  if (dictation.recording) app.lastActivity = Date.now(); // dictating counts as activity
  const limit = app.config.idle_lock_minutes * 60000;
  if (limit > 0 && session.token && Date.now() - app.lastActivity >= limit) lock();
}, 1000);

// ---- dictation controls ---------------------------------------------------------

async function startRecording() {
  if (!editor.report || !editor.editable || dictation.recording) return;
  $("#dictation-error").textContent = "";
  try {
    await editor.flush();
  } catch (error) {
    $("#dictation-error").textContent = error.message;
    return;
  }
  await dictation.start(editor.report.id, editor.current);
}

function toggleRecording() {
  if (dictation.recording) dictation.stop();
  else startRecording();
}

$("#record").addEventListener("click", toggleRecording);

dictation.addEventListener("state", (event) => {
  const { state, detail } = event.detail;
  const el = $("#dictation-state");
  el.dataset.state = state;
  el.textContent = STATE_LABEL[state] || state;
  el.title = detail || "";
  const rec = $("#record");
  rec.setAttribute("aria-pressed", dictation.recording ? "true" : "false");
  rec.classList.toggle("on", dictation.recording);
  $("#record-label").textContent = dictation.recording ? "Stop" : "Record";
  document.body.dataset.dictation = state;
  if (state === "error" || state === "offline") $("#dictation-error").textContent = detail;
  else if (state === "listening") $("#dictation-error").textContent = "";
});
dictation.addEventListener("error", (event) => {
  $("#dictation-error").textContent = `${event.detail.code}: ${event.detail.message}`;
});
dictation.addEventListener("level", (event) => {
  const pct = Math.min(100, Math.round(Math.sqrt(event.detail.rms) * 160));
  $("#level-fill").style.width = `${pct}%`;
  $("#level-meter").setAttribute("aria-valuenow", String(pct));
});

// ---- keyboard --------------------------------------------------------------------

function dialogOpen() { return !!document.querySelector("dialog[open]"); }

window.addEventListener("keydown", (event) => {
  if (app.locked || !session.token) return;
  if (event.key === pttKey() && !event.repeat && !dialogOpen()) {
    event.preventDefault();
    if (dictation.recording) { dictation.stop(); app.pttDownAt = 0; }
    else { app.pttDownAt = Date.now(); startRecording(); }
    return;
  }
  if (event.altKey && event.key.toLowerCase() === "w") {
    event.preventDefault();
    location.hash = "#/worklist";
    return;
  }
  if (document.body.dataset.view !== "editor" || dialogOpen()) return;
  if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "m") {
    event.preventDefault();
    editor.openMacros();
  } else if ((event.ctrlKey || event.metaKey) && event.shiftKey && event.key.toLowerCase() === "s") {
    event.preventDefault();
    editor.sign();
  } else if (event.altKey && event.key === "ArrowDown" && !event.target.closest("textarea")) {
    event.preventDefault();
    editor.command("next_field");
  } else if (event.altKey && event.key === "ArrowUp" && !event.target.closest("textarea")) {
    event.preventDefault();
    editor.command("previous_field");
  }
}, true);

window.addEventListener("keyup", (event) => {
  if (event.key !== pttKey() || !app.pttDownAt) return;
  // A held key is push-to-talk (release stops); a quick tap leaves recording on (toggle).
  const held = Date.now() - app.pttDownAt;
  app.pttDownAt = 0;
  if (held > 400 && dictation.recording) dictation.stop();
}, true);

// ---- speech mikes -----------------------------------------------------------------

function runAction(action, pressed) {
  if (app.locked || document.body.dataset.view !== "editor") return;
  if (action === "record") {
    if (app.prefs.holdToTalk) {
      if (pressed) startRecording();
      else dictation.stop();
    } else if (pressed) {
      toggleRecording();
    }
    return;
  }
  if (!pressed) return;
  switch (action) {
    case "stop": dictation.stop(); break;
    case "next_field": case "previous_field": case "scratch_that": editor.command(action); break;
    case "macro_picker": editor.openMacros(); break;
    case "sign": editor.sign(); break;
    case "accept": editor.acceptPick(); break;
    default: break;
  }
}

mikes.addEventListener("button", (event) => {
  const { button, pressed } = event.detail;
  app.lastActivity = Date.now();
  runAction(buttonAction(button), pressed);
});
mikes.addEventListener("status", (event) => {
  $("#hid-status").textContent = event.detail.message;
  $("#hid-status").dataset.level = event.detail.level;
});
mikes.addEventListener("raw", (event) => {
  const log = $("#hid-log");
  log.textContent = `${event.detail}\n${log.textContent}`.slice(0, 4000);
});
$("#hid-connect").addEventListener("click", () => mikes.request());

// ---- settings ------------------------------------------------------------------------

function openSettings() {
  $("#set-ptt").value = pttKey();
  $("#set-hold").checked = !!app.prefs.holdToTalk;
  const buttons = [...new Set(PROFILES.flatMap((p) => Object.keys(p.buttons)))];
  $("#set-buttons").replaceChildren(...buttons.map((button) => h("label", {},
    h("span", {}, button.replace(/_/g, " ")),
    h("select", { dataset: { button } }, ...Object.entries(ACTIONS).map(([value, label]) => {
      const option = h("option", { value }, label);
      option.selected = value === buttonAction(button);
      return option;
    })))));
  $("#settings-dialog").showModal();
}
$("#open-settings").addEventListener("click", openSettings);
$("#set-ptt").addEventListener("keydown", (event) => {
  if (event.key === "Tab" || event.key === "Escape") return;
  event.preventDefault();
  event.stopPropagation();
  $("#set-ptt").value = event.key;
});
$("#settings-dialog").addEventListener("close", () => {
  if ($("#settings-dialog").returnValue !== "save") return;
  app.prefs.pushToTalkKey = $("#set-ptt").value.trim() || app.config.push_to_talk_key;
  app.prefs.holdToTalk = $("#set-hold").checked;
  for (const select of $("#set-buttons").querySelectorAll("select")) {
    app.prefs.buttons[select.dataset.button] = select.value;
  }
  savePrefs();
  $("#ptt-key-hint").textContent = pttKey();
  toast("Settings saved for this workstation.");
});

// ---- start-up ----------------------------------------------------------------------

async function boot() {
  loadPrefs();
  try {
    app.config = { ...app.config, ...(await api.get("/api/config")) };
  } catch { /* defaults */ }
  $("#ptt-key-hint").textContent = pttKey();
  if (session.token) {
    try {
      app.me = await api.get("/api/me");
      $("#whoami").textContent = `${app.me.name} (${app.me.role})`;
    } catch {
      session.clear();
    }
  }
  window.addEventListener("hashchange", route);
  await mikes.init();
  await route();
  document.body.dataset.ready = "true";
}

boot();

// Exposed for diagnostics in the browser console and for the end-to-end tests.
window.readingStation = { app, editor, dictation, worklist, mikes };
