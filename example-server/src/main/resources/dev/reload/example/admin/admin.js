// The admin page of the example server. It polls GET /plugins and GET /reloads once a second and
// updates the tables in place; the buttons call the admin endpoints with the token typed into the
// page, sent only as "Authorization: Bearer" (never in a URL or a cookie, never stored).
// Every value from the server reaches the page through textContent or an attribute, never as HTML.
'use strict';

(() => {
  const POLL_MILLIS = 1000;
  const TIMELINE_ROWS = 50;
  const ACTIONS = [
    { action: 'reload', label: 'Reload', method: 'POST', suffix: '/reload' },
    { action: 'rollback', label: 'Rollback', method: 'POST', suffix: '/rollback' },
    { action: 'remove', label: 'Remove', method: 'DELETE', suffix: '' },
  ];
  const OUTCOMES = new Set(['swapped', 'rolled_back', 'failed', 'added', 'removed']);

  const $ = (id) => document.getElementById(id);
  /** Plugin name -> its row's cells, so a poll updates text without replacing the buttons. */
  const pluginRows = new Map();
  /** The id of the newest timeline record shown. */
  let newestRecord = 0;
  let pollTimer = null;
  /** Whether a refresh runs, and whether another was asked for meanwhile. */
  let polling = false;
  let pollAgain = false;

  function cell(row, className, text) {
    const td = document.createElement('td');
    td.className = className;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function setText(td, text) {
    if (td.textContent !== text) {
      td.textContent = text;
    }
  }

  function showMessage(text, isError) {
    const message = $('message');
    message.textContent = text;
    message.classList.toggle('error', isError);
    message.hidden = false;
  }

  function setStatus(text, down) {
    const status = $('status');
    status.textContent = text;
    status.classList.toggle('down', down);
  }

  async function getJson(path) {
    const response = await fetch(path, { cache: 'no-store', credentials: 'omit' });
    if (!response.ok) {
      throw new Error(`GET ${path}: ${response.status} ${(await response.text()).trim()}`);
    }
    return response.json();
  }

  // ---- plugins ----

  function newPluginRow(name) {
    const row = document.createElement('tr');
    row.dataset.plugin = name;
    const cells = {
      name: cell(row, 'name mono', name),
      generation: cell(row, 'generation number', ''),
      state: cell(row, 'state', ''),
      stateful: cell(row, 'stateful', ''),
      sha256: cell(row, 'sha256 mono', ''),
      loadedAt: cell(row, 'loaded-at', ''),
      resident: cell(row, 'resident number', ''),
      failure: cell(row, 'failure', ''),
    };
    const actions = cell(row, 'actions', '');
    for (const spec of ACTIONS) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = spec.action + (spec.action === 'remove' ? ' danger' : '');
      button.textContent = spec.label;
      button.addEventListener('click', () => act(name, spec, row));
      actions.appendChild(button);
    }
    return { row, cells };
  }

  function renderPlugins(plugins) {
    const tbody = $('plugins').tBodies[0];
    const seen = new Set();
    plugins.forEach((plugin, index) => {
      seen.add(plugin.name);
      let entry = pluginRows.get(plugin.name);
      if (!entry) {
        entry = newPluginRow(plugin.name);
        pluginRows.set(plugin.name, entry);
      }
      const c = entry.cells;
      setText(c.generation, String(plugin.generation));
      setText(c.state, plugin.state);
      setText(c.stateful, plugin.stateful ? 'yes' : 'no');
      setText(c.sha256, plugin.sha256.slice(0, 12));
      c.sha256.title = plugin.sha256;
      setText(c.loadedAt, new Date(plugin.loadedAt).toLocaleString());
      c.loadedAt.title = plugin.loadedAt;
      setText(c.resident, String(plugin.residentVersions));
      c.resident.classList.toggle('leak', plugin.residentVersions > 0);
      c.resident.title = plugin.residentVersions > 0
        ? 'unloaded versions the OS still keeps mapped: see the server log' : '';
      setText(c.failure, plugin.lastFailure === null ? '—' : plugin.lastFailure);
      if (tbody.children[index] !== entry.row) {
        tbody.insertBefore(entry.row, tbody.children[index] || null);
      }
    });
    for (const [name, entry] of pluginRows) {
      if (!seen.has(name)) {
        entry.row.remove();
        pluginRows.delete(name);
      }
    }
  }

  // ---- timeline ----

  function generations(record) {
    if (record.kind === 'add') {
      return `→ ${record.to}`;
    }
    if (record.kind === 'remove') {
      return `${record.from} →`;
    }
    return record.outcome === 'failed' ? `${record.from} (kept)` : `${record.from} → ${record.to}`;
  }

  function millis(value) {
    return value === null ? '—' : `${value.toFixed(3)} ms`;
  }

  function callerPause(record) {
    if (record.gatedMillis !== null) {
      return millis(record.gatedMillis);
    }
    return record.kind === 'reload' || record.kind === 'rollback' ? 'not gated' : '—';
  }

  function timelineRow(record, fresh) {
    const row = document.createElement('tr');
    row.dataset.id = String(record.id);
    row.dataset.plugin = record.plugin;
    row.className = 'outcome-' + (OUTCOMES.has(record.outcome) ? record.outcome : 'other')
      + (fresh ? ' fresh' : '');
    cell(row, 'at', new Date(record.at).toLocaleTimeString()).title = record.at;
    cell(row, 'plugin mono', record.plugin);
    cell(row, 'kind', record.kind);
    cell(row, 'generations number', generations(record));
    cell(row, 'outcome', record.outcome);
    cell(row, 'duration number', millis(record.millis));
    cell(row, 'gated number', callerPause(record));
    cell(row, 'reason', record.reason === null ? '' : record.reason);
    return row;
  }

  function renderTimeline(records) {
    const tbody = $('timeline').tBodies[0];
    const newest = records.length === 0 ? 0 : records[0].id;
    if (newest < newestRecord) {
      // The server restarted: its ids started again.
      tbody.replaceChildren();
      newestRecord = 0;
    }
    const fresh = newestRecord > 0;
    for (const record of records.filter((r) => r.id > newestRecord).reverse()) {
      tbody.insertBefore(timelineRow(record, fresh), tbody.firstChild);
    }
    newestRecord = Math.max(newestRecord, newest);
    while (tbody.children.length > TIMELINE_ROWS) {
      tbody.lastChild.remove();
    }
    $('timeline-empty').hidden = tbody.children.length > 0;
  }

  // ---- polling ----

  async function refresh() {
    try {
      const [plugins, reloads] = await Promise.all([getJson('/plugins'), getJson('/reloads')]);
      renderPlugins(plugins);
      renderTimeline(reloads);
      setStatus(`live · updated ${new Date().toLocaleTimeString()}`, false);
    } catch (e) {
      setStatus(`server unreachable (${e.message}); retrying`, true);
    }
  }

  /** Refreshes now, then every POLL_MILLIS; called while a refresh runs, refreshes once more after it. */
  async function poll() {
    clearTimeout(pollTimer);
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = true;
    try {
      await refresh();
    } finally {
      polling = false;
    }
    if (pollAgain) {
      pollAgain = false;
      poll();
    } else {
      pollTimer = setTimeout(poll, POLL_MILLIS);
    }
  }

  // ---- admin actions ----

  function describeAnswer(spec, name, response, text) {
    if (response.status === 204) {
      return `${spec.action} ${name}: done (${response.status})`;
    }
    try {
      const answer = JSON.parse(text);
      const parts = [`${spec.action} ${name}: ${answer.outcome}`,
        `generation ${answer.generation}`, `${answer.millis} ms`];
      if (answer.reason) {
        parts.push(answer.reason);
      }
      return parts.join(', ');
    } catch (e) {
      return `${spec.action} ${name}: ${response.status} ${text.trim()}`;
    }
  }

  async function act(name, spec, row) {
    const token = $('token').value;
    if (token === '') {
      showMessage(`${spec.action} ${name}: type the admin token first`, true);
      $('token').focus();
      return;
    }
    if (spec.action === 'remove'
        && !window.confirm(`Remove plugin ${name}? Its state is lost; adding it back starts afresh.`)) {
      return;
    }
    const buttons = row.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    showMessage(`${spec.action} ${name}: waiting for the server…`, false);
    try {
      const response = await fetch('/plugins/' + encodeURIComponent(name) + spec.suffix, {
        method: spec.method,
        headers: { Authorization: 'Bearer ' + token },
        cache: 'no-store',
        credentials: 'omit',
      });
      const text = await response.text();
      if (response.ok) {
        showMessage(describeAnswer(spec, name, response, text), false);
      } else if (response.status === 409) {
        showMessage(describeAnswer(spec, name, response, text), true);
      } else {
        showMessage(`${spec.action} ${name} refused by the server: ${response.status}`
          + ` ${response.statusText} — ${text.trim()}`, true);
      }
    } catch (e) {
      showMessage(`${spec.action} ${name}: the server did not answer (${e.message})`, true);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      poll();
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('token-form').addEventListener('submit', (event) => event.preventDefault());
    poll();
  });
})();
