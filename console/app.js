// app.js - the console's entry: who is signed in, the navigation each role
// sees, and the client-side routes (History API; convened answers
// index.html for any path that does not look like a file).
// Owns: routing and the sign-in page. Does not own: the other pages
// (planner.js, booking_form.js, meetings.js, admin.js, reports.js).
import { api, signIn, signOut, csrfToken } from "./api.js";
import { h, field, showError, show } from "./dom.js";
import { plannerPage } from "./planner.js";
import { bookingFormPage } from "./booking_form.js";
import { meetingsPage, meetingPage } from "./meetings.js";
import { bridgesPage, usersPage, tokensPage, auditPage } from "./admin.js";
import { reportsPage } from "./reports.js";

// Role ranks: what the API allows a role, the console shows (the API
// still enforces it).
const RANK = { booker: 0, operator: 1, admin: 2 };

const state = { me: null };

// [path pattern, label in the menu or null, lowest role, page function]
const ROUTES = [
  [/^\/planner$/, "Planner", "operator", plannerPage],
  [/^\/book$/, "Book", "booker", bookingFormPage],
  [/^\/meetings$/, "Meetings", "booker", meetingsPage],
  [/^\/meetings\/([^/]+)$/, null, "booker", meetingPage],
  [/^\/admin\/bridges$/, "Bridges", "operator", bridgesPage],
  [/^\/reports$/, "Reports", "operator", reportsPage],
  [/^\/admin\/users$/, "Users", "admin", usersPage],
  [/^\/admin\/audit$/, "Audit", "admin", auditPage],
  [/^\/tokens$/, "Tokens", "booker", tokensPage],
];

export function navigate(path) {
  history.pushState(null, "", path);
  route();
}

export function currentUser() {
  return state.me;
}

function allowed(role) {
  return state.me && RANK[state.me.actingRole || state.me.role] >= RANK[role];
}

function home() {
  return allowed("operator") ? "/planner" : "/meetings";
}

function drawChrome() {
  const nav = document.getElementById("nav");
  const who = document.getElementById("who");
  if (!state.me) {
    nav.replaceChildren();
    who.replaceChildren();
    return;
  }
  nav.replaceChildren(...ROUTES.filter(([, label, role]) => label && allowed(role)).map(
    ([pattern, label]) => {
      const path = pattern.source.replace(/^\^\\|\$$/g, "").replace(/\\\//g, "/");
      const link = h("a", { href: path }, label);
      if (location.pathname === path) link.setAttribute("aria-current", "page");
      return link;
    }));
  who.replaceChildren(h("span", {}, `${state.me.name} (${state.me.role})`),
    h("button", { class: "secondary", type: "button", onclick: onSignOut }, "Sign out"));
}

async function onSignOut() {
  await signOut().catch(() => {});
  state.me = null;
  navigate("/signin");
}

function signInPage() {
  const form = h("form", { class: "card", novalidate: true },
    field("User name", "user", { autocomplete: "username", required: true }),
    field("Password", "password", { type: "password", autocomplete: "current-password",
      required: true }),
    h("div", { class: "error form-error", role: "alert" }),
    h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await signIn(form.elements.user.value, form.elements.password.value);
      state.me = await api("GET", "/me");
      navigate(home());
    } catch (error) {
      // A refused name or password is said under the password (the API
      // does not tell which was wrong, for local and directory accounts
      // alike); anything else (the directory down: 503) under the form.
      showError(form, error.status === 401
        ? { field: "password", message: "Wrong user name or password." } : error);
    } finally {
      button.disabled = false;
    }
  });
  show("Sign in", h("p", { class: "hint" },
    "Your Convene account (local or directory)."), form);
  form.elements.user.focus();
}

async function route() {
  if (!state.me && csrfToken()) {
    try {
      state.me = await api("GET", "/me");
    } catch {
      state.me = null;
    }
  }
  const path = location.pathname;
  drawChrome();
  if (!state.me) return signInPage();
  if (path === "/" || path === "/signin") return navigate(home());
  for (const [pattern, , role, page] of ROUTES) {
    const match = path.match(pattern);
    if (!match) continue;
    if (!allowed(role)) break;
    try {
      return await page(...match.slice(1));
    } catch (error) {
      if (error.status === 401) {
        state.me = null;
        return route();
      }
      return show("Something went wrong", h("p", { class: "error", role: "alert" },
        error.message));
    }
  }
  show("Not found", h("p", {}, "This page does not exist or is not for your role. "),
    h("a", { href: home() }, "Go to the start page"));
}

// Links inside the console stay in the page (no reload).
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='/']");
  if (!link || link.target || event.ctrlKey || event.metaKey || link.hasAttribute("download"))
    return;
  if (link.getAttribute("href").startsWith("/api/")) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", route);
route();
