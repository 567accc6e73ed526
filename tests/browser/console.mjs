// console.mjs - drives convened's web console in headless Chromium
// (playwright-core with Debian's chromium; no browser download) and checks
// every page with axe-core. Started by test_console.py, which runs the
// daemons and passes their addresses in the environment. Exits non-zero on
// the first failed step, naming it.
import { env, URL, ZONE, check, waitFor, local, accessible, capture, openPage, signIn, run }
  from "./browser.mjs";

async function bridgeGet(path) {
  const auth = Buffer.from(`${env.BRIDGE_USER}:${env.BRIDGE_PASSWORD}`).toString("base64");
  const response = await fetch(`${env.BRIDGE_URL}/api/v1${path}`, {
    headers: { Authorization: `Basic ${auth}` } });
  return response.text();
}

// The bridge's call legs as {id, party} (GET /callLegs, its own API).
async function bridgeLegs() {
  const xml = await bridgeGet("/callLegs");
  return [...xml.matchAll(/<callLeg id="([^"]+)">[\s\S]*?<remoteParty>([^<]*)<\/remoteParty>/g)]
    .map((m) => ({ id: m[1], party: m[2] }));
}

async function legOf(party) {
  return (await bridgeLegs()).find((leg) => leg.party.includes(party));
}

async function signInPage(browser) {
  const page = await openPage(browser);
  const response = await page.goto(`${URL}/`);
  check(response.headers()["content-security-policy"].includes("default-src 'self'"),
    "the console is served with a strict CSP");
  await page.getByLabel("User name").waitFor();
  await accessible(page, "sign-in");
  await capture(page, "sign-in");
  await page.getByLabel("User name").fill("admin");
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("Wrong user name or password.").waitFor();
  check(true, "a wrong password is refused on the page");
  await page.context().close();
}

