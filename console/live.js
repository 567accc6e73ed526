// live.js - the live parts of a meeting's page, all through the live-control
// API (docs/api.md, "Live control"): the participants table with mute,
// video, layout and drop per person; the controls for everyone (mute,
// video, layout, lock); adding a participant; and, once the meeting is
// over, its attendance from GET /bookings/<id>/attendance.
// Owns: those sections. Does not own: the page around them, its refresh
// and the meeting-wide buttons extend/end/cancel (meetings.js).
import { api } from "./api.js";
import { h, formatDateTime, formatTime, toast } from "./dom.js";

// The bridge's layouts (common/cms_views.c, cms_layout_is_known); "" is
// "the meeting's" for one participant and "unchanged" for everyone.
const LAYOUTS = ["allEqual", "speakerOnly", "telepresence", "stacked", "allEqualQuarters",
  "allEqualNinths", "allEqualSixteenths", "allEqualTwentyFifths", "onePlusFive",
  "onePlusSeven", "onePlusNine", "automatic", "onePlusN"];

export function stateCell(state) {
  return h("span", { class: `state state-${state}` }, state);
}

// Runs ACTION (a promise-returning function) from CONTROL (disabled while it
// runs), says DONE in the toast, then calls REFRESH; errors go to the toast.
export async function act(control, action, refresh, done) {
  control.disabled = true;
  try {
    await action();
    toast(done);
    await refresh();
  } catch (error) {
    toast(error.message);
  } finally {
    control.disabled = false;
  }
}

// A button named LABEL running ACTION; NAME is its accessible name when
// the label alone would be ambiguous (one per table row).
function actionButton(label, action, refresh, done, { name, kind = "secondary", pressed } = {}) {
  const b = h("button", { type: "button", class: kind, "aria-label": name,
    "aria-pressed": pressed === undefined ? undefined : String(pressed) }, label);
  b.addEventListener("click", () => act(b, action, refresh, done));
  return b;
}

// A layout <select> labelled NAME; CHOSEN the current layout ("" for none).
function layoutSelect(name, chosen, emptyText, onChange) {
  const select = h("select", { "aria-label": name, class: "layout" },
    h("option", { value: "" }, emptyText),
    ...LAYOUTS.map((l) => h("option", { value: l }, l)));
  select.value = chosen || "";
  select.addEventListener("change", () => onChange(select));
  return select;
}

function participantActions(booking, p, refresh) {
  const path = `/bookings/${booking.id}/participants/${encodeURIComponent(p.uri)}`;
  const patch = (body) => () => api("PATCH", path, body);
  const inCall = p.state === "connected";
  const drop = actionButton("Drop", () => api("DELETE", path), refresh, "Dropped",
    { name: `Drop ${p.uri}`, kind: "danger" });
  if (!inCall) return p.state === "dropped" ? [] : [drop];
  return [
    actionButton(p.audioMuted ? "Unmute audio" : "Mute audio",
      patch({ audioMuted: !p.audioMuted }), refresh, p.audioMuted ? "Unmuted" : "Muted",
      { name: `${p.audioMuted ? "Unmute" : "Mute"} audio of ${p.uri}`, pressed: p.audioMuted }),
    actionButton(p.videoMuted ? "Start video" : "Stop video",
      patch({ videoMuted: !p.videoMuted }), refresh,
      p.videoMuted ? "Video started" : "Video stopped",
      { name: `${p.videoMuted ? "Start" : "Stop"} video of ${p.uri}`, pressed: p.videoMuted }),
    layoutSelect(`Layout of ${p.uri}`, p.layout, "meeting's layout", (select) =>
      act(select, patch({ layout: select.value || null }), refresh, "Layout set")),
    drop];
}

