// booking_form.js - the booking form: title, start and end in the user's
// zone, recurrence (common patterns with a preview of the dates, or free
// RRULE text), participants (remembered from earlier bookings), passcode;
// after saving, the dial-in details ready to copy and the .ics link.
// Owns: the form and the "booked" card. Does not own: the API's checks
// (the 400 names the field, shown next to it; a 409 lists the clashes).
import { api, query } from "./api.js";
import { h, field, showError, show, localInputValue, formatDateTime, zone } from "./dom.js";
import { currentUser } from "./app.js";

const REMEMBERED = "convene.participants";

// [value, label, RRULE builder from the start date]
const PATTERNS = [
  ["", "Does not repeat", () => null],
  ["daily", "Every day", () => "FREQ=DAILY"],
  ["weekdays", "Every weekday (Mon–Fri)", () => "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"],
  ["weekly", "Every week on this day",
    (d) => `FREQ=WEEKLY;BYDAY=${["SU", "MO", "TU", "WE", "TH", "FR", "SA"][d.getDay()]}`],
  ["monthly", "Every month on this date", (d) => `FREQ=MONTHLY;BYMONTHDAY=${d.getDate()}`],
  ["custom", "Custom (RRULE)", () => null],
];

// The first COUNT dates of a common pattern from START (the preview; the
// server computes the real occurrences with the same rule).
function previewDates(pattern, start, count) {
  const dates = [];
  const cursor = new Date(start);
  while (dates.length < count && dates.length < 400) {
    const day = cursor.getDay();
    if (pattern !== "weekdays" || (day >= 1 && day <= 5)) dates.push(new Date(cursor));
    if (pattern === "weekly") cursor.setDate(cursor.getDate() + 7);
    else if (pattern === "monthly") cursor.setMonth(cursor.getMonth() + 1);
    else cursor.setDate(cursor.getDate() + 1);
  }
  return dates;
}

function remembered() {
  try {
    return JSON.parse(localStorage.getItem(REMEMBERED) || "[]");
  } catch {
    return [];
  }
}

function remember(uris) {
  const all = [...new Set([...uris, ...remembered()])].slice(0, 200);
  localStorage.setItem(REMEMBERED, JSON.stringify(all));
}

function localSeconds(value) {
  return value.length === 16 ? `${value}:00` : value;
}

// The POST body from the form, in the user's zone.
function bookingBody(form) {
  const e = form.elements;
  const body = { title: e.title.value.trim(), timeZone: zone,
    start: localSeconds(e.start.value), end: localSeconds(e.end.value) };
  const uris = e.participants.value.split(/[\s,;]+/).filter(Boolean);
  if (uris.length) body.participants = uris.map((uri) => ({ uri, dial: "out" }));
  if (e.passcode.value) body.passcode = e.passcode.value;
  if (e.bridge && e.bridge.value) body.bridge = e.bridge.value;
  const pattern = PATTERNS.find(([value]) => value === e.repeat.value);
  let rrule = pattern[0] === "custom" ? e.rrule.value.trim()
    : pattern[2](new Date(e.start.value));
  if (rrule && pattern[0] !== "custom" && e.count.value) rrule += `;COUNT=${e.count.value}`;
  if (rrule) body.recurrence = { rrule };
  return body;
}

function conflictList(error) {
  const items = (error.details && error.details.conflicts) || [];
  return h("div", { class: "card", role: "alert" },
    h("h2", {}, "Not booked: it clashes"), h("p", {}, error.message),
    h("ul", {}, ...items.map((item) => h("li", {},
      item.occurrence ? `${formatDateTime(item.occurrence)}: ${item.reason}`
        : `${item.title || item.participant} ${formatDateTime(item.start)}–` +
          `${formatDateTime(item.end)}${item.slot ? ` (slot ${item.slot})` : ""}`))));
}

export function bookedCard(booking) {
  const dial = booking.dialIn || {};
  const text = [`${booking.title}`, `${formatDateTime(booking.start)} – ${formatDateTime(booking.end)}`,
    dial.uri ? `Video address: ${dial.uri}` : `Call ID: ${dial.callId}`,
    dial.passcode ? `Passcode: ${dial.passcode}` : null].filter(Boolean).join("\n");
  const copy = h("button", { type: "button", class: "secondary", onclick: async () => {
    await navigator.clipboard.writeText(text).catch(() => {});
    copy.textContent = "Copied";
  } }, "Copy dial-in details");
  return h("section", { class: "card", "aria-labelledby": "booked-title" },
    h("h2", { id: "booked-title" }, "Booked"), h("pre", { class: "copy" }, text),
    h("div", { class: "row" }, copy,
      h("a", { href: `/api/v1/bookings/${booking.id}.ics`, download: "meeting.ics" },
        "Calendar file (.ics)"),
      h("a", { href: `/meetings/${booking.id}` }, "Open the meeting")),
    booking.occurrencesBooked ? h("p", {}, `${booking.occurrencesBooked} occurrences booked.`)
      : null);
}

