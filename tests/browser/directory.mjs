// directory.mjs - signing in to the console with directory (LDAP)
// accounts: the same form as local ones. Started by
// test_console_directory.py, which runs slapd and convened with its
// --ldap options; erin is in the group mapped to operator, frank in the one
// mapped to booker, gina in no mapped group.
import { env, URL, check, waitFor, accessible, capture, openPage, submitSignIn, signIn, ask,
  run } from "./browser.mjs";

// Signs USER in, checks the role the page names and the menu it gives,
// signs out.
async function signsInAs(browser, user, password, role) {
  const page = await signIn(browser, user, password);
  await page.getByText(`${user} (${role})`, { exact: true }).waitFor();
  check(true, `directory user ${user} signs in through the form as ${role}`);
  const planner = await page.getByRole("link", { name: "Planner" }).isVisible();
  check(planner === (role === "operator") &&
    !(await page.getByRole("link", { name: "Users" }).isVisible()),
  `${user} is shown the menu of a${role === "operator" ? "n" : ""} ${role}`);
  const me = await page.evaluate(async () => (await fetch("/api/v1/me",
    { headers: { "X-Requested-With": "test" } })).json());
  check(me.source === "ldap" && me.role === role, `the API agrees: ${JSON.stringify(me)}`);
  check(page.problems.length === 0, `no script errors ${page.problems.join("; ")}`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("User name").waitFor();
  await page.context().close();
}

// A refused sign-in: the error under the password field, which is marked
// invalid and focused; nothing signed in. (Waits for this sign-in's own
// answer: the error of an earlier one may still be on the page.)
async function refused(page, user, password) {
  const answered = page.waitForResponse((r) => r.url().endsWith("/api/v1/session"));
  await submitSignIn(page, user, password);
  check((await answered).status() === 401, `${user}: the API refuses the sign-in (401)`);
  const passwordField = page.getByLabel("Password");
  await waitFor(async () => (await page.locator(".field[data-field=password] .error")
    .textContent()) === "Wrong user name or password." &&
    (await passwordField.getAttribute("aria-invalid")) === "true" &&
    (await passwordField.evaluate((input) => input === document.activeElement)),
  `${user}: the error next to the password, the field marked invalid and focused`);
  check(true, `${user}: the error is next to the password, which is marked invalid and focused`);
  check(!(await page.getByRole("button", { name: "Sign out" }).isVisible()),
    `${user} is not signed in`);
}

await run(async (browser) => {
  await signsInAs(browser, "erin", env.ERIN_PASSWORD, "operator");
  await signsInAs(browser, "frank", env.FRANK_PASSWORD, "booker");
  const page = await openPage(browser);
  await page.goto(`${URL}/`);
  await refused(page, "erin", "not-erin-password");
  await accessible(page, "sign-in (wrong password)");
  await capture(page, "sign-in-error");
  // In the directory with the right password, but in no group that gives
  // a role: refused the same way.
  await refused(page, "gina", env.GINA_PASSWORD);
  // The directory down: its users get the API's message under the form.
  await ask("stop-directory");
  await submitSignIn(page, "frank", env.FRANK_PASSWORD);
  const formError = page.locator(".form-error");
  await waitFor(async () => (await formError.textContent()).includes("account directory cannot be reached"),
    "the directory's error under the form");
  check(true, `the directory down is said under the form: ${await formError.textContent()}`);
  await accessible(page, "sign-in (directory down)");
  check(page.problems.length === 0, `no script errors ${page.problems.join("; ")}`);
  await page.context().close();
});