async function adminFlow(browser) {
  const page = await signIn(browser, "admin", env.ADMIN_PASSWORD);
  check(await page.getByRole("link", { name: "Users" }).isVisible(), "admin sees Users");
  // Planner: the bridge's slots; a free hour opens the booking form there.
  await page.getByRole("link", { name: "Planner" }).click();
  await page.getByText(/bookings? on 4 slots/).waitFor();
  await accessible(page, "planner");
  const hour = new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, hour: "2-digit",
    minute: "2-digit" }).format(new Date(Math.floor(Date.now() / 36e5) * 36e5));
  await page.getByRole("button", { name: `Book slot 8800 at ${hour}` }).click();
  await page.getByLabel("Title").waitFor();
  check(page.url().includes("/book?"), "a free hour in the planner opens the booking form");
  check((await page.locator("select[name=bridge]").inputValue()) === env.BRIDGE_ID,
    "the form is on the planner's bridge");
  // A daily meeting, three times, starting in a few seconds, with two
  // participants the bridge stand-in answers.
  const start = new Date(Date.now() + 4000);
  await page.getByLabel("Title").fill("Weekly sync");
  await page.getByLabel(/^Start/).fill(local(start));
  await page.getByLabel(/^End/).fill(local(new Date(start.getTime() + 10 * 60000)));
  await page.getByLabel("Repeats").selectOption("daily");
  await page.getByLabel("Times").fill("3");
  await page.locator("#repeat-preview li").first().waitFor();
  check((await page.locator("#repeat-preview li").count()) === 3,
    "the preview lists the three dates");
  await page.getByLabel(/^Participants/).fill("alice@video.example.com\nbob@video.example.com");
  await page.getByLabel(/^Passcode/).fill("4321");
  await accessible(page, "booking form");
  await page.getByRole("button", { name: "Book", exact: true }).click();
  await page.getByRole("heading", { name: "Booked" }).waitFor();
  const details = await page.locator("pre.copy").textContent();
  check(/Video address: 88\d\d@vc\.example\.com/.test(details) && details.includes("4321"),
    "the dial-in details are ready to copy");
  check(await page.getByText("3 occurrences booked.").isVisible(), "three occurrences booked");
  const ics = await page.getByRole("link", { name: "Calendar file (.ics)" }).getAttribute("href");
  const icsText = await page.evaluate(async (href) => (await fetch(href,
    { headers: { "X-Requested-With": "test" } })).text(), ics);
  check(icsText.includes("BEGIN:VCALENDAR") && icsText.includes("RRULE:FREQ=DAILY;COUNT=3"),
    "the .ics link serves the series");
  await capture(page, "booking-form");
  // The meeting goes live on the bridge with its participants.
  await page.getByRole("link", { name: "Open the meeting" }).click();
  await waitFor(async () => (await bridgeGet("/coSpaces")).includes("<name>Weekly sync</name>"),
    "the coSpace named after the meeting on the bridge");
  check(true, "the meeting is on the bridge (GET /coSpaces)");
  await page.locator(".state-live").first().waitFor({ timeout: 20000 });
  await waitFor(async () => (await page.locator("td .state-connected").count()) === 2,
    "both participants connected on the page");
  check(true, "the meeting page shows it live with both participants connected");
  // With the events stream the page does not poll: the participants' states
  // above came by events (GET /api/v1/events).
  await page.getByText("Changes show as they happen.").waitFor();
  check(true, "the meeting page follows the events stream");
  await accessible(page, "meeting (live)");
  await liveControls(page);
  await capture(page, "meeting-live");
  const endBefore = await page.locator("main p").first().textContent();
  await page.getByRole("button", { name: "Extend 15 min" }).click();
  await waitFor(async () => (await page.locator("main p").first().textContent()) !== endBefore,
    "the later end shown");
  check(true, "extended by 15 minutes without a reload");
  await page.getByRole("button", { name: "End now" }).click();
  await page.locator(".state-ended").first().waitFor({ timeout: 20000 });
  check(true, "ended from the page");
  await attendance(page);
  await cancelFollowing(page);
  // Meetings list, bridges, users, tokens.
  await page.getByRole("link", { name: "Meetings" }).click();
  await page.getByText(/of \d+ meetings/).waitFor();
  await accessible(page, "meetings");
  await capture(page, "meetings");
  await page.getByRole("link", { name: "Bridges" }).click();
  await page.getByRole("heading", { name: "cms1" }).waitFor();
  await accessible(page, "bridges");
  await capture(page, "bridges");
  await page.getByRole("button", { name: "Add bridge" }).click();
  await waitFor(async () => (await page.locator(".field[data-field=address] .error")
    .textContent()) !== "", "the error next to the address");
  check(true, "a refused bridge shows the error next to its field");
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByRole("cell", { name: "operator1", exact: true }).waitFor();
  await accessible(page, "users");
  await capture(page, "users");
  await page.getByRole("link", { name: "Audit" }).click();
  await page.getByRole("cell", { name: "booking.create" }).first().waitFor();
  check(await page.getByRole("cell", { name: "user.create" }).first().isVisible(),
    "the audit log lists the bookings and users made");
  await page.getByLabel(/^Action/).fill("bridge.");
  await page.getByRole("button", { name: "Show" }).click();
  await waitFor(async () => (await page.getByRole("cell", { name: "booking.create" }).count())
    === 0 && (await page.getByRole("cell", { name: "bridge.create" }).count()) > 0,
  "the audit log filtered to bridge.*");
  check(true, "the audit log filters by action prefix");
  await accessible(page, "audit");
  await capture(page, "audit");
  await page.getByRole("link", { name: "Tokens" }).click();
  await page.getByRole("heading", { name: "New API token" }).waitFor();
  await accessible(page, "tokens");
  await capture(page, "tokens");
  await fullSlots(page);
  // Reports: the meeting held today is a bar of booked and of used hours
  // (the used hours come from the bridge's call records).
  await page.getByRole("link", { name: "Reports" }).click();
  const chart = page.getByRole("img", { name: "cms1: hours booked and used per day" });
  await chart.waitFor();
  check(await chart.locator("rect.booked[height]:not([height='0'])").count() >= 1 &&
    await chart.locator("rect.used[height]:not([height='0'])").count() >= 1,
  "reports: today's hours booked and used drawn for cms1");
  await accessible(page, "reports");
  await capture(page, "reports");
  await page.goto(`${URL}/planner`);
  await page.getByText(/bookings? on 4 slots/).waitFor();
  await capture(page, "planner");
  // Dragging from 10:00 to 12:00 on a free slot opens the form for 10-13.
  await page.getByRole("button", { name: "Book slot 8801 at 10:00" }).dragTo(
    page.getByRole("button", { name: "Book slot 8801 at 12:00" }));
  await page.getByLabel("Title").waitFor();
  check((await page.getByLabel(/^Start/).inputValue()).endsWith("T10:00") &&
    (await page.getByLabel(/^End/).inputValue()).endsWith("T13:00"),
  "dragging across free hours opens the form for that stretch");
  await page.goto(`${URL}/planner`);
  await page.getByText(/bookings? on 4 slots/).waitFor();
  // The week view shows the four bookings three days ahead, one per slot.
  check(await page.locator("a.planner-booking", { hasText: /^Full \d$/ }).count() === 0,
    "the day view does not show the meetings three days ahead");
  await page.getByLabel("Show").selectOption("week");
  await waitFor(async () => (await page.locator("a.planner-booking",
    { hasText: /^Full \d$/ }).count()) === 4, "the week's four bookings drawn");
  check(page.url().includes("view=week"), "the week view: its four bookings on the 4 slots");
  // A booking made elsewhere (here: the API from the page's script) shows
  // by the events stream: the planner polls only every 30 s, this waits 15.
  const later = new Date(Math.ceil(Date.now() / 36e5) * 36e5 + 4 * 864e5);
  const status = await page.evaluate(async ([from, to]) => (await fetch("/api/v1/bookings", {
    method: "POST", headers: { "Content-Type": "application/json", "X-Requested-With": "test",
      "X-CSRF-Token": sessionStorage.getItem("convene.csrf") },
    body: JSON.stringify({ title: "Late addition", start: from, end: to }) })).status,
  [later.toISOString(), new Date(later.getTime() + 36e5).toISOString()]);
  check(status === 201, "a booking made while the planner is open");
  await page.locator("a.planner-booking", { hasText: "Late addition" }).waitFor({
    timeout: 15000 });
  check(true, "the planner shows it without a reload (the events stream)");
  await accessible(page, "planner (week)");
  await capture(page, "planner-week");
  check(page.problems.length === 0, `no script errors ${page.problems.join("; ")}`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("User name").waitFor();
  check((await page.evaluate(async () => (await fetch("/api/v1/me",
    { headers: { "X-Requested-With": "test" } })).status)) === 401,
    "signed out: the session is gone");
  await page.context().close();
}

