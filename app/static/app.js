// Ticking "vital" pre-selects every priority language (the server does the same when none is picked).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-selects-all]").forEach((box) => {
    const group = document.getElementById(box.dataset.selectsAll);
    if (!group) return;
    box.addEventListener("change", () => {
      if (box.checked) group.querySelectorAll("input[type=checkbox]").forEach((c) => { c.checked = true; });
    });
  });
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});

// While machine drafts are being made, refresh their progress without reloading the page.
document.addEventListener("DOMContentLoaded", () => {
  const table = document.querySelector("table.jobs[data-drafts-url]");
  if (!table) return;
  const url = table.dataset.draftsUrl;
  const busy = () => table.querySelector("td.draft progress") !== null;
  const render = (cell, job) => {
    cell.replaceChildren();
    const status = document.createElement("span");
    status.className = "draft-status";
    status.textContent = job.status_label;
    cell.append(status);
    if (job.status === "queued" || job.status === "running") {
      const bar = document.createElement("progress");
      bar.max = job.total || 1;
      bar.value = job.done;
      const count = document.createElement("span");
      count.className = "draft-count";
      count.textContent = ` ${job.done} / ${job.total}`;
      cell.append(" ", bar, count);
    } else if (job.download_url) {
      // Reload once so the finished row shows its link, engine and flags in the page's language.
      window.location.reload();
    } else if (job.reason) {
      const hint = document.createElement("span");
      hint.className = "hint";
      hint.textContent = ` ${job.reason}`;
      cell.append(hint);
    }
  };
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      for (const job of data.jobs) {
        const cell = table.querySelector(`td.draft[data-job="${job.job_id}"]`);
        if (cell && cell.querySelector("progress")) render(cell, job);
      }
      if (data.active) window.setTimeout(poll, 2000);
    } catch (err) {
      window.setTimeout(poll, 5000);
    }
  };
  if (busy()) window.setTimeout(poll, 2000);
});
