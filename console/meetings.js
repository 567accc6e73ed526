// meetings.js - the meetings list (filters, search; a booker sees their
// own, an operator everyone's, as the API answers) and one meeting's page:
// details, dial-in, participants and their states kept current, extend,
// end, cancel, and the live controls when the API offers them.
// Owns: those two pages. Does not own: the booking form (booking_form.js).
import { api, query } from "./api.js";
import { h, show, loading, formatDateTime, toast, localInputValue } from "./dom.js";
import { currentUser } from "./app.js";
import { bookedCard } from "./booking_form.js";

// How often an open meeting page asks for the participants' states.
const REFRESH_MS = 2000;

function stateCell(state) {
  return h("span", { class: `state state-${state}` }, state);
}

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

// Runs ACTION (a promise-returning function) from BUTTON, then REFRESH.
async function act(button, action, refresh, done) {
  button.disabled = true;
  try {
    await action();
    toast(done);
    await refresh();
  } catch (error) {
    toast(error.message);
  } finally {
    button.disabled = false;
  }
}

function participantRow(booking, participant, refresh) {
  const live = booking.live && booking.state === "live";
  const uri = encodeURIComponent(participant.uri);
  const button = (label, action, done) => {
    const b = h("button", { type: "button", class: "secondary",
      "aria-label": `${label} ${participant.uri}` }, label);
    b.addEventListener("click", () => act(b, action, refresh, done));
    return b;
  };
  return h("tr", {}, h("td", {}, participant.uri), h("td", {}, participant.dial || ""),
    h("td", {}, stateCell(participant.state || "")),
    h("td", {}, live ? [
      button("Mute", () => api("PATCH", `/bookings/${booking.id}/participants/${uri}`,
        { audioMuted: true }), "Muted"),
      button("Drop", () => api("DELETE", `/bookings/${booking.id}/participants/${uri}`),
        "Dropped")] : ""));
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
    booking.live ? button(booking.live.locked ? "Unlock" : "Lock",
      () => api("PATCH", `/bookings/${booking.id}/live`, { locked: !booking.live.locked }),
      "Done") : null,
    running ? null : button("Cancel meeting", async () => {
      if (!confirm("Cancel this meeting?")) throw new Error("Not cancelled");
      await api("DELETE", `/bookings/${booking.id}`);
    }, "Cancelled", "danger"));
}

export async function meetingPage(id) {
  const body = h("div", {}, loading());
  show("Meeting", body);
  const path = location.pathname;
  let timer = null;
  const refresh = async () => {
    clearTimeout(timer);
    if (location.pathname !== path) return;
    let booking;
    try {
      booking = await api("GET", `/bookings/${encodeURIComponent(id)}`);
    } catch (error) {
      body.replaceChildren(h("p", { class: "error", role: "alert" },
        error.status === 404 ? "No such meeting (or not yours)." : error.message));
      return;
    }
    document.querySelector("main h1").textContent = booking.title;
    body.replaceChildren(
      h("p", {}, `${formatDateTime(booking.start)} – ${formatDateTime(booking.end)} · `,
        stateCell(booking.cancelled ? "cancelled" : booking.state),
        booking.failure ? ` · ${booking.failure}` : ""),
      controls(booking, refresh) || "",
      bookedCard(booking),
      h("h2", {}, "Participants"),
      h("table", {},
        h("thead", {}, h("tr", {}, ...["Address", "Dial", "State", "Actions"]
          .map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, ...(booking.participants || []).map((p) =>
          participantRow(booking, p, refresh)))));
    body.querySelector("#booked-title").textContent = "Dial-in";
    if (!["ended", "failed"].includes(booking.state))
      timer = setTimeout(refresh, REFRESH_MS);
  };
  await refresh();
}

