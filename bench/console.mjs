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
    await page.goto(`${env.CONSOLE_URL}/planner?bridge=${env.BRIDGE_ID}&day=${env.DAY}`);
    // The page marks the first frame after it has drawn the day; its time
    // counts from the start of the navigation.
    await page.waitForFunction(() => performance.getEntriesByName("convene:planner-drawn")
      .length > 0, null, { timeout: 60000 });
    planner.push(Math.round(await page.evaluate(() =>
      performance.getEntriesByName("convene:planner-drawn")[0].startTime)));
    await page.getByText(`${env.BOOKINGS} bookings on`).waitFor({ timeout: 60000 });
    // Until the page had every booking (scripts, sign-in check, bridges,
    // GET /bookings); the rest is drawing.
    apiTimes.push(Math.round(await page.evaluate(() =>
      performance.getEntriesByName("convene:planner-data")[0].startTime)));
    const drawn = await page.locator(".planner-booking").count();
    if (drawn !== Number(env.BOOKINGS)) throw new Error(`planner drew ${drawn} bookings`);
    const started = Date.now();
    await page.goto(`${env.CONSOLE_URL}/meetings`);
    await page.getByText(/of \d+ meetings/).waitFor({ timeout: 60000 });
    meetings.push(Date.now() - started);
  }
  summary(`planner, one day with ${env.BOOKINGS} bookings`, planner);
  summary("  of which until the page had every booking", apiTimes);
  summary("meetings list (first page of 500)", meetings);
} finally {
  await browser.close();
}
