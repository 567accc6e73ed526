// planner.js - the planner: one bridge's day, a row per slot, each
// booking placed on its row and every free hour a button that opens the
// booking form for that hour. Times are the user's (the browser's zone).
// Owns: the planner page. Does not own: booking (booking_form.js).
import { api, query } from "./api.js";
import { h, show, loading, localInputValue, formatTime, formatDateTime, zone, toast }
  from "./dom.js";
import { navigate } from "./app.js";
import { reloadOnEvents } from "./events.js";

// The API answers at most this many bookings per request (docs/api.md).
const PAGE = 5000;

// How many stretches of the day are asked for at once (the API answers
// them in parallel; each pages on its own).
const WINDOWS = 4;

// Only what the planner draws (a compact listing: ?fields=, docs/api.md).
const FIELDS = "id,title,slot,start,end,state,cancelled";

// Every booking of BRIDGE overlapping [from, to), into SEEN (by id): pages
// by moving `from` to the last start seen (bookings come by start).
async function bookingsInWindow(bridge, from, to, seen) {
  let cursor = from.toISOString();
  const mine = new Set(); // this window's own, for the end of its pages
  for (;;) {
    const answer = await api("GET", `/bookings${query({ bridge, from: cursor,
      to: to.toISOString(), limit: PAGE, fields: FIELDS })}`);
    let added = 0;
    for (const booking of answer.bookings) {
      seen.set(booking.id, booking);
      if (!mine.has(booking.id)) {
        mine.add(booking.id);
        added++;
      }
    }
    if (answer.bookings.length < PAGE || added === 0) return;
    cursor = answer.bookings[answer.bookings.length - 1].start;
  }
}

// Every booking of BRIDGE overlapping [from, to), asked as WINDOWS
// stretches at once; one overlapping two stretches is kept once.
async function bookingsBetween(bridge, from, to) {
  const seen = new Map();
  const step = (to - from) / WINDOWS;
  const windows = [];
  for (let i = 0; i < WINDOWS; i++)
    windows.push(bookingsInWindow(bridge, new Date(from.getTime() + i * step),
      new Date(from.getTime() + (i + 1) * step), seen));
  await Promise.all(windows);
  return [...seen.values()];
}

// Marks (performance.mark "convene:planner-drawn") the first frame after
// the day is drawn; bench/console.mjs reads it as the page's load time.
function markDrawn() {
  requestAnimationFrame(() => setTimeout(() => performance.mark("convene:planner-drawn")));
}

function dayStart(text) {
  const [year, month, day] = text.split("-").map(Number);
  return new Date(year, month - 1, day);
}

// Redrawn this long after the last booking event, or this often when the
// events stream does not work.
const PLANNER_SETTLE_MS = 1000;
const PLANNER_POLL_MS = 30000;

// A view: how many days it shows and how many hours one free-time button
// covers (a week of one-hour buttons on hundreds of slots would be tens of
// thousands of buttons).
const VIEWS = { day: { days: 1, step: 1 }, week: { days: 7, step: 4 } };

// Percent of [start, start + DAYS days) at which TIME falls (clamped).
function percent(time, start, days) {
  const value = ((time - start) / (days * 864e5)) * 100;
  return Math.min(100, Math.max(0, value));
}

