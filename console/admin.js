// admin.js - administration: bridges (add with the extended settings, the
// cluster members, slots, tickets with what to do about each), users, API
// tokens and the audit log. Owns: those pages. Does not own: any check (the API's 400
// names the field; it is shown next to that field).
import { api, query } from "./api.js";
import { h, field, showError, show, loading, formatDateTime, toast } from "./dom.js";
import { currentUser } from "./app.js";
import { reloadOnEvents } from "./events.js";

// What to do about each kind of ticket (docs/api.md, "Tickets").
const TICKET_ADVICE = {
  "Blank System Name": "Give the bridge a name (its settings).",
  "Dial Number Configuration Error": "Set the domain, first numeric ID and number of slots.",
  Unreachable: "Check the address, the network and the certificate settings.",
  "Authentication failed": "Set the CMS API user name and password again.",
  "Slot provisioning failed": "Read the message; free the conflicting IDs, then refresh.",
  Failover: "The main address failed: check that node; meetings still start elsewhere.",
  "Database lost": "Restore convened.db and restart convened.",
};

// Runs the POST/PATCH of a FORM: body from BUILD, then AFTER; errors next
// to the field they name.
function submitWith(form, build, after) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const answer = await build();
      showError(form, { message: "" });
      form.reset();
      await after(answer);
    } catch (error) {
      showError(form, error);
    } finally {
      button.disabled = false;
    }
  });
}

function optionalNumber(value) {
  return value === "" ? undefined : Number(value);
}

function bridgeForm(reload) {
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "add-bridge" },
    h("h2", { id: "add-bridge" }, "Add a bridge"),
    h("div", { class: "row" },
      field("API address", "address", { required: true, placeholder: "https://cms1:445" }),
      field("Name", "name", {})),
    h("div", { class: "row" },
      field("API user", "username", { required: true, autocomplete: "off" }),
      field("API password", "password", { type: "password", required: true,
        autocomplete: "new-password" })),
    h("div", { class: "row" },
      field("SIP domain", "domain", {}),
      field("First numeric ID", "numericIdBase", { type: "number", min: 0 }),
      field("Number of slots", "numericIdQuantity", { type: "number", min: 1 })),
    h("div", { class: "row" },
      field("Alternate address", "alternateAddress", {}),
      field("Pinned certificate (file or sha256//…)", "pinnedCertificate", {}),
      field("Verify TLS", "tlsVerify", {}, "select", [["true", "Yes"], ["false", "No (lab)"]])),
    h("div", { class: "error form-error", role: "alert" }),
    h("button", { type: "submit" }, "Add bridge"));
  submitWith(form, () => {
    const e = form.elements;
    const body = { address: e.address.value, username: e.username.value,
      password: e.password.value, tlsVerify: e.tlsVerify.value === "true" };
    for (const name of ["name", "domain", "alternateAddress", "pinnedCertificate"])
      if (e[name].value) body[name] = e[name].value;
    for (const name of ["numericIdBase", "numericIdQuantity"])
      body[name] = optionalNumber(e[name].value);
    return api("POST", "/bridges", body);
  }, async () => {
    toast("Bridge added");
    await reload();
  });
  return form;
}

function bridgeCard(bridge) {
  const tickets = bridge.tickets || [];
  return h("section", { class: "card", "aria-label": bridge.name || bridge.address },
    h("h2", {}, bridge.name || bridge.address),
    h("p", {}, `${bridge.address} · `, h("span", { class: `state state-${bridge.reachable
      ? "live" : "failed"}` }, bridge.reachable ? "reachable" : "not reachable"),
      ` · slots ${bridge.slots ? `${bridge.slots.provisioned}/${bridge.slots.total}` : "-"}` +
      ` · provisioning ${bridge.provisioning} · version ${bridge.softwareVersion || "?"}`),
    bridge.cluster && bridge.cluster.length ? h("p", {}, "Cluster: ",
      bridge.cluster.map((m) => `${m.name} (${m.address})${m.added ? " ← this one" : ""}`)
        .join(", ")) : null,
    tickets.length ? h("ul", {}, ...tickets.map((t) => h("li", {},
      h("strong", {}, t.kind), `: ${t.message} `,
      h("span", { class: "hint" }, `— ${TICKET_ADVICE[t.kind] || ""} (since ` +
        `${formatDateTime(t.opened)})`)))) : h("p", { class: "hint" }, "No tickets."));
}

export async function bridgesPage() {
  const list = h("div", {}, loading());
  const reload = async () => {
    const bridges = await api("GET", "/bridges");
    list.replaceChildren(...(bridges.length ? bridges.map(bridgeCard)
      : [h("p", {}, "No bridges yet.")]));
  };
  show("Bridges", currentUser().role === "admin" ? bridgeForm(reload) : "", list);
  await reload();
  // Tickets opened or closed show without a reload (else every 30 s).
  reloadOnEvents(location.pathname, ["ticket."], () => reload().catch(() => {}), 500, 30000);
}