// The bookings the planner also draws, and how many slots BRIDGE has free
// in [start, end): shown next to the bridge field before saving. Only an
// operator sees every booking, so only they get it; the API's 409 on
// saving stays the authority (setup buffers, participants, later
// occurrences of a series are checked there).
async function slotCheck(bridge, start, end) {
  const answer = await api("GET", `/bookings${query({ bridge: bridge.id,
    from: start.toISOString(), to: end.toISOString(), limit: 5000,
    fields: "id,title,slot,state,cancelled" })}`);
  const taken = answer.bookings.filter((b) => !b.cancelled &&
    !["ended", "failed"].includes(b.state) && b.slot != null);
  const slots = new Set(taken.map((b) => b.slot)).size;
  const total = bridge.numericIdQuantity ?? 0;
  const name = bridge.name || bridge.address;
  if (total > 0 && slots >= total)
    return { full: true, text: `No free slot on ${name} at this time: all ${total} are ` +
      `booked (${taken.slice(0, 3).map((b) => b.title).join(", ")}${taken.length > 3
        ? ", …" : ""}). Choose another time or bridge.` };
  return { full: false, text: `${total - slots} of ${total} slots on ${name} free at this ` +
    "time (checked again when you book)." };
}

export async function bookingFormPage() {
  const params = new URLSearchParams(location.search);
  const start = params.get("start") ? new Date(params.get("start"))
    : new Date(Math.ceil(Date.now() / 9e5) * 9e5 + 9e5);
  const end = params.get("end") ? new Date(params.get("end"))
    : new Date(start.getTime() + 36e5);
  const operator = currentUser().role !== "booker";
  const bridges = operator ? await api("GET", "/bridges").catch(() => [])
    : [];
  // Addresses from earlier bookings: one click (or Enter) adds one.
  const known = h("div", { class: "row", "aria-label": "Earlier participants", role: "group" },
    ...remembered().slice(0, 12).map((uri) => h("button", { type: "button", class: "secondary",
      onclick: () => {
        const box = form.elements.participants;
        if (!box.value.split(/\s+/).includes(uri)) box.value = `${box.value.trim()}\n${uri}`.trim();
      } }, `+ ${uri}`)));
  const preview = h("div", { class: "preview", "aria-live": "polite", id: "repeat-preview" });
  const form = h("form", { class: "card", novalidate: true },
    field("Title", "title", { required: true, maxlength: 200 }),
    h("div", { class: "row" },
      field(`Start (${zone})`, "start", { type: "datetime-local", step: 1,
        value: localInputValue(start) }),
      field(`End (${zone})`, "end", { type: "datetime-local", step: 1,
        value: localInputValue(end) })),
    operator ? field("Bridge", "bridge", {}, "select",
      [["", "Any free bridge"], ...bridges.map((b) => [b.id, b.name || b.address])]) : null,
    h("div", { class: "row" },
      field("Repeats", "recurrence", { name: "repeat" }, "select",
        PATTERNS.map(([value, label]) => [value, label])),
      field("Times", "count", { type: "number", min: 1, max: 1000, value: 4 }),
      field("RRULE", "rrule", { placeholder: "FREQ=WEEKLY;BYDAY=MO;COUNT=4" })),
    preview,
    field("Participants (one SIP address per line)", "participants",
      { rows: 3, placeholder: "alice@video.example.com" },
      "textarea"),
    known,
    field("Passcode (digits, optional)", "passcode", { inputmode: "numeric", maxlength: 32 }),
    h("div", { class: "error form-error", role: "alert" }),
    h("button", { type: "submit" }, "Book"));
  const result = h("div", {});
  if (params.get("bridge") && form.elements.bridge) form.elements.bridge.value = params.get("bridge");
  const slotNote = h("div", { class: "hint", id: "slot-check", "aria-live": "polite" });
  if (form.elements.bridge) form.elements.bridge.closest(".field").append(slotNote);
  let checkTimer = null;
  const checkSlots = () => {
    clearTimeout(checkTimer);
    const e = form.elements;
    const bridge = e.bridge && bridges.find((b) => b.id === e.bridge.value);
    const from = new Date(e.start.value), to = new Date(e.end.value);
    if (!bridge || !(to > from)) return slotNote.replaceChildren();
    checkTimer = setTimeout(() => slotCheck(bridge, from, to).then((check) => {
      slotNote.className = check.full ? "error" : "hint";
      slotNote.textContent = check.text;
    }).catch(() => slotNote.replaceChildren()), 300);
  };
  form.addEventListener("input", checkSlots);
  form.addEventListener("change", checkSlots);
  checkSlots();
  const updatePreview = () => {
    const e = form.elements;
    const custom = e.repeat.value === "custom";
    e.rrule.closest(".field").hidden = !custom;
    e.count.closest(".field").hidden = !e.repeat.value || custom;
    if (!e.repeat.value || custom || !e.start.value) return preview.replaceChildren();
    const dates = previewDates(e.repeat.value, new Date(e.start.value),
      Math.min(Number(e.count.value) || 1, 6));
    preview.replaceChildren(h("span", {}, "Dates:"), h("ul", {},
      ...dates.map((d) => h("li", {}, formatDateTime(d))),
      Number(e.count.value) > 6 ? h("li", {}, "…") : null));
  };
  form.addEventListener("input", updatePreview);
  updatePreview();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    result.replaceChildren();
    try {
      const body = bookingBody(form);
      const booking = await api("POST", "/bookings", body);
      remember((body.participants || []).map((p) => p.uri));
      showError(form, { message: "" });
      result.replaceChildren(bookedCard(booking));
      result.querySelector("h2").focus?.();
    } catch (error) {
      if (error.status === 409) result.replaceChildren(conflictList(error));
      const fieldName = error.field === "recurrence.rrule" ? "rrule" : error.field;
      showError(form, { ...error, message: error.message, field: fieldName });
    } finally {
      button.disabled = false;
    }
  });
  show("New booking", form, result);
  form.elements.title.focus();
}