function slotRow(slot, bookings, start, bridgeId, view) {
  const hours = view.days * 24;
  const track = h("div", { class: "planner-track", role: "group",
    "aria-label": `Slot ${slot}` });
  const busyHours = new Set();
  for (const booking of bookings) {
    const from = new Date(booking.start), to = new Date(booking.end);
    const left = percent(from, start, view.days), right = percent(to, start, view.days);
    // Plain text only: formatting two times for each of thousands of
    // bookings costs more than drawing them (the meeting page has them).
    const link = h("a", { class: "planner-booking", href: `/meetings/${booking.id}` },
      booking.title);
    link.style.left = `${left}%`;
    link.style.width = `${Math.max(right - left, 0.5)}%`;
    track.append(link);
    for (let hour = Math.floor((left / 100) * hours); hour < Math.ceil((right / 100) * hours);
      hour++)
      busyHours.add(hour - (hour % view.step));
  }
  const free = [];
  for (let hour = 0; hour < hours; hour += view.step) {
    if (busyHours.has(hour)) continue;
    const at = new Date(start.getTime() + hour * 36e5);
    const button = h("button", { type: "button", class: "planner-free",
      "aria-label": `Book slot ${slot} at ${view.days > 1 ? formatDateTime(at.toISOString())
        : formatTime(at.toISOString())}`,
      onclick: () => navigate(`/book${query({ start: localInputValue(at), bridge: bridgeId })}`),
    }, "+");
    button.dataset.hour = hour; // for dragging across free time (drawDays)
    button.style.left = `${(hour / hours) * 100}%`;
    button.style.width = `${(view.step / hours) * 100}%`;
    free.push(button);
  }
  track.prepend(...free);
  return [h("div", { class: "planner-slot" }, String(slot)), track];
}

// The free-time button under the pointer of EVENT. Not event.target: a
// touch pointer stays captured by the button it went down on, so its
// pointerup names that first button wherever the finger is lifted.
function freeButtonAt(event) {
  const under = document.elementFromPoint(event.clientX, event.clientY);
  return under ? under.closest(".planner-free") : null;
}

// Pressing on one free-time button of a slot and letting go on another of
// the same slot opens the form for the whole stretch (when all of it is
// free), with a mouse, a pen or a finger (style.css gives the buttons
// `touch-action: pan-y`: a sideways finger drags, an upward one still
// scrolls the page); the stretch is marked while the pointer moves. A
// plain click or tap books that hour (the buttons' own handler). One
// listener set on the grid, not one per button.
function dragToBook(grid, start, bridgeId, view) {
  let from = null;
  const mark = (to) => {
    for (const button of grid.querySelectorAll(".planner-picked"))
      button.classList.remove("planner-picked");
    if (!from || !to || to.parentNode !== from.parentNode) return;
    const low = Math.min(+from.dataset.hour, +to.dataset.hour);
    const high = Math.max(+from.dataset.hour, +to.dataset.hour);
    for (const button of from.parentNode.querySelectorAll(".planner-free"))
      if (+button.dataset.hour >= low && +button.dataset.hour <= high)
        button.classList.add("planner-picked");
  };
  grid.addEventListener("pointerdown", (event) => {
    from = event.target.closest(".planner-free");
  });
  grid.addEventListener("pointermove", (event) => {
    if (from) mark(freeButtonAt(event));
  });
  // The browser took the gesture (a scroll, a second finger): no booking.
  grid.addEventListener("pointercancel", () => {
    mark(null);
    from = null;
  });
  grid.addEventListener("pointerup", (event) => {
    const to = freeButtonAt(event), first = from;
    mark(null);
    from = null;
    if (!first || !to || first === to || first.parentNode !== to.parentNode) return;
    const low = Math.min(+first.dataset.hour, +to.dataset.hour);
    const high = Math.max(+first.dataset.hour, +to.dataset.hour) + view.step;
    for (let hour = low; hour < high; hour += view.step)
      if (!to.parentNode.querySelector(`[data-hour="${hour}"]`))
        return toast("Part of that time is booked on this slot.");
    const at = (hour) => localInputValue(new Date(start.getTime() + hour * 36e5));
    navigate(`/book${query({ start: at(low), end: at(high), bridge: bridgeId })}`);
  });
}