// Mute one participant and drop another from the meeting page, checked on
// the bridge's own API; add a third; lock the call.
async function liveControls(page) {
  const alice = await waitFor(() => legOf("alice@video.example.com"), "alice's leg");
  await page.getByRole("button", { name: "Mute audio of alice@video.example.com" }).click();
  await waitFor(async () => (await bridgeGet(`/callLegs/${alice.id}`))
    .includes("<rxAudioMute>true</rxAudioMute>"), "alice muted on the bridge");
  check(true, "mute: the bridge takes no audio from alice (rxAudioMute)");
  await page.getByRole("button", { name: "Unmute audio of alice@video.example.com" }).waitFor();
  await page.getByRole("button", { name: "Drop bob@video.example.com" }).click();
  await waitFor(async () => !(await legOf("bob@video.example.com")), "bob's leg gone");
  check(true, "drop: bob's call leg is gone from the bridge");
  await page.locator('tr[data-uri="bob@video.example.com"] .state-dropped').waitFor();
  await page.getByLabel("Address to add").fill("carol@video.example.com");
  await page.getByRole("button", { name: "Add participant" }).click();
  await waitFor(() => legOf("carol@video.example.com"), "carol's leg on the bridge");
  check(true, "add: the bridge dials carol");
  await page.getByLabel("Address to add").fill("not an address");
  await page.getByRole("button", { name: "Add participant" }).click();
  await waitFor(async () => (await page.locator("#add-error").textContent()) !== "",
    "the error next to the address to add");
  check(true, "a refused address to add is said under its field");
  await page.getByLabel("Address to add").fill("");
  await page.getByRole("button", { name: "Lock", exact: true }).click();
  await page.getByRole("button", { name: "Unlock", exact: true }).waitFor();
  check(true, "lock: the page shows the call locked");
}

// After the end the bridge's call records give the attendance on the page.
async function attendance(page) {
  await page.locator("#attendance").waitFor({ timeout: 30000 });
  await waitFor(async () => {
    const text = await page.locator("#attendance").textContent();
    return text.includes("alice@video.example.com") && text.includes("bob@video.example.com")
      && text.includes("ended by the bridge");
  }, "alice's and bob's attendance with why they left", 30000);
  check(true, "attendance afterwards: who joined, when, how long, why they left");
  await accessible(page, "meeting (attendance)");
  await capture(page, "meeting-attendance");
}

