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

// Long uploads and downloads show their progress: the bytes sent, the server's work, the bytes
// received. Forms with data-progress and links with data-progress-download opt in; without
// JavaScript they work as plain forms and links.
document.addEventListener("DOMContentLoaded", () => {
  const megabytes = (n) => `${(n / 1048576).toFixed(1)} MB`;
  const statusAfter = (anchor) => {
    let box = anchor.nextElementSibling;
    if (!box || !box.classList.contains("transfer")) {
      box = document.createElement("p");
      box.className = "transfer";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      box.append(document.createElement("progress"), " ", document.createElement("span"));
      anchor.after(box);
    }
    return { bar: box.querySelector("progress"), text: box.querySelector("span") };
  };

  document.querySelectorAll("form[data-progress]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const { bar, text } = statusAfter(form);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) {
          bar.max = e.total;
          bar.value = e.loaded;
        }
        text.textContent = `${form.dataset.sending} ${megabytes(e.loaded)}`;
      });
      xhr.upload.addEventListener("load", () => {
        bar.removeAttribute("value"); // the server is working: an indeterminate bar
        text.textContent = form.dataset.working;
      });
      xhr.addEventListener("load", () => {
        // Show the answer (the report, or the errors) in place of the page's main content.
        const answer = new DOMParser().parseFromString(xhr.responseText, "text/html");
        const main = answer.querySelector("main");
        if (!main) {
          window.location.reload();
          return;
        }
        document.querySelector("main").replaceWith(main);
        document.title = answer.title;
        if (xhr.responseURL && xhr.responseURL !== window.location.href) {
          window.history.replaceState(null, "", xhr.responseURL);
        }
        const summary = document.getElementById("error-summary");
        (summary || main).focus();
      });
      xhr.addEventListener("error", () => form.submit());
      xhr.send(new FormData(form));
    });
  });

  document.querySelectorAll("a[data-progress-download]").forEach((link) => {
    link.addEventListener("click", async (event) => {
      if (!window.ReadableStream) return;
      event.preventDefault();
      const { bar, text } = statusAfter(link.parentElement);
      text.textContent = link.dataset.progressDownload;
      try {
        const response = await fetch(link.href);
        if (!response.ok || !response.body) throw new Error(String(response.status));
        const total = Number(response.headers.get("Content-Length")) || 0;
        if (total) bar.max = total;
        const reader = response.body.getReader();
        const chunks = [];
        let received = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          received += value.length;
          if (total) bar.value = received;
          text.textContent = `${link.dataset.progressDownload} ${megabytes(received)}`;
        }
        const disposition = response.headers.get("Content-Disposition") || "";
        const name = (/filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition) || [])[1];
        const url = URL.createObjectURL(new Blob(chunks, { type: response.headers.get("Content-Type") || "" }));
        const save = document.createElement("a");
        save.href = url;
        save.download = name ? decodeURIComponent(name) : "";
        document.body.append(save);
        save.click();
        save.remove();
        window.setTimeout(() => URL.revokeObjectURL(url), 10000);
        bar.max = 1;
        bar.value = 1;
        text.textContent = `${link.dataset.progressDone} ${megabytes(received)}`;
      } catch (err) {
        window.location.href = link.href; // let the browser download it the plain way
      }
    });
  });
});
