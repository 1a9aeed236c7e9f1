// The sample app's web page: a thin client of the REST API. The token and the chosen account
// live in localStorage; every tenant request names its account with X-Account-Id.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = {
  token: localStorage.getItem("token"),
  username: localStorage.getItem("username"),
  accountId: localStorage.getItem("accountId"),
  accounts: [],
  managers: [],
  projectId: null,
};

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (state.accountId) headers["X-Account-Id"] = state.accountId;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    if (res.status === 401 && state.token) logout();
    throw new ApiError(res.status, data);
  }
  return data;
}

// Runs an action; a failure is shown on the message line.
const guard = (action) => async (...args) => {
  try {
    await action(...args);
  } catch (e) {
    say(e.message);
  }
};

function say(text, ok = false) {
  const m = $("#message");
  m.textContent = text;
  m.className = ok ? "ok" : "";
  m.hidden = !text;
}

function show(view) {
  for (const id of ["auth-view", "account-view", "tenant-view"]) {
    $(`#${id}`).hidden = id !== view;
  }
  $("#session").hidden = view === "auth-view";
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  const { dataset, ...rest } = props;
  Object.assign(e, rest);
  Object.assign(e.dataset, dataset || {});
  for (const c of children) e.append(c);
  return e;
}

function fill(list, items, render, emptyText) {
  list.replaceChildren(...(items.length ? items.map(render) : [el("li", { className: "empty", textContent: emptyText })]));
}

// Sign-in

async function login(username, password) {
  const { token } = await api("POST", "/api/token", { username, password });
  state.token = token;
  state.username = username;
  localStorage.setItem("token", token);
  localStorage.setItem("username", username);
  await start();
}

function logout() {
  state.token = state.username = state.accountId = null;
  state.projectId = null;
  localStorage.clear();
  show("auth-view");
}

$("#login-form").addEventListener("submit", guard(async (ev) => {
  ev.preventDefault();
  await login($("#login-username").value.trim(), $("#login-password").value);
  say("");
}));

$("#signup-form").addEventListener("submit", guard(async (ev) => {
  ev.preventDefault();
  const username = $("#signup-username").value.trim();
  const password = $("#signup-password").value;
  await api("POST", "/api/users", { username, password });
  await login(username, password);
  say(`Welcome, ${username}!`, true);
}));

$("#logout").addEventListener("click", logout);

// Accounts

async function loadAccounts() {
  const page = await api("GET", "/api/accounts");
  state.accounts = page.items;
  const select = $("#account-select");
  select.replaceChildren(...state.accounts.map((a) => el("option", { value: String(a.id), textContent: a.name })));
  if (!state.accounts.some((a) => String(a.id) === state.accountId)) {
    state.accountId = state.accounts.length ? String(state.accounts[0].id) : null;
  }
  if (state.accountId) {
    localStorage.setItem("accountId", state.accountId);
    select.value = state.accountId;
  } else {
    localStorage.removeItem("accountId");
  }
}

async function showAccountForm(first) {
  const countries = await api("GET", "/api/countries");
  $("#account-country").replaceChildren(
    ...countries.items.map((c) => el("option", { value: String(c.id), textContent: c.name })),
  );
  $("#no-account-hint").hidden = !first;
  $("#account-cancel").hidden = first;
  show("account-view");
}

$("#account-form").addEventListener("submit", guard(async (ev) => {
  ev.preventDefault();
  const account = await api("POST", "/api/accounts", {
    name: $("#account-name").value.trim(),
    domain: $("#account-domain").value.trim(),
    subdomain: $("#account-subdomain").value.trim(),
    country_id: Number($("#account-country").value),
  });
  state.accountId = String(account.id);
  localStorage.setItem("accountId", state.accountId);
  ev.target.reset();
  await start();
  say(`Account ${account.name} created.`, true);
}));

$("#account-cancel").addEventListener("click", () => show("tenant-view"));
$("#new-account").addEventListener("click", () => showAccountForm(false).catch((e) => say(e.message)));

$("#account-select").addEventListener("change", async (ev) => {
  state.accountId = ev.target.value;
  state.projectId = null;
  localStorage.setItem("accountId", state.accountId);
  await loadTenant().catch((e) => say(e.message));
});

// Projects and managers of the current account

