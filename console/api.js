// api.js - the console's only way to data: convened's JSON API under
// /api/v1 with the session cookie (HttpOnly, set by POST /session) and the
// CSRF token as X-CSRF-Token on every request that changes something.
// Owns: the request wrapper, the CSRF token (sessionStorage, so a reload
// keeps it for the tab), the error shape. Does not own: any page.

const CSRF_KEY = "convene.csrf";

export class ApiError extends Error {
  // status: the HTTP status; code, details: the API's error object.
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "";
    this.details = error.details || null;
    this.field = (error.details && error.details.field) || null;
  }
}

export function csrfToken() {
  return sessionStorage.getItem(CSRF_KEY);
}

// Sends METHOD PATH (under /api/v1) with an optional JSON BODY; resolves to
// the parsed answer (null for 204), rejects with ApiError.
export async function api(method, path, body) {
  // X-Requested-With: a 401 then comes without a Basic challenge, so the
  // browser shows no password dialog of its own (common/http_server.c).
  const headers = { Accept: "application/json", "X-Requested-With": "convene-console" };
  if (method !== "GET") {
    const token = csrfToken();
    if (token) headers["X-CSRF-Token"] = token;
  }
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = response.status === 204 ? "" : await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function signIn(user, password) {
  const answer = await api("POST", "/session", { user, password });
  sessionStorage.setItem(CSRF_KEY, answer.csrfToken);
  return answer;
}

export async function signOut() {
  try {
    await api("DELETE", "/session");
  } finally {
    sessionStorage.removeItem(CSRF_KEY);
  }
}

// A query string from an object, leaving out empty values.
export function query(parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters))
    if (value !== undefined && value !== null && value !== "") search.set(name, value);
  const text = search.toString();
  return text ? `?${text}` : "";
}
