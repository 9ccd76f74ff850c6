// Small DOM and formatting helpers shared by the views.

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Create an element: h("td", {class: "x", dataset: {id}}, "text", child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** "Family^Given^Middle" -> "FAMILY, Given Middle". */
export function personName(hl7) {
  if (!hl7) return "";
  const [family = "", given = "", middle = ""] = String(hl7).split("^");
  return [family.toUpperCase(), [given, middle].filter(Boolean).join(" ")].filter(Boolean).join(", ");
}

export function age(birthDate, at = new Date()) {
  if (!birthDate) return "";
  const born = new Date(`${birthDate}T00:00:00`);
  let years = at.getFullYear() - born.getFullYear();
  const m = at.getMonth() - born.getMonth();
  if (m < 0 || (m === 0 && at.getDate() < born.getDate())) years -= 1;
  return `${years}y`;
}

export function waited(iso, now = Date.now()) {
  if (!iso) return "";
  const stamp = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`;
  const minutes = Math.max(0, Math.round((now - Date.parse(stamp)) / 60000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d`;
}

let toastTimer = null;
export function toast(message, level = "info") {
  const el = $("#toast");
  el.textContent = message;
  el.dataset.level = level;
  el.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), 4000);
}

export function show(id, visible = true) {
  const el = typeof id === "string" ? $(id) : id;
  el.hidden = !visible;
}