export async function usersPage() {
  const body = h("tbody", {});
  const reload = async () => {
    const { users } = await api("GET", "/users");
    body.replaceChildren(...users.map((u) => h("tr", {}, h("td", {}, u.name),
      h("td", {}, u.fullName || ""), h("td", {}, u.email || ""), h("td", {}, u.role))));
  };
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "add-user" },
    h("h2", { id: "add-user" }, "Add a user"),
    h("div", { class: "row" }, field("Name", "name", { required: true, autocomplete: "off" }),
      field("Full name", "fullName", {}), field("E-mail", "email", { type: "email" })),
    h("div", { class: "row" }, field("Role", "role", {}, "select",
      [["booker", "Booker"], ["operator", "Operator"], ["admin", "Admin"]]),
    field("Password", "password", { type: "password", autocomplete: "new-password" })),
    h("div", { class: "error form-error", role: "alert" }),
    h("button", { type: "submit" }, "Add user"));
  submitWith(form, () => {
    const e = form.elements;
    const user = { name: e.name.value, role: e.role.value, password: e.password.value };
    if (e.fullName.value) user.fullName = e.fullName.value;
    if (e.email.value) user.email = e.email.value;
    return api("POST", "/users", user);
  }, async () => {
    toast("User added");
    await reload();
  });
  show("Users", form, h("table", {}, h("thead", {}, h("tr", {},
    ...["Name", "Full name", "E-mail", "Role"].map((t) => h("th", { scope: "col" }, t)))), body));
  await reload();
}

export async function tokensPage() {
  const body = h("tbody", {});
  const secret = h("div", { "aria-live": "polite" });
  const reload = async () => {
    const answer = await api("GET", "/tokens");
    const tokens = answer.tokens || answer;
    body.replaceChildren(...tokens.map((t) => {
      const revoke = h("button", { type: "button", class: "danger",
        "aria-label": `Revoke ${t.name}` }, "Revoke");
      revoke.addEventListener("click", async () => {
        await api("DELETE", `/tokens/${t.id}`).catch((e) => toast(e.message));
        await reload();
      });
      return h("tr", {}, h("td", {}, t.name), h("td", {}, t.user || ""), h("td", {}, t.role),
        h("td", {}, formatDateTime(t.expires)), h("td", {}, revoke));
    }));
  };
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "new-token" },
    h("h2", { id: "new-token" }, "New API token"),
    h("div", { class: "row" }, field("Name", "name", { required: true }),
      field("Role", "role", {}, "select", [["", "My role"], ["booker", "Booker"],
        ["operator", "Operator"], ["admin", "Admin"]])),
    h("div", { class: "error form-error", role: "alert" }),
    h("button", { type: "submit" }, "Create token"));
  submitWith(form, () => {
    const e = form.elements;
    return api("POST", "/tokens", e.role.value ? { name: e.name.value, role: e.role.value }
      : { name: e.name.value });
  }, async (answer) => {
    secret.replaceChildren(h("p", {}, "The token (shown this once):"),
      h("pre", { class: "copy" }, answer.token));
    await reload();
  });
  show("API tokens", form, secret, h("table", {}, h("thead", {}, h("tr", {},
    ...["Name", "User", "Role", "Expires", ""].map((t) => h("th", { scope: "col" }, t)))),
  body));
  await reload();
}

// Shows an audit row's details (the request's members, secrets already
// masked by the API) as one line of text.
function detailsText(details) {
  if (!details || typeof details !== "object") return "";
  return Object.entries(details).map(([name, value]) =>
    `${name}: ${typeof value === "object" ? JSON.stringify(value) : value}`).join(", ");
}

export async function auditPage() {
  const body = h("tbody", {});
  const status = h("p", { class: "hint", role: "status" }, "Loading…");
  const form = h("form", { class: "card", novalidate: true, "aria-label": "Filter the audit log" },
    h("div", { class: "row" },
      field("User", "actor", { autocomplete: "off" }),
      field("Action (e.g. booking. or auth.signIn)", "action", { autocomplete: "off" }),
      field("At most", "limit", { type: "number", min: 1, max: 10000, value: 100 })),
    h("div", { class: "error form-error", role: "alert" }),
    h("button", { type: "submit" }, "Show"));
  const load = async () => {
    const e = form.elements;
    status.textContent = "Loading…";
    const { entries } = await api("GET", `/audit${query({ actor: e.actor.value.trim(),
      action: e.action.value.trim(), limit: e.limit.value })}`);
    body.replaceChildren(...entries.map((row) => h("tr", {},
      h("td", {}, formatDateTime(row.at)), h("td", {}, row.actor || ""),
      h("td", {}, row.address || ""), h("td", {}, row.action), h("td", {}, row.object || ""),
      h("td", {}, detailsText(row.details)))));
    const count = entries.length;
    status.textContent = `${count} ${count === 1 ? "entry" : "entries"}, newest first`;
    showError(form, { message: "" });
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load().catch((error) => showError(form, error));
  });
  show("Audit log", form, status, h("div", { class: "planner" }, h("table", {},
    h("thead", {}, h("tr", {}, ...["When", "User", "Address", "Action", "Object", "Details"]
      .map((t) => h("th", { scope: "col" }, t)))), body)));
  await load();
}
