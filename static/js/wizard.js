// The wizard's live figures and the indicator rows editor. The server computes every figure
// (the same rules as the saved table); this script only sends what is typed and shows the answer.
(function () {
  "use strict";

  const form = document.getElementById("step-form");
  if (!form) return;

  function at(object, path) {
    return path.split(".").reduce((value, key) => (value == null ? value : value[key]), object);
  }

  function visibleRows() {
    return Array.from(form.querySelectorAll("[data-row]")).filter((row) => !row.classList.contains("removed"));
  }

  // ---- indicator rows: add, remove, reorder, 二级 choices under their 一级
  const taxonomyNode = document.getElementById("taxonomy");
  const taxonomy = taxonomyNode ? JSON.parse(taxonomyNode.textContent) : null;

  function fillLevel2(row) {
    const level1 = row.querySelector("[data-level1]");
    const level2 = row.querySelector("[data-level2]");
    if (!taxonomy || !level1 || !level2) return;
    const current = level2.value || level2.dataset.selected;
    level2.replaceChildren(...(taxonomy[level1.value] || []).map((name) => new Option(name, name, false, name === current)));
  }

  function renumber() {
    visibleRows().forEach((row, index) => {
      const order = row.querySelector("[data-order]");
      if (order) order.value = index + 1;
    });
  }

  const rowsBody = form.querySelector("[data-rows]");
  if (rowsBody) {
    rowsBody.querySelectorAll("[data-row]").forEach(fillLevel2);
    renumber();
    const total = form.querySelector('input[name$="-TOTAL_FORMS"]');
    const template = document.getElementById("row-template");
    form.querySelector("[data-add-row]").addEventListener("click", () => {
      const index = Number(total.value);
      const html = template.innerHTML.replaceAll("__prefix__", String(index));
      const holder = document.createElement("tbody");
      holder.innerHTML = html.trim();
      const row = holder.firstElementChild;
      const last = visibleRows().at(-1);
      if (last) {
        // A new row usually belongs under the same 一级/二级 as the one above it.
        row.querySelector("[data-level1]").value = last.querySelector("[data-level1]").value;
        row.querySelector("[data-level2]").dataset.selected = last.querySelector("[data-level2]").value;
      }
      rowsBody.appendChild(row);
      total.value = index + 1;
      fillLevel2(row);
      renumber();
      row.querySelector('input[name$="-name"]').focus();
      schedule();
    });
    rowsBody.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      const row = button.closest("[data-row]");
      if (button.hasAttribute("data-remove")) {
        row.querySelector("[data-delete]").checked = true;
        row.classList.add("removed");
      } else if (button.dataset.move) {
        const rows = visibleRows();
        const index = rows.indexOf(row);
        const other = rows[button.dataset.move === "up" ? index - 1 : index + 1];
        if (!other) return;
        if (button.dataset.move === "up") other.before(row);
        else other.after(row);
      } else {
        return;
      }
      renumber();
      schedule();
    });
    rowsBody.addEventListener("change", (event) => {
      if (event.target.matches("[data-level1]")) fillLevel2(event.target.closest("[data-row]"));
    });
  }

  // ---- pasting a block of cells copied from Excel fills the inputs to the right and below
  form.addEventListener("paste", (event) => {
    const start = event.target;
    if (!(start instanceof HTMLInputElement) || !start.closest("tr")) return;
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\t\n]/.test(text.trim())) return;
    event.preventDefault();
    const lines = text.replace(/\r/g, "").replace(/\n$/, "").split("\n");
    let row = start.closest("tr");
    const column = Array.from(row.querySelectorAll("input[type=text]")).indexOf(start);
    for (const line of lines) {
      if (!row) break;
      const inputs = Array.from(row.querySelectorAll("input[type=text]")).slice(column);
      line.split("\t").forEach((value, index) => {
        if (inputs[index]) inputs[index].value = value.trim();
      });
      do {
        row = row.nextElementSibling;
      } while (row && (row.classList.contains("removed") || !row.querySelector("input[type=text]")));
    }
    schedule();
  });

  // ---- what the server said when the page was made: its refusals stay until that field changes
  form.querySelectorAll(".invalid-feedback").forEach((node) => {
    if (node.textContent.trim()) node.dataset.server = node.textContent.trim();
  });
  form.querySelectorAll(".is-invalid").forEach((input) => {
    input.dataset.serverInvalid = "1";
  });
  form.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.dataset || !input.dataset.serverInvalid) return;
    delete input.dataset.serverInvalid;
    const feedback = input.parentElement.querySelector(".invalid-feedback");
    if (feedback) delete feedback.dataset.server;
  });

  function showErrors(errors) {
    form.querySelectorAll(".invalid-feedback").forEach((node) => {
      const name = node.dataset.errorFor;
      const input = name ? form.querySelector(`[name="${name}"]`) : node.parentElement.querySelector("input, select, textarea");
      const message = (name && errors[name]) || node.dataset.server || "";
      node.textContent = message;
      if (input) {
        input.classList.toggle("is-invalid", Boolean(message) || Boolean(input.dataset.serverInvalid));
        describe(input, node.id, Boolean(message));
      }
    });
  }

  // A message under a field is read out with it: aria-describedby names the messages shown,
  // aria-invalid says there is an error (a refusal or a rule's error; a warning only informs).
  function describe(input, id, shown) {
    if (!id) return;
    const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter((token) => token && token !== id);
    if (shown) ids.push(id);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
    const invalid = input.classList.contains("is-invalid") || input.classList.contains("finding-error");
    if (invalid) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  // ---- findings of the rules: listed for this step, and marked on their inputs
  const findingsList = form.querySelector("[data-findings]");
  const findingsData = document.getElementById("findings-data");

  // The error count of every step in the step bar follows the live check.
  function countErrors(findings) {
    const counts = {};
    for (const finding of findings) {
      if (finding.severity === "error") counts[finding.step] = (counts[finding.step] || 0) + 1;
    }
    document.querySelectorAll("[data-step-errors]").forEach((badge) => {
      const count = counts[badge.dataset.stepErrors] || 0;
      badge.textContent = `错误 ${count}`;
      badge.title = `${count} 个错误`;
      badge.classList.toggle("d-none", count === 0);
    });
  }

  function showFindings(findings) {
    form.querySelectorAll(".finding-error, .finding-warning").forEach((input) => {
      input.classList.remove("finding-error", "finding-warning");
      input.removeAttribute("title");
    });
    form.querySelectorAll("[data-finding-for]").forEach((node) => {
      const input = form.querySelector(`[name="${node.dataset.findingFor}"]`);
      node.remove();
      if (input) describe(input, node.id, false);
    });
    const here = findings.filter((finding) => finding.step === form.dataset.step);
    const messages = new Map();
    for (const finding of here) {
      const input = finding.field && form.querySelector(`[name="${finding.field}"]`);
      if (!input) continue;
      if (!input.classList.contains("finding-error")) {
        input.classList.remove("finding-warning");
        input.classList.add(`finding-${finding.severity}`);
      }
      input.title = input.title ? `${input.title}\n${finding.message}` : finding.message;
      if (!messages.has(input)) messages.set(input, []);
      messages.get(input).push(finding);
    }
    for (const [input, found] of messages) {
      // Written under the field (after its own refusal), not said by the colour alone.
      const node = document.createElement("div");
      node.id = `${input.id || input.name}_findings`;
      node.dataset.findingFor = input.name;
      node.className = "finding-feedback small";
      for (const finding of found) {
        const line = document.createElement("div");
        line.className = `finding-${finding.severity}-text`;
        line.textContent = `${finding.severity === "error" ? "错误" : "提示"}：${finding.message}`;
        node.append(line);
      }
      const after = input.parentElement.querySelector(`.invalid-feedback[data-error-for="${input.name}"]`) || input;
      after.after(node);
      describe(input, node.id, true);
    }
    form.querySelectorAll("[aria-invalid]").forEach((input) => {
      if (!input.classList.contains("is-invalid") && !input.classList.contains("finding-error")) input.removeAttribute("aria-invalid");
    });
    countErrors(findings);
    if (!findingsList) return;
    findingsList.querySelectorAll("li[data-field]").forEach((item) => item.remove());
    const none = findingsList.querySelector("[data-no-findings]");
    for (const finding of here) {
      const item = document.createElement("li");
      item.className = "list-group-item small";
      item.dataset.field = finding.field;
      const badge = document.createElement("span");
      badge.className = `badge me-1 ${finding.severity === "error" ? "text-bg-danger" : "text-bg-warning"}`;
      badge.textContent = finding.severity === "error" ? "错误" : "提示";
      const link = document.createElement("a");
      link.href = finding.link;
      link.textContent = finding.message;
      item.append(badge, link);
      findingsList.insertBefore(item, none);
    }
  }
  if (findingsData) showFindings(JSON.parse(findingsData.textContent));

  // ---- live figures
  const url = form.dataset.liveUrl;
  let timer = null;
  let sequence = 0;

  function show(data) {
    form.parentElement.querySelectorAll("[data-live]").forEach((node) => {
      const value = at(data, node.dataset.live);
      if (value !== undefined) node.textContent = value === null || value === "" ? "—" : value;
    });
    const weight = document.querySelector('[data-live="weight_total"]');
    if (weight) weight.classList.toggle("text-danger", !data.weight_ok);
    const split = document.querySelector("[data-live-split]");
    if (split) {
      split.textContent = Object.entries(data.level1)
        .map(([names, pair]) => `${names} ${pair.actual}/${pair.expected}`)
        .join("　");
    }
    visibleRows().forEach((row, index) => {
      const result = data.rows[index];
      if (!result) return;
      row.querySelectorAll("[data-live-row]").forEach((node) => {
        const key = node.dataset.liveRow;
        let value = result[key];
        if (key === "met") value = value === true ? "是" : value === false ? "否" : "—";
        if (key === "target" && value) value = "识别为：" + value;
        node.textContent = value === null || value === "" ? (key === "target" ? "" : "—") : value;
      });
      const score = row.querySelector('input[name$="-score"]');
      if (score) score.classList.toggle("score-refused", score.value.trim() !== "" && !result.score_counts);
    });
    showErrors(data.errors);
    showFindings(data.findings);
  }

  async function refresh() {
    const mine = ++sequence;
    try {
      const response = await fetch(url, { method: "POST", body: new FormData(form), headers: { "X-Requested-With": "fetch" } });
      if (!response.ok || mine !== sequence || response.redirected) return;
      show(await response.json());
    } catch (error) {
      // The figures stay as they were; saving still works and recomputes everything.
    }
  }

  function schedule() {
    if (url) {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    }
    changed();
  }

  if (url) {
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    refresh();
  }

  // ---- nothing typed is lost: saved automatically, kept in the browser until saved
  const state = document.getElementById("autosave-state");
  if (!state) return;
  const version = form.querySelector('input[name="version"]');
  const key = form.dataset.draftKey;
  const notice = document.getElementById("restored-notice");
  const AUTOSAVE_DELAY = 2000;
  let dirty = false;
  let saving = null;
  let saveTimer = null;
  let submitting = false;
  let expired = false; // the session ended: saving waits for a new sign-in

  function values() {
    const entries = [];
    for (const [name, value] of new FormData(form)) {
      if (name !== "csrfmiddlewaretoken" && name !== "version" && typeof value === "string") entries.push([name, value]);
    }
    return entries;
  }

  function setState(text, tone) {
    state.textContent = text;
    state.className = `small ${tone ? "text-" + tone : "text-muted"}`;
  }

  function remember() {
    try {
      localStorage.setItem(key, JSON.stringify({ version: version.value, values: values(), at: Date.now() }));
    } catch (error) {
      // A full or disabled storage only loses the backup, not the page.
    }
  }

  function forget() {
    try {
      localStorage.removeItem(key);
    } catch (error) {
      // nothing kept
    }
  }

  function changed() {
    if (!version) return;
    dirty = true;
    remember();
    if (expired) return;
    setState("有未保存的修改", "secondary");
    clearTimeout(saveTimer);
    saveTimer = setTimeout(autosave, AUTOSAVE_DELAY);
  }

  function loginLink() {
    const next = encodeURIComponent(window.location.pathname);
    return `${form.dataset.loginUrl}?next=${next}`;
  }

  function autosave() {
    clearTimeout(saveTimer);
    if (!dirty || submitting || expired) return saving;
    if (saving) {
      saveTimer = setTimeout(autosave, 500);
      return saving;
    }
    saving = send().finally(() => {
      saving = null;
    });
    return saving;
  }

  async function send() {
    dirty = false;
    setState("正在保存…", "secondary");
    const body = new FormData(form);
    body.append("autosave", "1");
    const sent = JSON.stringify(values());
    try {
      const response = await fetch(form.action || window.location.href, { method: "POST", body, headers: { "X-Requested-With": "fetch" } });
      const type = response.headers.get("Content-Type") || "";
      if (response.redirected || !type.includes("json")) {
        // The session ended: the sign-in page answered instead of the step.
        dirty = true;
        expired = true;
        state.replaceChildren("登录已过期，修改已暂存在本机浏览器中。");
        state.className = "small text-danger";
        const link = document.createElement("a");
        link.href = loginLink();
        link.textContent = "重新登录";
        // What she typed is in the browser's storage: going to sign in needs no warning.
        link.addEventListener("click", () => {
          submitting = true;
        });
        state.append(link, "后回到此页，内容会自动恢复。");
        return;
      }
      const data = await response.json();
      if (!data.saved) {
        dirty = true;
        setState(data.message, response.status === 422 ? "warning" : "danger");
        return;
      }
      version.value = data.version;
      for (const [prefix, id] of Object.entries(data.ids || {})) {
        const input = form.querySelector(`[name="${prefix}-id"]`);
        if (input) input.value = id;
      }
      for (const prefix of data.removed || []) {
        const input = form.querySelector(`[name="${prefix}-id"]`);
        if (input) input.value = "";
      }
      if (JSON.stringify(values()) === sent && !dirty) forget();
      else remember();
      setState(`已自动保存 ${data.saved_at}`, "success");
    } catch (error) {
      dirty = true;
      setState("网络中断：修改已暂存在本机浏览器中，网络恢复后自动保存。", "danger");
    }
  }

  form.addEventListener("focusout", (event) => {
    // Leaving a field saves, unless it is for one of the buttons that save anyway.
    const next = event.relatedTarget;
    if (next && next.type === "submit") return;
    if (dirty) autosave();
  });
  window.addEventListener("online", () => {
    if (dirty) autosave();
  });
  form.addEventListener("submit", async (event) => {
    clearTimeout(saveTimer);
    if (saving && !submitting) {
      // An automatic save is on its way: send the buttons' save after it, with its version.
      event.preventDefault();
      const submitter = event.submitter;
      await saving;
      submitting = true;
      form.requestSubmit(submitter);
      return;
    }
    submitting = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if ((dirty || saving) && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // ---- a backup left by a save that never arrived (session ended, network down) comes back
  function restore() {
    let stored = null;
    try {
      stored = JSON.parse(localStorage.getItem(key) || "null");
    } catch (error) {
      return;
    }
    if (!stored || !Array.isArray(stored.values)) return;
    if (JSON.stringify(stored.values) === JSON.stringify(values())) {
      forget();
      return;
    }
    if (String(stored.version) !== String(version.value)) {
      // The table was saved since (here or by someone else): the backup is not newer.
      notice.textContent = "本机浏览器中暂存的修改早于表中已保存的内容，未恢复。";
      notice.classList.remove("d-none");
      forget();
      return;
    }
    const total = form.querySelector('input[name$="-TOTAL_FORMS"]');
    const wanted = stored.values.find(([name]) => name.endsWith("-TOTAL_FORMS"));
    const addButton = form.querySelector("[data-add-row]");
    if (total && wanted && addButton) {
      while (Number(total.value) < Number(wanted[1])) addButton.click();
    }
    for (const [name, value] of stored.values) {
      const input = form.querySelector(`[name="${name}"]`);
      if (!input || name.endsWith("_FORMS")) continue;
      if (input.type === "checkbox") {
        input.checked = value === "on";
        if (input.matches("[data-delete]") && input.checked) input.closest("[data-row]").classList.add("removed");
      } else {
        input.value = value;
      }
    }
    form.querySelectorAll("[data-row]").forEach(fillLevel2);
    for (const [name, value] of stored.values) {
      const input = form.querySelector(`select[name="${name}"]`);
      if (input) input.value = value;
    }
    notice.textContent = "已恢复您上次在本机填写但尚未保存的内容；将自动保存。";
    notice.classList.remove("d-none");
    schedule();
  }
  if (version) restore();
})();
