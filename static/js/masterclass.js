/* masterclass: small enhancements on top of htmx (no inline script: our CSP forbids it). */
(function () {
  "use strict";

  // Live fragments: poll conditionally (If-None-Match), only while the page is visible,
  // and never while someone is typing inside the fragment.
  var etags = {};
  function pollKey(detail) {
    return (detail.elt.id || "") + "|" + detail.elt.getAttribute("hx-get");
  }
  function isPoll(elt) { return elt && elt.hasAttribute && elt.hasAttribute("data-poll"); }
  function busyInside(elt) {
    var active = document.activeElement;
    var typing = active && elt.contains(active) && /^(TEXTAREA|INPUT|SELECT)$/.test(active.tagName);
    return typing || !!elt.querySelector("details[open]");
  }

  // A [data-poll] element only ever requests itself by polling or on "questions-changed".
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (isPoll(elt) && (document.visibilityState === "hidden" || busyInside(elt))) {
      evt.preventDefault();
    }
  });
  document.addEventListener("htmx:configRequest", function (evt) {
    if (!isPoll(evt.detail.elt)) return;
    var etag = etags[pollKey(evt.detail)];
    if (etag) evt.detail.headers["If-None-Match"] = etag;
  });
  // beforeSwap, not afterRequest: an outerHTML swap detaches the element, and events on a
  // detached element never reach the document.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (!isPoll(evt.detail.elt) || !xhr) return;
    var etag = xhr.getResponseHeader("ETag");
    if (etag && xhr.status === 200) etags[pollKey(evt.detail)] = etag;
  });
  // A sent question changes only its asker's view (and the moderators'): forget the ETags
  // so the next poll, triggered right away by "questions-changed", fetches the list whole.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-ask-form") && evt.detail.xhr.status === 200) {
      etags = {};
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && window.htmx) {
      document.querySelectorAll("[data-poll]").forEach(function (elt) { htmx.trigger(elt, "questions-changed"); });
      htmx.trigger(document.body, "questions-changed");
    }
  });

  // The question form: a live character count, and a kept text with a retry on network failure.
  function setupCounters(root) {
    root.querySelectorAll("[data-counter]").forEach(function (field) {
      var counter = document.getElementById(field.getAttribute("data-counter"));
      if (!counter) return;
      var count = counter.querySelector("[data-count]");
      var update = function () { count.textContent = field.value.trim().length; };
      counter.hidden = false;
      field.addEventListener("input", update);
      update();
    });
  }
  function showSendError(evt, visible) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("[data-ask-form]");
    if (!form) return;
    var box = form.querySelector("[data-send-error]");
    if (box) box.hidden = !visible;
  }
  document.addEventListener("htmx:sendError", function (evt) { showSendError(evt, true); });
  document.addEventListener("htmx:timeout", function (evt) { showSendError(evt, true); });
  document.addEventListener("htmx:beforeSend", function (evt) { showSendError(evt, false); });

  document.addEventListener("DOMContentLoaded", function () { setupCounters(document); });
  document.addEventListener("htmx:load", function (evt) { setupCounters(evt.detail.elt); });
})();
