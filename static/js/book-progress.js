// The book page asks for the build's progress every second until it is done or failed; a book
// stuck in the queue is asked about every five seconds, so the page notices a restarted worker.
(() => {
  const section = document.getElementById("book-status");
  if (!section) return;
  const field = (name) => section.querySelector(`[data-field="${name}"]`);
  const finished = (status) => status === "done" || status === "failed";
  // The page's policy allows no style attributes: the bar's width is set here.
  field("bar").style.width = `${field("bar").dataset.percent}%`;

  function show(data) {
    field("status_label").textContent = data.status_label;
    field("counts").textContent = data.total ? `已排版 ${data.done} / ${data.total} 张` : "";
    const bar = field("bar");
    bar.style.width = `${data.percent}%`;
    bar.textContent = `${data.percent}%`;
    bar.parentElement.setAttribute("aria-valuenow", data.percent);
    if (finished(data.status)) bar.classList.remove("progress-bar-striped", "progress-bar-animated");
    const error = field("error");
    error.textContent = data.error;
    error.classList.toggle("d-none", !data.error);
    const download = field("download");
    if (data.download_url) download.href = data.download_url;
    download.classList.toggle("d-none", data.status !== "done");
    const stuck = field("stuck");
    stuck.textContent = data.stuck_message;
    stuck.classList.toggle("d-none", !data.stuck);
    bar.classList.toggle("progress-bar-animated", !data.stuck && !finished(data.status));
    const hint = field("queued-hint");
    if (hint) hint.classList.toggle("d-none", data.status !== "queued" || data.stuck);
    section.dataset.status = data.status;
    section.dataset.stuck = data.stuck ? "1" : "";
  }

  async function poll() {
    try {
      const response = await fetch(section.dataset.progressUrl, { headers: { Accept: "application/json" } });
      if (response.ok) show(await response.json());
    } catch (error) {
      // The server is restarting or the network blinked: try again on the next tick.
    }
    if (!finished(section.dataset.status)) setTimeout(poll, section.dataset.stuck ? 5000 : 1000);
  }

  if (!finished(section.dataset.status)) setTimeout(poll, 500);
})();
