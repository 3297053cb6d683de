// The main menu is a <details> folded on a phone; on a wide screen there is room for it, so it
// is opened (and its "Menu" toggle hidden by CSS). Without scripts it opens with one tap.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 48rem)");
  function place() {
    document.querySelectorAll("details[data-nav-menu]").forEach(function (menu) {
      if (wide.matches) {
        menu.open = true;
      }
    });
  }
  document.addEventListener("DOMContentLoaded", place);
  document.addEventListener("htmx:afterSettle", place);
  if (wide.addEventListener) {
    wide.addEventListener("change", place);
  }
})();
