// tickets.mjs - the bridges page follows the bridges' tickets as they open
// and clear, without a reload (the events stream). Started by
// test_console_tickets.py, which polls the bridge every second and stops
// and starts it when this script asks.
import { env, URL, check, waitFor, accessible, capture, signIn, ask, run } from "./browser.mjs";

// The page would poll every 30 s if the stream failed; each change here
// must show well before that.
const EVENT_MS = 15000;

await run(async (browser) => {
  const page = await signIn(browser, "admin", env.ADMIN_PASSWORD);
  await page.goto(`${URL}/admin/bridges`);
  const card = page.getByRole("region", { name: "cms1" });
  await card.getByText("No tickets.").waitFor();
  check(await card.getByText("reachable", { exact: true }).isVisible(),
    "the bridge is reachable and has no tickets");
  // A reload of the page (or a new one) would lose this mark.
  await page.evaluate(() => (window.sameDocument = true));
  await ask("stop-bridge");
  await card.getByText("Unreachable", { exact: true }).waitFor({ timeout: EVENT_MS });
  check(await card.getByText("Check the address, the network and the certificate settings.",
    { exact: false }).isVisible(), "the Unreachable ticket shows with what to do about it");
  check(await card.getByText("not reachable", { exact: true }).isVisible(),
    "the bridge is shown not reachable");
  await accessible(page, "bridges (a ticket open)");
  await capture(page, "bridges-ticket");
  await ask("start-bridge");
  await card.getByText("No tickets.").waitFor({ timeout: EVENT_MS });
  check(await card.getByText("Unreachable", { exact: true }).count() === 0,
    "the ticket clears when the bridge answers again");
  check(await page.evaluate(() => window.sameDocument === true),
    "both changes came into the same page (no reload)");
  check(page.problems.length === 0, `no script errors ${page.problems.join("; ")}`);
  await page.context().close();
});
