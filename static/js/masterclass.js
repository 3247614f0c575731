/* masterclass: small enhancements on top of htmx (no inline script: our CSP forbids it). */
(function () {
  "use strict";

  // Live fragments: poll conditionally (If-None-Match), only while the page is visible,
  // and never while someone is typing inside the fragment. The ETag the page came with is
  // the first one (data-etag); each 200 brings the next.
  var etags = {};
  function pollKey(elt) {
    return (elt.id || "") + "|" + elt.getAttribute("hx-get");
  }
  function isPoll(elt) { return elt && elt.hasAttribute && elt.hasAttribute("data-poll"); }
  function busyInside(elt) {
    // The moderator's desk merges updates around the rows being worked on (desk.js).
    if (elt.hasAttribute("data-desk")) return false;
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
    var elt = evt.detail.elt;
    if (!isPoll(elt) || evt.detail.path !== elt.getAttribute("hx-get")) return;
    var etag = etags[pollKey(elt)] || elt.getAttribute("data-etag");
    if (etag) evt.detail.headers["If-None-Match"] = etag;
  });
  // beforeSwap, not afterRequest: an outerHTML swap detaches the element, and events on a
  // detached element never reach the document.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (!isPoll(evt.detail.elt) || !xhr) return;
    var etag = xhr.getResponseHeader("ETag");
    if (etag && xhr.status === 200) etags[pollKey(evt.detail.elt)] = etag;
  });
  // A form marked data-keep-on-fault gets its answer to a fault of the server's disk or
  // database (503, 507: the form again, with what was typed and the reason) swapped in like
  // any refusal, instead of htmx leaving it unsaid.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    // The element that asked (the event itself fires on the target it would swap).
    var elt = (evt.detail.requestConfig && evt.detail.requestConfig.elt) || evt.detail.elt;
    if (!xhr || (xhr.status !== 503 && xhr.status !== 507)) return;
    if (elt && elt.closest && elt.closest("[data-keep-on-fault]")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && window.htmx) {
      document.querySelectorAll("[data-poll]").forEach(function (elt) { htmx.trigger(elt, "questions-changed"); });
      htmx.trigger(document.body, "questions-changed");
    }
  });

  // The question box follows the séance: when the live list says questions opened or closed,
  // the box shows the form or the closed notice, keeping whatever was typed.
  function syncAsk() {
    var live = document.getElementById("live");
    var ask = document.getElementById("ask");
    if (!live || !ask || live.dataset.open === undefined || live.dataset.open === ask.dataset.open) return;
    var isOpen = live.dataset.open === "1";
    ask.dataset.open = live.dataset.open;
    var notice = ask.querySelector("[data-closed-notice]");
    var form = ask.querySelector("[data-ask-form]");
    var message = ask.querySelector("[data-ask-message]");
    if (message) message.remove();  // said before the change; it may no longer hold
    if (!form) return;
    var typed = false;
    form.querySelectorAll("textarea, input[type=text]").forEach(function (field) {
      field.readOnly = !isOpen;
      if (field.tagName === "TEXTAREA" && field.value.trim()) typed = true;
    });
    form.querySelectorAll("button[type=submit]").forEach(function (button) { button.hidden = !isOpen; });
    form.hidden = !isOpen && !typed;
    if (notice) {
      notice.hidden = isOpen;
      var note = notice.querySelector("[data-kept-note]");
      if (note) note.hidden = !typed;
    }
  }

  // The question form: a live character count; while sending, only "sending" is said; on a
  // network failure the text stays with a retry message (and no earlier "thank you").
  function setupCounters(root) {
    root.querySelectorAll("[data-counter]").forEach(function (field) {
      var counter = document.getElementById(field.getAttribute("data-counter"));
      if (!counter || field.dataset.counted) return;
      field.dataset.counted = "1";
      var count = counter.querySelector("[data-count]");
      var hint = document.getElementById(field.id + "-aide");
      if (hint) hint.insertBefore(counter, hint.firstChild);  // floats at the end of the hint's line
      var update = function () { count.textContent = field.value.trim().length; };
      counter.hidden = false;
      field.addEventListener("input", update);
      update();
    });
  }
  function askForm(evt) {
    var elt = evt.detail.elt;
    return elt && elt.closest && elt.closest("[data-ask-form]");
  }
  function showSendError(evt, visible) {
    var form = askForm(evt);
    if (!form) return;
    var box = form.querySelector("[data-send-error]");
    if (box) box.hidden = !visible;
    if (visible) {
      var message = form.parentNode.querySelector("[data-ask-message]");
      if (message) message.remove();
    }
  }
  document.addEventListener("htmx:sendError", function (evt) { showSendError(evt, true); });
  document.addEventListener("htmx:timeout", function (evt) { showSendError(evt, true); });
  document.addEventListener("htmx:beforeSend", function (evt) {
    showSendError(evt, false);
    var form = askForm(evt);
    var message = form && form.parentNode.querySelector("[data-ask-message]");
    if (message) message.remove();
  });

  function enhance(root) {
    setupCounters(root);
    syncAsk();
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (evt) { enhance(evt.detail.elt); });
})();
