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