// The series' second meeting, cancelled with "this and every later one"
// after a confirmation that says so: the second and third are cancelled,
// the first (held) stays.
async function cancelFollowing(page) {
  await page.getByRole("link", { name: "Meetings" }).click();
  await page.getByText(/of \d+ meetings/).waitFor();
  await page.getByRole("link", { name: "Weekly sync" }).nth(1).click();
  await page.getByRole("button", { name: "Cancel meeting…" }).click();
  const dialog = page.getByRole("dialog", { name: "Cancel meeting" });
  await dialog.waitFor();
  check((await dialog.textContent()).includes("Only the meeting of"),
    "the confirmation says only this meeting goes by default");
  await dialog.getByLabel("This meeting and every later one").check();
  check((await dialog.locator("#cancel-explain").textContent()).includes("every later meeting"),
    "the confirmation says this and every later meeting go");
  await accessible(page, "cancel confirmation");
  await capture(page, "meeting-cancel");
  await dialog.getByRole("button", { name: "Yes, cancel" }).click();
  await page.locator("main .state-cancelled").first().waitFor();
  const series = await page.evaluate(async () => (await (await fetch(
    `/api/v1/bookings?from=${new Date(Date.now() - 36e5).toISOString()}`,
    { headers: { "X-Requested-With": "test" } })).json()).bookings
    .filter((b) => b.title === "Weekly sync"));
  check(series.length === 3 && !series[0].cancelled && series[1].cancelled &&
    series[2].cancelled,
    `scope=following: the later meetings cancelled, the held one kept ${JSON.stringify(
      series.map((b) => [b.state, b.cancelled]))}`);
}

// The form says before saving that every slot of the bridge is taken at
// the chosen time (four bookings made through the API fill the 4 slots).
async function fullSlots(page) {
  const start = new Date(Math.ceil(Date.now() / 36e5) * 36e5 + 3 * 864e5);
  const end = new Date(start.getTime() + 36e5);
  const made = await page.evaluate(async ([from, to]) => {
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await fetch("/api/v1/bookings", { method: "POST",
        headers: { "Content-Type": "application/json", "X-Requested-With": "test",
          "X-CSRF-Token": sessionStorage.getItem("convene.csrf") },
        body: JSON.stringify({ title: `Full ${i}`, start: from, end: to }) })).status);
    return statuses;
  }, [start.toISOString(), end.toISOString()]);
  check(made.every((status) => status === 201), `four bookings fill the slots ${made}`);
  await page.goto(`${URL}/book?bridge=${env.BRIDGE_ID}`);
  await page.getByText(/of 4 slots on cms1 free/).waitFor();
  check(true, "the form says how many slots are free at the chosen time");
  await page.getByLabel(/^Start/).fill(local(start));
  await page.getByLabel(/^End/).fill(local(end));
  await page.getByText(/No free slot on cms1 at this time: all 4 are booked/).waitFor();
  check(true, "a full bridge is said next to the bridge field before saving");
}

