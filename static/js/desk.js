/* The moderator's desk (moderation queue): live updates merged row by row without disturbing
   what the moderator is doing, the batch selection, keyboard shortcuts. No inline script
   (CSP); htmx does the requests, this file only decides what of each answer goes in. */
(function () {
  "use strict";

  var sources = new WeakMap(); // row -> the HTML the server sent for it (to tell changed rows)

  // A row's HTML as far as the moderator can tell: CSRF tokens are signed anew for every
  // response, so they do not make a row "changed".
  function signature(row) { return row.outerHTML.replace(/name="csrf_token" value="[^"]*"/g, ""); }
  function rows(root) { return Array.prototype.slice.call(root.querySelectorAll("ol.queue-list > li[id]")); }
  function remember(root) { rows(root).forEach(function (row) { sources.set(row, signature(row)); }); }

  // A row someone is working on: focus inside it (not on the row itself), a form open, or
  // text typed and not saved. Such a row is never replaced or removed by an update.
  function busy(row) {
    var active = document.activeElement;
    if (active && active !== row && row.contains(active)) return true;
    if (row.querySelector("details[open]")) return true;
    var fields = row.querySelectorAll("textarea, input:not([type=hidden]):not([type=checkbox])");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value !== fields[i].defaultValue) return true;
    }
    return false;
  }

  function updateSelection() {
    var out = document.querySelector("[data-selected-count]");
    if (!out) return;
    var n = document.querySelectorAll("#queue .queue-check:checked").length;
    out.textContent = String(n);
  }

  function replaceChild(oldNode, newNode) {
    if (oldNode && newNode) {
      oldNode.replaceWith(newNode);
      if (window.htmx) htmx.process(newNode);
    }
  }

  // Merge the queue the server sent into the page. ``actor``: the row the request came from
  // (an action on it: that row takes the answer even while "busy"); ``keepChecks``: carry the
  // batch selection over to replaced rows (not after a batch action, which consumed it);
  // ``poll``: the queue's own update (not an answer to an action).
  function merge(current, incoming, actor, keepChecks, poll) {
    var active = document.activeElement;
    var activeId = active && active.id;
    var selection = active && typeof active.selectionStart === "number" ?
      [active.selectionStart, active.selectionEnd] : null;
    var anchor = rows(current).find(function (row) { return row.getBoundingClientRect().bottom > 0; });
    var anchorTop = anchor ? anchor.getBoundingClientRect().top : 0;

    // Everything but the list: tabs' counts, the counts line, the message.
    current.querySelectorAll("[data-count]").forEach(function (badge) {
      var fresh = incoming.querySelector('[data-count="' + badge.getAttribute("data-count") + '"]');
      if (fresh && fresh.textContent !== badge.textContent) badge.textContent = fresh.textContent;
    });
    var counts = current.querySelector(".queue-counts");
    var freshCounts = incoming.querySelector(".queue-counts");
    if (counts && freshCounts && counts.textContent !== freshCounts.textContent) {
      counts.innerHTML = freshCounts.innerHTML;
    }
    // What an action did stays said until the next action (polls say nothing).
    var message = current.querySelector("#file-message");
    var freshMessage = incoming.querySelector("#file-message");
    if (message && !freshMessage && !poll) message.remove();
    if (freshMessage) {
      if (message) replaceChild(message, freshMessage);
      else (counts || current.firstChild).after(freshMessage);
    }

    var list = current.querySelector("ol.queue-list");
    var freshList = incoming.querySelector("ol.queue-list");
    var empty = current.querySelector(":scope > p.empty");
    var oldRows = list ? rows(current) : [];
    var byId = {};
    oldRows.forEach(function (row, i) { byId[row.id] = {row: row, index: i}; });
    var sequence = [];
    var seen = {};
    (freshList ? rows(incoming) : []).forEach(function (fresh) {
      seen[fresh.id] = true;
      var old = byId[fresh.id];
      if (!old) { sequence.push({node: fresh, fresh: true}); return; }
      var mine = actor && old.row.contains(actor);
      if (!mine && (sources.get(old.row) === signature(fresh) || busy(old.row))) {
        sequence.push({node: old.row});
        return;
      }
      var check = old.row.querySelector(".queue-check");
      var freshCheck = fresh.querySelector(".queue-check");
      if (keepChecks && check && freshCheck && check.checked) freshCheck.checked = true;
      sequence.push({node: fresh, fresh: true, replaces: old.row});
    });
    // Rows gone from this tab stay while someone works on them.
    oldRows.forEach(function (row, i) {
      if (!seen[row.id] && busy(row) && !(actor && row.contains(actor))) {
        sequence.splice(Math.min(i, sequence.length), 0, {node: row});
      }
    });

    if (sequence.length && !list) {
      list = document.createElement("ol");
      list.className = "queue-list";
      if (empty) empty.replaceWith(list); else current.appendChild(list);
      empty = null;
    }
    if (list) {
      var keep = new Set(sequence.map(function (item) { return item.node; }));
      oldRows.forEach(function (row) { if (!keep.has(row)) row.remove(); });
      sequence.forEach(function (item, i) {
        if (list.children[i] !== item.node) list.insertBefore(item.node, list.children[i] || null);
        if (item.fresh) {
          sources.set(item.node, signature(item.node));
          if (window.htmx) htmx.process(item.node);
        }
      });
      if (!sequence.length) {
        var freshEmpty = incoming.querySelector(":scope > p.empty");
        if (freshEmpty) list.replaceWith(freshEmpty); else list.remove();
      }
    } else if (empty) {
      var newEmpty = incoming.querySelector(":scope > p.empty");
      if (newEmpty && newEmpty.textContent !== empty.textContent) empty.replaceWith(newEmpty);
    }

    // Focus and caret where they were; an acted-on button gone: its row, else the next one.
    if (active && active !== document.activeElement && active !== document.body) {
      var target = document.contains(active) ? active : (activeId && document.getElementById(activeId));
      if (!target && actor) {
        var rowOf = actor.closest && actor.closest("li[id]");
        var index = rowOf ? (byId[rowOf.id] || {}).index : undefined;
        target = (rowOf && document.getElementById(rowOf.id)) ||
          (index !== undefined && list && list.children[Math.min(index, list.children.length - 1)]);
      }
      if (target) {
        target.focus({preventScroll: true});
        if (selection && typeof target.setSelectionRange === "function") {
          try { target.setSelectionRange(selection[0], selection[1]); } catch (e) { /* not a text field */ }
        }
      }
    }
    if (anchor && document.contains(anchor)) {
      var moved = anchor.getBoundingClientRect().top - anchorTop;
      if (moved) window.scrollBy(0, moved);
    }
    updateSelection();
  }

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var current = evt.detail.target;
    if (!current || current.id !== "queue" || !evt.detail.shouldSwap || !current.hasAttribute("data-desk")) return;
    var holder = document.createElement("template");
    holder.innerHTML = evt.detail.serverResponse;
    var incoming = holder.content.querySelector("#queue");
    if (!incoming) return;
    var elt = (evt.detail.requestConfig && evt.detail.requestConfig.elt) || null;
    var actor = elt && elt !== current && current.contains(elt) ? elt : null;
    var batch = elt && elt.id === "lot";
    merge(current, incoming, actor, !batch, elt === current);
    evt.detail.shouldSwap = false;
  });

  // The floor question form starts afresh once its question is in.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail.elt;
    if (evt.detail.successful && elt && elt.hasAttribute && elt.hasAttribute("data-reset-on-success")) {
      elt.reset();
      var first = elt.querySelector("textarea");
      if (first) first.focus();
    }
    if (evt.detail.successful && elt && elt.id === "lot") {
      document.querySelectorAll("#queue .queue-check:checked").forEach(function (box) { box.checked = false; });
      updateSelection();
    }
  });

  document.addEventListener("change", function (evt) {
    if (evt.target && evt.target.classList && evt.target.classList.contains("queue-check")) updateSelection();
  });

  function typing(target) {
    return target && (/^(TEXTAREA|INPUT|SELECT)$/.test(target.tagName) || target.isContentEditable);
  }

  function focusRow(row) {
    if (!row) return;
    row.focus();
    row.scrollIntoView({block: "nearest"});
  }

  document.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.metaKey || evt.altKey || typing(evt.target)) return;
    var queue = document.getElementById("queue");
    if (!queue) return;
    if (evt.key === "/") {
      var search = document.querySelector("[data-shortcut='/']");
      if (search) { evt.preventDefault(); search.focus(); }
      return;
    }
    var all = rows(queue);
    var row = document.activeElement && document.activeElement.closest ?
      document.activeElement.closest("#queue li[id]") : null;
    var key = evt.key.toLowerCase();
    if (key === "j" || key === "k") {
      evt.preventDefault();
      var i = row ? all.indexOf(row) : -1;
      focusRow(all[key === "j" ? Math.min(i + 1, all.length - 1) : Math.max(i - 1, 0)]);
      return;
    }
    if (!row) return;
    var button = row.querySelector("[data-key='" + key + "']");
    if (button) { evt.preventDefault(); button.click(); return; }
    if (key === "x") {
      var box = row.querySelector(".queue-check");
      if (box) { evt.preventDefault(); box.checked = !box.checked; updateSelection(); }
    } else if (key === "c") {
      var details = row.querySelector("details.edit-question");
      if (details) {
        evt.preventDefault();
        details.open = true;
        var area = details.querySelector("textarea");
        if (area) area.focus();
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var queue = document.getElementById("queue");
    if (!queue) return;
    remember(queue);
    updateSelection();
    var all = document.getElementById("tout-cocher");
    if (all) {
      all.hidden = false;
      all.addEventListener("click", function () {
        var boxes = document.querySelectorAll("#queue .queue-check");
        var none = !document.querySelector("#queue .queue-check:checked");
        boxes.forEach(function (box) { box.checked = none; });
        updateSelection();
      });
    }
  });
})();