async function loadTenant() {
  const [projects, managers] = await Promise.all([
    api("GET", "/api/projects?order=name&limit=1000"),
    api("GET", "/api/managers?order=name&limit=1000"),
  ]);
  state.managers = managers.items;
  if (!projects.items.some((p) => p.id === state.projectId)) state.projectId = null;
  // Past the router's count limit the total is a lower bound ("total_exact": false).
  const more = projects.total_exact === false ? "+" : "";
  $("#project-count").textContent = `(${projects.total}${more})`;
  fill($("#project-list"), projects.items, (p) =>
    el("li", { className: p.id === state.projectId ? "selected" : "", dataset: { id: p.id } },
      el("span", { className: "project-name grow", textContent: p.name, onclick: () => openProject(p.id) }),
      el("button", { className: "danger", title: "Delete project", textContent: "✕", onclick: () => deleteProject(p) }),
    ), "No projects yet.");
  fill($("#manager-list"), managers.items, (m) =>
    el("li", { dataset: { id: m.id } },
      el("span", { className: "manager-name grow", textContent: m.name }),
      el("button", { className: "danger", title: "Delete manager", textContent: "✕", onclick: () => deleteManager(m) }),
    ), "No managers yet.");
  await loadProject();
}

const deleteProject = guard(async (p) => {
  if (!confirm(`Delete project "${p.name}" and its tasks?`)) return;
  await api("DELETE", `/api/projects/${p.id}`);
  await loadTenant();
});

const deleteManager = guard(async (m) => {
  await api("DELETE", `/api/managers/${m.id}`);
  await loadTenant();
});

$("#project-form").addEventListener("submit", guard(async (ev) => {
  ev.preventDefault();
  const p = await api("POST", "/api/projects", { name: $("#project-name").value.trim() });
  ev.target.reset();
  state.projectId = p.id;
  await loadTenant();
}));

$("#manager-form").addEventListener("submit", guard(async (ev) => {
  ev.preventDefault();
  await api("POST", "/api/managers", { name: $("#manager-name").value.trim() });
  ev.target.reset();
  await loadTenant();
}));

// One project: tasks and assigned managers

async function openProject(id) {
  state.projectId = id;
  for (const li of document.querySelectorAll("#project-list li")) {
    li.classList.toggle("selected", li.dataset.id === String(id));
  }
  await loadProject().catch((e) => say(e.message));
}

async function loadProject() {
  const detail = $("#project-detail");
  if (state.projectId === null) {
    detail.hidden = true;
    return;
  }
  const id = state.projectId;
  const [project, tasks, assigned] = await Promise.all([
    api("GET", `/api/projects/${id}`),
    api("GET", `/api/tasks?project_id=${id}&limit=1000`),
    api("GET", `/api/projects/${id}/managers`),
  ]);
  $("#detail-name").textContent = project.name;
  fill($("#task-list"), tasks.items, (t) =>
    el("li", { className: t.done ? "task-done" : "", dataset: { id: t.id } },
      el("input", { type: "checkbox", className: "task-done-box", checked: t.done, onchange: (ev) => tickTask(t, ev.target.checked) }),
      el("span", { className: "task-name grow", textContent: t.name }),
      el("button", { className: "danger", title: "Delete task", textContent: "✕", onclick: () => deleteTask(t) }),
    ), "No tasks yet.");
  fill($("#assigned-list"), assigned.items, (m) =>
    el("li", { dataset: { id: m.id } },
      el("span", { className: "grow", textContent: m.name }),
      el("button", { className: "danger", title: "Unassign", textContent: "✕", onclick: () => unassign(m) }),
    ), "Nobody assigned.");
  const free = state.managers.filter((m) => !assigned.items.some((a) => a.id === m.id));
  $("#assign-manager").replaceChildren(...free.map((m) => el("option", { value: String(m.id), textContent: m.name })));
  $("#assign-form").hidden = free.length === 0;
  detail.hidden = false;
}

const tickTask = guard(async (t, done) => {
  await api("PATCH", `/api/tasks/${t.id}`, { done });
  await loadProject();
});

const deleteTask = guard(async (t) => {
  await api("DELETE", `/api/tasks/${t.id}`);
  await loadProject();
});

const unassign = guard(async (m) => {
  await api("DELETE", `/api/projects/${state.projectId}/managers/${m.id}`);
  await loadProject();
});

$("#task-form").addEventListener("submit", guard(async (ev) => {
  ev.preventDefault();
  await api("POST", "/api/tasks", { project_id: state.projectId, name: $("#task-name").value.trim() });
  ev.target.reset();
  await loadProject();
}));

$("#assign-form").addEventListener("submit", guard(async (ev) => {
  ev.preventDefault();
  await api("POST", `/api/projects/${state.projectId}/managers`, { manager_id: Number($("#assign-manager").value) });
  await loadProject();
}));

// Start

async function start() {
  if (!state.token) {
    show("auth-view");
    return;
  }
  $("#whoami").textContent = state.username || "";
  await loadAccounts();
  if (!state.accountId) {
    await showAccountForm(true);
    return;
  }
  show("tenant-view");
  await loadTenant();
}

start().catch((e) => say(e.message));