// A free-time button's centre on PAGE, scrolled into view first.
async function centre(page, name) {
  const button = page.getByRole("button", { name });
  await button.scrollIntoViewIfNeeded();
  const box = await button.boundingBox();
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

// Touch input as a finger gives it (Chrome's own touch events through the
// DevTools protocol, so touch-action, scrolling and the pointer events
// they cause are the browser's): down at FROM, moved in steps, up at TO.
async function fingerDrag(page, from, to) {
  const cdp = await page.context().newCDPSession(page);
  const touch = (type, point) => cdp.send("Input.dispatchTouchEvent",
    { type, touchPoints: point ? [{ x: point.x, y: point.y }] : [] });
  await touch("touchStart", from);
  for (let step = 1; step <= 10; step++)
    await touch("touchMove", { x: from.x + ((to.x - from.x) * step) / 10,
      y: from.y + ((to.y - from.y) * step) / 10 });
  await touch("touchEnd", null);
  await cdp.detach();
}

// On a phone's touch screen: a tap on free time opens the form at that
// hour; a finger dragged across free hours books that stretch instead of
// scrolling the planner.
async function touchPlanner(browser) {
  const page = await signIn(browser, "operator1", env.USER_PASSWORD, {
    viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  await page.getByText(/bookings? on 4 slots/).waitFor();
  await accessible(page, "planner (phone, touch)");
  const tap = await centre(page, "Book slot 8803 at 10:00");
  await page.touchscreen.tap(tap.x, tap.y);
  await page.getByLabel("Title").waitFor();
  check((await page.getByLabel(/^Start/).inputValue()).endsWith("T10:00"),
    "a tap on free time opens the form at that hour (touch screen)");
  await page.goBack();
  await page.getByText(/bookings? on 4 slots/).waitFor();
  const from = await centre(page, "Book slot 8803 at 14:00");
  const to = await centre(page, "Book slot 8803 at 16:00");
  await fingerDrag(page, from, to);
  await page.getByLabel("Title").waitFor();
  check((await page.getByLabel(/^Start/).inputValue()).endsWith("T14:00") &&
    (await page.getByLabel(/^End/).inputValue()).endsWith("T17:00"),
  "a finger dragged from 14:00 to 16:00 opens the form for 14:00-17:00 (touch screen)");
  check(page.problems.length === 0, `no script errors ${page.problems.join("; ")}`);
  await page.context().close();
}

async function ownershipFlow(browser) {
  const password = env.USER_PASSWORD;
  const booker = await signIn(browser, "booker1", password, {
    viewport: { width: 390, height: 844 } });
  check(!(await booker.getByRole("link", { name: "Planner" }).isVisible()),
    "a booker is not shown the planner (bridges are for operators)");
  await booker.getByRole("link", { name: "Book", exact: true }).click();
  const start = new Date(Date.now() + 2 * 864e5);
  await booker.getByLabel("Title").fill("Booker one private");
  await booker.getByLabel(/^Start/).fill(local(start));
  await booker.getByLabel(/^End/).fill(local(new Date(start.getTime() + 36e5)));
  await booker.getByLabel("Title").fill("");
  await booker.getByRole("button", { name: "Book", exact: true }).click();
  await waitFor(async () => (await booker.locator(".field[data-field=title] .error")
    .textContent()) !== "", "the title error");
  check(true, "a missing title is reported next to the title");
  await booker.getByLabel("Title").fill("Booker one private");
  await booker.getByRole("button", { name: "Book", exact: true }).click();
  await booker.getByRole("heading", { name: "Booked" }).waitFor();
  const link = await booker.getByRole("link", { name: "Open the meeting" }).getAttribute("href");
  await capture(booker, "booking-phone");
  // On a phone the meeting page keeps its participants' Actions column
  // (other lists drop their later columns) and the add form.
  await booker.getByRole("link", { name: "Open the meeting" }).click();
  await booker.getByRole("button", { name: "Add participant" }).waitFor();
  check(await booker.getByRole("columnheader", { name: "Actions" }).isVisible(),
    "on a phone the meeting page keeps the live controls' column");
  await accessible(booker, "meeting (phone)");
  await booker.context().close();

  const other = await signIn(browser, "booker2", password);
  await other.getByText(/of \d+ meetings/).waitFor();
  check(!(await other.getByText("Booker one private").isVisible()),
    "another booker does not see the meeting in the list");
  await other.goto(`${URL}${link}`);
  await other.getByText("No such meeting (or not yours).").waitFor();
  check(true, "another booker cannot open the meeting");
  await other.context().close();

  const operator = await signIn(browser, "operator1", password);
  await operator.getByRole("link", { name: "Meetings" }).click();
  await operator.getByRole("link", { name: "Booker one private" }).waitFor();
  check(true, "an operator sees every meeting");
  check(!(await operator.getByRole("link", { name: "Users" }).isVisible()) &&
    !(await operator.getByRole("link", { name: "Audit" }).isVisible()),
    "an operator is not shown Users or Audit");
  await operator.goto(`${URL}${link}`);
  await operator.getByRole("heading", { name: "Booker one private" }).waitFor();
  check(true, "an operator opens another's meeting");
  await operator.context().close();
}

await run(async (browser) => {
  await signInPage(browser);
  await adminFlow(browser);
  await touchPlanner(browser);
  await ownershipFlow(browser);
});
