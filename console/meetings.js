// meetings.js - the meetings list (filters, search; a booker sees their
// own, an operator everyone's, as the API answers) and one meeting's page:
// details, dial-in, participants and their states kept current, extend,
// end, cancel; the live controls and attendance come from live.js.
// Owns: those two pages. Does not own: the booking form (booking_form.js),
// the live controls and the attendance table (live.js).
import { api, query } from "./api.js";
import { h, show, loading, formatDateTime, localInputValue } from "./dom.js";
import { currentUser } from "./app.js";
import { bookedCard } from "./booking_form.js";
import { listen, streaming, reloadOnEvents } from "./events.js";
import { act, stateCell, participantsTable, everyoneControls, addParticipantForm,
  attendanceSection } from "./live.js";

// How often an open meeting page asks for the participants' states when the
// events stream is not available (with it: as each event comes), and, once
// the meeting is over, for its attendance (call records bring no event).
const REFRESH_MS = 2000;
const ATTENDANCE_REFRESH_MS = 5000;
// How often the meetings list reloads when the events stream failed.
const LIST_REFRESH_MS = 15000;
// Events that come close together cause one reload after this long.
const SETTLE_MS = 150;

function meetingRows(bookings, filters) {
  const text = filters.search.toLowerCase();
  const me = currentUser().name;
  return bookings.filter((b) => (!text || b.title.toLowerCase().includes(text)) &&
      (!filters.state || b.state === filters.state) &&
      (!filters.mine || b.owner === me))
    .map((b) => h("tr", {},
      h("td", {}, h("a", { href: `/meetings/${b.id}` }, b.title)),
      h("td", {}, formatDateTime(b.start)),
      h("td", {}, stateCell(b.cancelled ? "cancelled" : b.state)),
      h("td", {}, b.owner || ""),
      h("td", {}, b.slot == null ? "" : String(b.slot))));
}

export async function meetingsPage() {
  const search = h("input", { id: "m-search", type: "search" });
  const stateFilter = h("select", { id: "m-state" }, h("option", { value: "" }, "Any"),
    ...["scheduled", "live", "ended", "failed"].map((s) => h("option", { value: s }, s)));
  const mine = h("input", { id: "m-mine", type: "checkbox" });
  const from = h("input", { id: "m-from", type: "date",
    value: localInputValue(new Date()).slice(0, 10) });
  const body = h("tbody", {});
  const status = h("p", { class: "hint", role: "status" }, "Loading…");
  let bookings = [];
  const draw = () => {
    const rows = meetingRows(bookings, { search: search.value, state: stateFilter.value,
      mine: mine.checked });
    body.replaceChildren(...rows);
    status.textContent = `${rows.length} of ${bookings.length} meetings`;
  };
  const load = async () => {
    status.textContent = "Loading…";
    const start = new Date(`${from.value}T00:00`);
    const answer = await api("GET", `/bookings${query({ from: start.toISOString(),
      limit: 500 })}`);
    bookings = answer.bookings;
    draw();
  };
  for (const control of [search, stateFilter, mine]) control.addEventListener("input", draw);
  // Reloaded when a booking changes (the events stream), else every 15 s.
  reloadOnEvents(location.pathname, ["booking."],
    () => load().catch((e) => (status.textContent = e.message)), SETTLE_MS, LIST_REFRESH_MS);
  from.addEventListener("change", () => load().catch((e) => (status.textContent = e.message)));
  const operator = currentUser().role !== "booker";
  show(operator ? "All meetings" : "My meetings",
    h("div", { class: "row" },
      h("div", { class: "field" }, h("label", { for: "m-search" }, "Search titles"), search),
      h("div", { class: "field" }, h("label", { for: "m-state" }, "State"), stateFilter),
      h("div", { class: "field" }, h("label", { for: "m-from" }, "From"), from),
      operator ? h("div", { class: "field" }, h("label", { for: "m-mine" }, "Only mine"), mine)
        : null,
      h("a", { class: "button", href: "/book" }, "New booking")),
    status,
    h("table", {}, h("caption", { class: "hint" }, "Meetings by start"),
      h("thead", {}, h("tr", {}, ...["Title", "Start", "State", "Owner", "Slot"].map(
        (t) => h("th", { scope: "col" }, t)))), body));
  await load();
}

function controls(booking, refresh) {
  const over = ["ended", "failed", "ending"].includes(booking.state) || booking.cancelled;
  if (over) return null;
  const button = (label, action, done, kind = "secondary") => {
    const b = h("button", { type: "button", class: kind }, label);
    b.addEventListener("click", () => act(b, action, refresh, done));
    return b;
  };
  const running = booking.state === "live" || booking.state === "starting";
  return h("div", { class: "row" },
    button("Extend 15 min", () => api("POST", `/bookings/${booking.id}/extend`,
      { minutes: 15 }), "Extended"),
    running ? button("End now", () => api("POST", `/bookings/${booking.id}/end`), "Ending",
      "danger") : null,
    running ? null : cancelButton(booking, refresh));
}

// What each cancel scope does, said in the confirmation (docs/api.md,
// "Changing and cancelling occurrences of a series").
const SCOPES = [
  ["occurrence", "Only this meeting", (when) => `Only the meeting of ${when} is cancelled; ` +
    "the other meetings of the series stay."],
  ["following", "This meeting and every later one", (when) => `The meeting of ${when} and ` +
    "every later meeting of the series are cancelled; earlier ones stay."],
  ["series", "The whole series", () => "Every meeting of the series still to come is " +
    "cancelled (meetings already held or running stay)."],
];

