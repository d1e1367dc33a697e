/* Progressive enhancement: a Copy button beside each shortened hash ([data-copy]).
   Without script (or clipboard access) the full value is still there, in its <details>. */
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll("[data-copy]").forEach(function (box) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button small secondary copy";
    button.textContent = box.dataset.copyLabel;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(box.dataset.copy).then(function () {
        button.textContent = box.dataset.copiedLabel;
      });
    });
    box.appendChild(button);
  });
})();