// The participants table; with the live controls while the meeting is live.
export function participantsTable(booking, refresh) {
  const live = booking.state === "live";
  const rows = (booking.participants || []).map((p) => h("tr", { "data-uri": p.uri },
    h("td", {}, p.uri), h("td", {}, p.dial || ""),
    h("td", {}, stateCell(p.state || ""), p.detail ? h("div", { class: "hint" }, p.detail) : ""),
    h("td", {}, p.audioMuted ? "muted" : "on", " · ", p.videoMuted ? "video off" : "video on"),
    h("td", {}, live ? h("div", { class: "actions" }, participantActions(booking, p, refresh))
      : "")));
  return h("table", { class: "wide" }, h("caption", { class: "hint" }, "Booked participants"),
    h("thead", {}, h("tr", {}, ...["Address", "Dial", "State", "Audio · video", "Actions"]
      .map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, ...rows));
}

// Mute, video, layout and lock for everyone in the call (live only).
export function everyoneControls(booking, refresh) {
  if (booking.state !== "live") return null;
  const path = `/bookings/${booking.id}/live`;
  const patch = (body) => () => api("PATCH", path, body);
  const locked = booking.live && booking.live.locked;
  return h("section", { class: "row", "aria-label": "Everyone in the meeting" },
    actionButton("Mute everyone", patch({ audioMuted: true }), refresh, "Everyone muted"),
    actionButton("Unmute everyone", patch({ audioMuted: false }), refresh, "Everyone unmuted"),
    actionButton("Stop everyone's video", patch({ videoMuted: true }), refresh, "Video stopped"),
    actionButton("Start everyone's video", patch({ videoMuted: false }), refresh,
      "Video started"),
    layoutSelect("Layout for everyone", booking.live && booking.live.layout, "layout…",
      (select) => select.value && act(select, patch({ layout: select.value }), refresh,
        "Layout set")),
    actionButton(locked ? "Unlock" : "Lock", patch({ locked: !locked }), refresh,
      locked ? "Unlocked" : "Locked", { pressed: Boolean(locked) }));
}

// The "add a participant" form; built once per page (a refresh must not wipe
// what is being typed). BOOKING_ID: whose; REFRESH: after adding.
export function addParticipantForm(bookingId, refresh) {
  const uri = h("input", { id: "add-uri", name: "uri", type: "text", autocomplete: "off",
    placeholder: "carol@video.example.com", "aria-describedby": "add-error" });
  const dial = h("select", { id: "add-dial", name: "dial" },
    h("option", { value: "out" }, "the bridge calls them"),
    h("option", { value: "in" }, "they dial in"));
  const error = h("div", { class: "error", id: "add-error", role: "alert" });
  const submit = h("button", { type: "submit" }, "Add participant");
  const form = h("form", { class: "row", "aria-label": "Add a participant" },
    h("div", { class: "field" }, h("label", { for: "add-uri" }, "Address to add"), uri),
    h("div", { class: "field" }, h("label", { for: "add-dial" }, "How"), dial), submit, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    uri.removeAttribute("aria-invalid");
    submit.disabled = true;
    try {
      await api("POST", `/bookings/${bookingId}/participants`,
        { uri: uri.value.trim(), dial: dial.value });
      toast(`Added ${uri.value.trim()}`);
      uri.value = "";
      await refresh();
    } catch (e) {
      error.textContent = e.message;
      if (!e.field || e.field === "uri") uri.setAttribute("aria-invalid", "true");
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// Why a CDR says a leg ended, in words (docs/api.md, attendance).
function reasonText(reason) {
  const known = { localTeardown: "ended by the bridge (dropped, or the meeting ended)",
    remoteTeardown: "hung up" };
  return known[reason] || reason || "";
}

function minutes(seconds) {
  return seconds == null ? "" : `${Math.round(seconds / 60)} min (${seconds} s)`;
}

function attendanceRow(person) {
  const intervals = person.intervals || [];
  const last = intervals[intervals.length - 1];
  const spans = intervals.map((i) => `${formatTime(i.joined)}–${i.left ? formatTime(i.left)
    : "now"}`).join(", ");
  return h("tr", {}, h("td", {}, person.uri),
    h("td", {}, person.joined ? formatDateTime(person.firstJoined) : "never joined"),
    h("td", {}, person.lastLeft ? formatDateTime(person.lastLeft) : person.joined ? "still in"
      : ""),
    h("td", {}, person.joined ? minutes(person.connectedSeconds) : ""),
    h("td", {}, spans),
    h("td", {}, last ? reasonText(last.reason) : (person.attempts || []).map((a) =>
      reasonText(a.reason)).join(", ")));
}

// The attendance section for ATTENDANCE (the API's answer).
export function attendanceSection(attendance) {
  const people = [...(attendance.participants || []), ...(attendance.others || [])];
  const never = attendance.neverJoined || [];
  return h("section", { "aria-labelledby": "attendance-title" },
    h("h2", { id: "attendance-title" }, "Attendance"),
    people.length === 0 ? h("p", { class: "hint" }, "No call records yet.") :
      h("table", { id: "attendance", class: "wide" },
        h("caption", { class: "hint" }, "From the bridge's call detail records"),
        h("thead", {}, h("tr", {}, ...["Who", "Joined", "Left", "Connected", "In the call",
          "Why they left"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, ...people.map(attendanceRow))),
    h("p", { id: "never-joined" }, never.length ? `Never joined: ${never.join(", ")}`
      : "Everyone booked joined."));
}
