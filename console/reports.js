// reports.js - the reports page (operators): utilisation per bridge and
// day, no-shows and failed starts from GET /reports/utilization|no-shows|
// failed-starts, each as a bar chart with the numbers in a table under it
// (the table is what a screen reader reads; the chart is for the eye).
// The bars are plain SVG drawn here: a few dozen rectangles do not need a
// chart library (docs/console.md says why).
// Owns: that page and its bar charts. Does not own: the figures (the API).
import { api, query } from "./api.js";
import { h, show, loading, formatDateTime } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const DAY_MS = 864e5;

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

// A bar chart of SERIES ([{name, class}]) over BARS ([{label, values:[n…]}]),
// described by TITLE for assistive technology (role="img").
function barChart(title, series, bars) {
  const width = Math.max(320, bars.length * (series.length * 14 + 10) + 40);
  const height = 180, bottom = 150, top = 12;
  const max = Math.max(1e-9, ...bars.flatMap((b) => b.values));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-label": title, class: "chart" });
  chart.append(svg("line", { x1: 30, x2: width, y1: bottom, y2: bottom, class: "axis" }),
    svg("text", { x: 0, y: top + 4, class: "tick" }, String(Math.round(max * 10) / 10)));
  bars.forEach((bar, i) => {
    const x0 = 34 + i * (series.length * 14 + 10);
    bar.values.forEach((value, j) => {
      // a value above 0 is at least 2 px, so it never looks like none
      const height = value > 0 ? Math.max(2, Math.round((value / max) * (bottom - top))) : 0;
      chart.append(svg("rect", { x: x0 + j * 14, y: bottom - height, width: 12, height,
        class: series[j].class }, svg("title", {}, `${bar.label}: ${value} ${series[j].name}`)));
    });
    if (bars.length <= 16 || i % Math.ceil(bars.length / 16) === 0)
      chart.append(svg("text", { x: x0, y: bottom + 14, class: "tick" }, bar.label));
  });
  const legend = h("p", { class: "legend" }, ...series.map((s) =>
    h("span", { class: `key ${s.class}` }, s.name)));
  return h("figure", {}, chart, legend);
}

function table(caption, columns, rows) {
  return h("details", {}, h("summary", {}, `${caption} (table)`),
    h("table", {}, h("caption", { class: "hint" }, caption),
      h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, String(c))))))));
}

function utilisation(report) {
  const byBridge = new Map();
  for (const row of report.rows.filter((r) => r.slot == null)) {
    if (!byBridge.has(row.bridgeName)) byBridge.set(row.bridgeName, []);
    byBridge.get(row.bridgeName).push(row);
  }
  const series = [{ name: "hours booked", class: "booked" }, { name: "hours used", class: "used" }];
  if (byBridge.size === 0) return [h("p", { class: "hint" }, "No bridge was used.")];
  return [...byBridge].map(([name, rows]) => h("section", { class: "report" },
    h("h3", {}, name),
    barChart(`${name}: hours booked and used per day`, series, rows.map((r) => ({
      label: r.start.slice(5, 10), values: [r.bookedHours, r.usedHours] }))),
    table(`${name} per day`, ["Day", "Booked hours", "Used hours", "Peak participants"],
      rows.map((r) => [r.start.slice(0, 10), r.bookedHours, r.usedHours,
        r.peakParticipants]))));
}

function counted(rows, key) {
  const counts = new Map();
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) || 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}

function noShows(report) {
  if (report.rows.length === 0) return [h("p", { class: "hint" }, "Nobody missed a meeting.")];
  const top = counted(report.rows, (r) => r.uri).slice(0, 12);
  return [barChart("Meetings missed per participant", [{ name: "meetings missed",
    class: "missed" }], top.map(([uri, n]) => ({ label: uri.split("@")[0], values: [n] }))),
  table("No-shows", ["Meeting", "Start", "Participant", "Nobody joined"],
    report.rows.map((r) => [r.title, formatDateTime(r.start), r.uri,
      r.nobodyJoined ? "yes" : "no"]))];
}

function failedStarts(report) {
  if (report.rows.length === 0) return [h("p", { class: "hint" }, "No meeting failed to start.")];
  const days = counted(report.rows, (r) => r.start.slice(0, 10)).sort((a, b) =>
    a[0].localeCompare(b[0]));
  return [barChart("Failed starts per day", [{ name: "failed starts", class: "missed" }],
    days.map(([day, n]) => ({ label: day.slice(5), values: [n] }))),
  table("Failed starts", ["Meeting", "Start", "Why"],
    report.rows.map((r) => [r.title, formatDateTime(r.start), r.failure || ""]))];
}

export async function reportsPage() {
  const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
  const iso = (d) => d.toISOString().slice(0, 10);
  const from = h("input", { id: "r-from", type: "date", value: iso(new Date(today - 13 * DAY_MS)) });
  const to = h("input", { id: "r-to", type: "date", value: iso(new Date(+today + DAY_MS)) });
  const out = h("div", {}, loading());
  const load = async () => {
    out.replaceChildren(loading());
    const range = query({ from: `${from.value}T00:00:00Z`, to: `${to.value}T00:00:00Z` });
    try {
      const [use, missed, failed] = await Promise.all(["utilization", "no-shows",
        "failed-starts"].map((name) => api("GET", `/reports/${name}${range}`)));
      out.replaceChildren(h("h2", {}, "Utilisation per bridge and day (UTC)"),
        ...utilisation(use), h("h2", {}, "No-shows"), ...noShows(missed),
        h("h2", {}, "Failed starts"), ...failedStarts(failed));
    } catch (error) {
      out.replaceChildren(h("p", { class: "error", role: "alert" }, error.message));
    }
  };
  const form = h("form", { class: "row" },
    h("div", { class: "field" }, h("label", { for: "r-from" }, "From (UTC day)"), from),
    h("div", { class: "field" }, h("label", { for: "r-to" }, "Until (UTC day, not included)"),
      to),
    h("button", { type: "submit" }, "Show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  show("Reports", form, out);
  await load();
}
