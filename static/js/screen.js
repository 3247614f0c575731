/* The projector screen (phones never load it): the live part fits the screen, no scrolling. */
(function () {
  "use strict";

  // At the largest type (up to half as large again, when few questions leave room) that still
  // shows a few questions, the questions of highest data-rank are hidden until nothing overflows;
  // "+ N autres questions" says how many are not shown.
  var MIN_SHOWN = 3;
  function fitScreen() {
    var live = document.getElementById("screen-live");
    var main = live && live.closest(".screen-main");
    if (!main) return;
    var items = Array.prototype.slice.call(live.querySelectorAll(".screen-list li"));
    items.sort(function (a, b) { return Number(a.dataset.rank) - Number(b.dataset.rank); });
    var overflows = function () { return main.scrollHeight > main.clientHeight + 1; };
    var shown = items.length;
    for (var scale = 1.5; scale >= 0.5; scale -= 0.05) {
      main.style.setProperty("--screen-scale", scale.toFixed(2));
      items.forEach(function (li) { li.hidden = false; });
      shown = items.length;
      while (overflows() && shown > 0) {
        shown -= 1;
        items[shown].hidden = true;
      }
      if (!overflows() && shown >= Math.min(MIN_SHOWN, items.length)) break;
    }
    var more = live.querySelector(".screen-more");
    if (more) {
      var rest = Number(more.dataset.total) - shown;
      more.hidden = rest <= 0;
      more.textContent = rest === 1 ? more.dataset.one : more.dataset.many.replace("{n}", rest);
      // The line itself takes room: if it made the list overflow, one more question goes.
      while (overflows() && shown > 0) {
        shown -= 1;
        items[shown].hidden = true;
        rest += 1;
        more.textContent = rest === 1 ? more.dataset.one : more.dataset.many.replace("{n}", rest);
      }
    }
    live.setAttribute("data-fitted", "");
  }

  document.addEventListener("DOMContentLoaded", fitScreen);
  document.addEventListener("htmx:load", fitScreen);
  // Fit as soon as new content is in, before the browser paints it: the screen never shows an
  // overflowing list, even for the settle delay before htmx:load.
  document.addEventListener("htmx:afterSwap", fitScreen);
  window.addEventListener("resize", fitScreen);
})();
