// dom.js - small helpers every page uses: building elements (text only,
// never HTML strings, so nothing the API returns can run as markup), form
// fields with their error line, times in the user's zone, the toast.
// Owns: those helpers. Does not own: any page or any request.

// h("button", {class: "x", onclick: f}, "text", child...): an element.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name === "value") element.value = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

let fieldCount = 0;

// A labelled input with an error line under it. KIND: "input", "select" or
// "textarea"; NAME: the API field it edits (errors naming it land here).
export function field(label, name, attributes = {}, kind = "input", options = []) {
  const id = `f${++fieldCount}`;
  const errorId = `${id}-error`;
  const control = h(kind, { id, name, "aria-describedby": errorId, ...attributes },
    ...options.map(([value, text]) => h("option", { value }, text)));
  const error = h("div", { class: "error", id: errorId });
  return h("div", { class: "field", "data-field": name }, h("label", { for: id }, label),
    control, attributes.hint ? h("div", { class: "hint" }, attributes.hint) : null, error);
}

// Shows API error ERROR next to the field it names inside FORM, or in the
// form's general error line; focuses the field at fault.
export function showError(form, error) {
  for (const box of form.querySelectorAll(".error")) box.textContent = "";
  for (const control of form.querySelectorAll("[aria-invalid]"))
    control.removeAttribute("aria-invalid");
  const name = error.field ? String(error.field).split(/[.[]/)[0] : null;
  const holder = name && form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  const box = holder ? holder.querySelector(".error") : form.querySelector(".form-error");
  if (box) box.textContent = error.message;
  if (holder) {
    const control = holder.querySelector("input, select, textarea");
    control.setAttribute("aria-invalid", "true");
    control.focus();
  }
}

// The user's time zone (the browser's).
export const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const dateTime = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium", timeStyle: "short",
});
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

export function formatDateTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : "";
}
export function formatTime(iso) {
  return timeOnly.format(new Date(iso));
}

// "YYYY-MM-DDTHH:MM" of DATE in the user's zone (for datetime-local inputs).
export function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function toast(text) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.classList.add("shown");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.remove("shown"), 4000);
}

// Replaces the contents of <main> with NODES and moves focus there.
export function show(title, ...nodes) {
  const main = document.getElementById("main");
  main.replaceChildren(h("h1", {}, title), ...nodes);
  document.title = `${title} · Convene`;
}

export function loading() {
  return h("p", { class: "loading", role: "status" }, "Loading…");
}
