// bench/console.mjs - times page loads of the web console in headless
// Chromium; started by bench/console.py (see there), which passes the
// daemon's address, the bridge, the day and the booking count.
import { createRequire } from "node:module";

// playwright-core is installed for the browser tests (tests/browser).
const require = createRequire(new URL("../tests/browser/package.json", import.meta.url));
const { chromium } = require("playwright-core");
const env = process.env;
const runs = Number(env.RUNS);

function summary(name, times) {
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`${name}: best ${sorted[0]} ms, median ${sorted[Math.floor(sorted.length / 2)]}` +
    ` ms, worst ${sorted[sorted.length - 1]} ms over ${runs} loads`);
}

const browser = await chromium.launch({ executablePath: env.CHROMIUM,
  args: ["--no-sandbox", "--disable-dev-shm-usage"] });
try {
  const context = await browser.newContext({ timezoneId: "UTC",
    viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${env.CONSOLE_URL}/`);
  await page.getByLabel("User name").fill("admin");
  await page.getByLabel("Password").fill(env.ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  const planner = [], meetings = [], apiTimes = [];
  for (let run = 0; run < runs; run++) {
    let started = Date.now();
    await page.goto(`${env.CONSOLE_URL}/planner?bridge=${env.BRIDGE_ID}&day=${env.DAY}`);
    await page.getByText(`${env.BOOKINGS} bookings on`).waitFor({ timeout: 60000 });
    planner.push(Date.now() - started);
    // The API's share: the GET /bookings requests of this load.
    const api = await page.evaluate(() => performance.getEntriesByType("resource")
      .filter((e) => e.name.includes("/api/v1/bookings"))
      .map((e) => Math.round(e.responseEnd - e.startTime)));
    apiTimes.push(api.reduce((a, b) => a + b, 0));
    const drawn = await page.locator(".planner-booking").count();
    if (drawn !== Number(env.BOOKINGS)) throw new Error(`planner drew ${drawn} bookings`);
    started = Date.now();
    await page.goto(`${env.CONSOLE_URL}/meetings`);
    await page.getByText(/of \d+ meetings/).waitFor({ timeout: 60000 });
    meetings.push(Date.now() - started);
  }
  summary(`planner, one day with ${env.BOOKINGS} bookings`, planner);
  summary("  of which GET /bookings (sum of its pages)", apiTimes);
  summary("meetings list (first page of 500)", meetings);
} finally {
  await browser.close();
}
