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
    });
    form.querySelectorAll("[data-error-for]").forEach((node) => {
      const input = form.querySelector(`[name="${node.dataset.errorFor}"]`);
      const message = data.errors[node.dataset.errorFor];
      node.textContent = message || "";
      if (input) input.classList.toggle("is-invalid", Boolean(message));
    });
  }

  async function refresh() {
    const mine = ++sequence;
    try {
      const response = await fetch(url, { method: "POST", body: new FormData(form), headers: { "X-Requested-With": "fetch" } });
      if (!response.ok || mine !== sequence) return;
      show(await response.json());
    } catch (error) {
      // The figures stay as they were; saving still works and recomputes everything.
    }
  }

  function schedule() {
    if (!url) return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  if (url) {
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    refresh();
  }
})();
