// After htmx swaps a check's answer in, give it focus and bring it into view: on a small
// phone the answer appears below the fold, and a screen reader should start reading it.
(function () {
  "use strict";
  var reducedMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
  document.addEventListener("htmx:afterSettle", function (event) {
    var slot = event.detail && event.detail.target;
    if (!slot || !slot.classList || !slot.classList.contains("answer-slot")) {
      return;
    }
    var answer = slot.querySelector("[data-answer], [role='alert']");
    if (!answer) {
      return;
    }
    if (!answer.hasAttribute("tabindex")) {
      answer.setAttribute("tabindex", "-1");
    }
    answer.focus({ preventScroll: true });
    answer.scrollIntoView({ behavior: reducedMotion && reducedMotion.matches ? "auto" : "smooth", block: "start" });
  });
})();