// "Cancel meeting…": a dialog that asks which meetings (for an occurrence of
// a series) and says plainly what will be cancelled before anything is.
function cancelButton(booking, refresh) {
  const when = formatDateTime(booking.start);
  const series = Boolean(booking.series);
  const explain = h("p", { id: "cancel-explain" });
  const choices = SCOPES.map(([value, label]) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "cancel-scope", value,
      checked: value === "occurrence" }), ` ${label}`));
  const say = () => {
    const scope = choices.map((c) => c.firstChild).find((r) => r.checked).value;
    explain.textContent = series ? SCOPES.find(([v]) => v === scope)[2](when)
      : `The meeting of ${when} is cancelled.`;
    return scope;
  };
  const yes = h("button", { type: "button", class: "danger" }, "Yes, cancel");
  const no = h("button", { type: "button", class: "secondary" }, "No, keep it");
  const dialog = h("dialog", { "aria-labelledby": "cancel-title",
    "aria-describedby": "cancel-explain" },
    h("h2", { id: "cancel-title" }, "Cancel meeting"),
    series ? h("fieldset", {}, h("legend", {}, "Which meetings"), ...choices) : null,
    explain, h("div", { class: "row" }, yes, no));
  for (const c of choices) c.firstChild.addEventListener("change", say);
  no.addEventListener("click", () => dialog.close());
  yes.addEventListener("click", () => act(yes, async () => {
    const scope = say();
    await api("DELETE", `/bookings/${booking.id}${series
      ? query({ scope }) : ""}`);
    dialog.close();
  }, refresh, "Cancelled"));
  dialog.addEventListener("close", () => dialog.remove());
  const open = h("button", { type: "button", class: "danger", "aria-haspopup": "dialog" },
    "Cancel meeting…");
  open.addEventListener("click", () => {
    if (!dialog.isConnected) document.body.append(dialog);
    say();
    dialog.showModal();
  });
  return open;
}

// True while the user is using a control inside NODE (a refresh then leaves
// NODE alone, so an open <select> or a typed address is not wiped).
function busyInside(node) {
  const focused = document.activeElement;
  return node.contains(focused) && ["SELECT", "INPUT"].includes(focused.tagName);
}

// Where the focus is among NODE's buttons (its index), so that a refresh
// that rebuilds them puts it back on the same place (a keyboard user who
// pressed "Mute audio" stays on what is now "Unmute audio").
function focusPlace(node) {
  const controls = [...node.querySelectorAll("button, select")];
  return controls.indexOf(document.activeElement);
}

function restoreFocus(node, place) {
  if (place < 0) return;
  const controls = [...node.querySelectorAll("button, select")];
  const target = controls[Math.min(place, controls.length - 1)];
  if (target) target.focus();
}

export async function meetingPage(id) {
  const summary = h("div", {}, loading());
  const live = h("div", {});
  const adding = h("div", {});
  const after = h("div", {});
  show("Meeting", summary, live, adding, after);
  const path = location.pathname;
  let timer = null;
  let form = null;
  const updates = h("p", { class: "hint", id: "updates" });
  // The meeting's events (and a reset) refresh the page; when the stream
  // fails the page polls every 2 s instead.
  const stop = listen((event) => {
    if (location.pathname !== path) return stop();
    if (event.type === "stream.failed" || event.type === "reset" || event.bookingId === id) {
      clearTimeout(timer);
      timer = setTimeout(refresh, SETTLE_MS);
    }
  });
  const refresh = async () => {
    clearTimeout(timer);
    if (location.pathname !== path) return stop();
    let booking;
    try {
      booking = await api("GET", `/bookings/${encodeURIComponent(id)}`);
    } catch (error) {
      summary.replaceChildren(h("p", { class: "error", role: "alert" },
        error.status === 404 ? "No such meeting (or not yours)." : error.message));
      return;
    }
    const over = ["ended", "failed"].includes(booking.state) || booking.cancelled;
    document.querySelector("main h1").textContent = booking.title;
    summary.replaceChildren(
      h("p", {}, `${formatDateTime(booking.start)} – ${formatDateTime(booking.end)} · `,
        stateCell(booking.cancelled ? "cancelled" : booking.state),
        booking.failure ? ` · ${booking.failure}` : ""),
      controls(booking, refresh) || "", updates, bookedCard(booking));
    summary.querySelector("#booked-title").textContent = "Dial-in";
    if (!busyInside(live)) {
      const place = focusPlace(live);
      live.replaceChildren(h("h2", {}, "Participants"), everyoneControls(booking, refresh) || "",
        participantsTable(booking, refresh));
      restoreFocus(live, place);
    }
    if (!over && form === null) adding.append(form = addParticipantForm(booking.id, refresh));
    if (over) adding.replaceChildren();
    if (["ended", "failed"].includes(booking.state)) {
      // Call records arrive after the end: asked again until the page closes.
      try {
        after.replaceChildren(attendanceSection(await api("GET",
          `/bookings/${encodeURIComponent(id)}/attendance`)));
      } catch (error) {
        after.replaceChildren(h("p", { class: "error" }, error.message));
      }
    }
    updates.textContent = streaming() ? "Changes show as they happen."
      : "Changes show within 2 s.";
    if (over) timer = setTimeout(refresh, ATTENDANCE_REFRESH_MS);
    else if (!streaming()) timer = setTimeout(refresh, REFRESH_MS);
  };
  await refresh();
}