// QUIET: redrawn for an event, without "Loading…" in between.
async function drawDays(target, bridge, dayText, view, quiet = false) {
  if (!quiet) target.replaceChildren(loading());
  const start = dayStart(dayText);
  const end = new Date(start.getFullYear(), start.getMonth(), start.getDate() + view.days);
  const bookings = await bookingsBetween(bridge.id, start, end);
  performance.mark("convene:planner-data"); // the API's share ends here
  const bySlot = new Map();
  for (const booking of bookings) {
    if (booking.cancelled || booking.state === "failed") continue;
    if (!bySlot.has(booking.slot)) bySlot.set(booking.slot, []);
    bySlot.get(booking.slot).push(booking);
  }
  const first = bridge.numericIdBase ?? 0, count = bridge.numericIdQuantity ?? 0;
  const grid = h("div", { class: view.days > 1 ? "planner-grid planner-week" : "planner-grid" });
  grid.style.gridTemplateColumns = "5rem 1fr";
  // The scale over the tracks: a label every three hours, or each day.
  const hours = h("div", { class: "planner-head planner-hours", "aria-hidden": "true" });
  const weekday = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric" });
  for (let unit = 0; unit < (view.days > 1 ? view.days : 8); unit++) {
    const label = h("span", {}, view.days > 1
      ? weekday.format(new Date(start.getFullYear(), start.getMonth(), start.getDate() + unit))
      : `${String(unit * 3).padStart(2, "0")}:00`);
    label.style.left = `${(unit / (view.days > 1 ? view.days : 8)) * 100}%`;
    hours.append(label);
  }
  grid.append(h("div", { class: "planner-head" }, "Slot"), hours);
  const rows = [];
  for (let slot = first; slot < first + count; slot++)
    rows.push(...slotRow(slot, bySlot.get(slot) || [], start, bridge.id, view));
  grid.append(...rows);
  dragToBook(grid, start, bridge.id, view);
  markDrawn();
  target.replaceChildren(
    h("p", { class: "hint", role: "status" },
      `${bookings.length} booking${bookings.length === 1 ? "" : "s"} on ${count} slots` +
        ` · times in ${zone}`),
    h("div", { class: "planner" }, grid));
}

export async function plannerPage() {
  const body = h("div", {}, loading());
  show("Planner", body);
  const bridges = await api("GET", "/bridges");
  if (!bridges.length) {
    body.replaceChildren(h("p", {}, "No bridges yet. "), h("a", { href: "/admin/bridges" },
      "Add one"));
    return;
  }
  const params = new URLSearchParams(location.search);
  const picker = h("select", { id: "planner-bridge" },
    ...bridges.map((bridge) => h("option", { value: bridge.id },
      bridge.name || bridge.address)));
  picker.value = params.get("bridge") || bridges[0].id;
  const day = h("input", { id: "planner-day", type: "date",
    value: params.get("day") || localInputValue(new Date()).slice(0, 10) });
  const span = h("select", { id: "planner-view" }, h("option", { value: "day" }, "Day"),
    h("option", { value: "week" }, "Week (7 days from the day)"));
  span.value = VIEWS[params.get("view")] ? params.get("view") : "day";
  const view = h("div", {});
  const redraw = (quiet = false) => {
    const bridge = bridges.find((b) => b.id === picker.value) || bridges[0];
    history.replaceState(null, "", `/planner${query({ bridge: bridge.id, day: day.value,
      view: span.value === "day" ? "" : span.value })}`);
    drawDays(view, bridge, day.value, VIEWS[span.value], quiet).catch((error) =>
      view.replaceChildren(h("p", { class: "error", role: "alert" }, error.message)));
  };
  for (const control of [picker, day, span])
    control.addEventListener("change", () => redraw());
  // A booking made, changed or cancelled anywhere shows without a reload
  // (after a second without another: a burst of bookings is one redraw).
  reloadOnEvents(location.pathname, ["booking."], () => redraw(true), PLANNER_SETTLE_MS,
    PLANNER_POLL_MS);
  body.replaceChildren(h("div", { class: "row" },
    h("div", { class: "field" }, h("label", { for: "planner-bridge" }, "Bridge"), picker),
    h("div", { class: "field" }, h("label", { for: "planner-day" }, "Day"), day),
    h("div", { class: "field" }, h("label", { for: "planner-view" }, "Show"), span),
    h("a", { class: "button", href: "/book" }, "New booking")), view);
  redraw();
}
