// events.js - one EventSource on GET /api/v1/events (Server-Sent Events,
// docs/api.md "Events"; the session cookie signs it in) shared by the
// pages that show something changing: each page adds a listener while it
// is open and polls instead when the stream is not available.
// Owns: the stream, its listeners, whether it works. Does not own: what a
// page does with an event (meetings.js).

let source = null;
const listeners = new Set();
// "connecting", "open" or "failed" (closed for good: refused, too many
// streams, or no EventSource in this browser).
let status = "connecting";

function tell(event) {
  for (const listener of [...listeners]) listener(event);
}

function open() {
  if (typeof EventSource === "undefined") {
    status = "failed";
    return;
  }
  source = new EventSource("/api/v1/events", { withCredentials: true });
  status = "connecting";
  source.addEventListener("open", () => (status = "open"));
  // EventSource reconnects by itself after a dropped connection (sending
  // Last-Event-ID); CLOSED means it gave up: the pages poll instead.
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      status = "failed";
      source = null;
      tell({ type: "stream.failed" });
    }
  });
  const forward = (message) => {
    try {
      tell(JSON.parse(message.data));
    } catch {
      // not JSON: nothing a page can use
    }
  };
  for (const type of ["booking.created", "booking.changed", "booking.cancelled",
    "booking.started", "booking.ended", "booking.failed", "participant.changed",
    "ticket.opened", "ticket.closed"])
    source.addEventListener(type, forward);
  // The server lost track of what was told: every listener reloads.
  source.addEventListener("reset", () => tell({ type: "reset" }));
}

// Calls LISTENER with each event ({type, bookingId, …}; "reset" and
// "stream.failed" too) until the returned function is called.
export function listen(listener) {
  listeners.add(listener);
  if (source === null) open(); // after a failure: tried again for each page
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && source !== null) {
      source.close();
      source = null;
      status = "connecting";
    }
  };
}

// True while events arrive as they happen (no need to poll).
export function streaming() {
  return status === "open";
}

// While the address is still PATH: calls RELOAD after SETTLE ms without a
// further event, when an event whose type starts with one of PREFIXES (or
// a reset) comes; every POLL ms instead while the stream does not work.
export function reloadOnEvents(path, prefixes, reload, settle, poll) {
  let timer = null;
  // POLLING: a poll's turn, skipped once the stream works (an event's is not).
  const later = (delay, polling) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (location.pathname !== path || (polling && streaming())) return;
      reload();
      if (!streaming()) later(poll, true);
    }, delay);
  };
  const stop = listen((event) => {
    if (location.pathname !== path) {
      clearTimeout(timer);
      return stop();
    }
    if (event.type === "stream.failed") later(poll, true);
    else if (event.type === "reset" || prefixes.some((p) => event.type.startsWith(p)))
      later(settle, false);
  });
  if (!streaming()) later(poll, true); // still connecting: polled until it is open
}
