// Clicking a cell of the official table chooses it as the place of a new comment.
(function () {
  "use strict";
  const select = document.getElementById("comment-target");
  if (!select) return;
  document.querySelectorAll(".official [data-target]").forEach((cell) => {
    cell.classList.add("commentable");
    cell.addEventListener("click", () => {
      if (![...select.options].some((option) => option.value === cell.dataset.target)) return;
      select.value = cell.dataset.target;
      document.querySelectorAll(".official .chosen").forEach((node) => node.classList.remove("chosen"));
      cell.classList.add("chosen");
      select.closest("form").querySelector("textarea").focus();
    });
  });
})();
