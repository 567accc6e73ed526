// browser.mjs - what every browser test script shares: launching Debian's
// chromium through playwright-core, signing in through the console's form,
// checks that print what they checked, waiting for a condition, axe-core on
// a page, screenshots, and the run that prints the page's text on failure.
// Owns: those helpers. Does not own: any test's steps (console.mjs,
// directory.mjs, tickets.mjs) nor the daemons (the test_*.py starting them).
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const env = process.env;
export const URL = env.CONSOLE_URL;
export const ZONE = "Europe/Berlin"; // the browser's zone; the console shows times in it
const SHOTS = env.SCREENSHOTS;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

export function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
  console.log(`ok   ${what}`);
}

// Polls CONDITION (async) until truthy; fails naming WHAT after TIMEOUT ms.
export async function waitFor(condition, what, timeout = 20000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// "YYYY-MM-DDTHH:MM:SS" of DATE in the browser's zone (datetime-local),
// without ":00" seconds: Chromium drops them, which Playwright's fill
// refuses as a malformed value.
export function local(date) {
  return new Intl.DateTimeFormat("sv-SE", { timeZone: ZONE, year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
    .format(date).replace(" ", "T").replace(/T(\d\d:\d\d):00$/, "T$1");
}

// axe-core on the current page: no serious or critical violation.
export async function accessible(page, name) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const found = await window.axe.run(document, { resultTypes: ["violations"] });
    return found.violations.filter((v) => ["serious", "critical"].includes(v.impact))
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  check(result.length === 0, `axe: no serious violations on ${name} ${result.join("; ")}`);
}

// A screenshot of the visible part of PAGE as docs/screenshots/NAME.png
// (or under $SCREENSHOTS when the test runner moves them).
export async function capture(page, name) {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: false });
}

// The test's answers on standard input (browser_run.py), one line each.
let answers = null;

// Asks the test's Python side to do ACTION to the daemons (stop a bridge…)
// and waits until it is done; fails when it could not be.
export async function ask(action) {
  if (!answers) {
    answers = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
    process.stdin.unref(); // the script ends when its steps do, not at the end of input
  }
  console.log(`@@ ${action}`);
  const { value } = await answers.next();
  check(value === "done", `the test did "${action}" ${value === "done" ? "" : value}`);
}

// The page of the last sign-in: on a failure its text is printed.
let current = null;

// A fresh browser context (its own cookies) in ZONE with OPTIONS (a
// viewport, hasTouch…), its page watched for script errors.
export async function openPage(browser, options = {}) {
  const context = await browser.newContext({ timezoneId: ZONE, locale: "en-GB",
    viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const problems = [];
  // Refused API calls the test makes on purpose show as "Failed to load
  // resource"; anything else logged as an error is a fault of the console.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load")
    && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(String(e)));
  page.problems = problems;
  current = page;
  return page;
}

// Fills and sends the sign-in form of PAGE (already on the console).
export async function submitSignIn(page, user, password) {
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

// A fresh context signed in as USER (OPTIONS as for openPage).
export async function signIn(browser, user, password, options = {}) {
  const page = await openPage(browser, options);
  await page.goto(`${URL}/`);
  await submitSignIn(page, user, password);
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  return page;
}

// Launches Chromium, runs STEPS(browser) and sets a failing exit status
// (with the last page's text and script errors) when a step throws.
export async function run(steps) {
  const browser = await chromium.launch({ executablePath: env.CHROMIUM,
    args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  try {
    await steps(browser);
  } catch (error) {
    console.error(`FAIL ${error.stack || error}`);
    if (current && !current.isClosed()) {
      console.error(`page ${current.url()}:\n${await current.locator("body").innerText()}`);
      console.error(`script errors: ${current.problems.join("; ")}`);
    }
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
