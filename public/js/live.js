// live.js: the demo's live task list (issue 18). The page subscribes to
// its user's task changes (htmx 4's hx-sse or htmx 2's sse extension);
// each change swaps a small notice into #task-change. This script watches
// that element and then refetches the page's own view (the same URL: its
// filter, its page) and swaps what differs: the summary (#task-summary),
// the pager (#task-pager) and the rows of #task-list by id.
//
// Paging: the list shows 50 rows and Load more appends older pages. The
// refetch asks for every row down to the oldest one loaded (?down_to=ID,
// at most 1,000 rows, newest first), not just the first page: then a
// change to any loaded row, a deletion or a new task elsewhere shows, and
// no loaded row is dropped. (Refetching only the first page and keeping
// the rows below it would leave those rows stale.) The answer's pager
// says down to which id its rows are complete (data-through): loaded rows
// older than that, beyond the bound, are left as they are. A row in edit mode
// (li.editing) is never replaced, so a change that arrives while the user
// types does not destroy their typing, nor is a row whose own request is in
// flight (its answer swaps it); rows whose HTML did not change keep their
// elements (and the focus). No eval, no inline script: it runs
// under the demo's strict Content-Security-Policy. Without JavaScript
// nothing subscribes and the page does not update live.
(function () {
  "use strict";
  var notice = null;
  var running = false; // a refetch is in flight
  var again = false; // another notice came meanwhile

  function process(elt) {
    if (typeof htmx !== "undefined" && htmx.process) {
      htmx.process(elt);
    }
  }

  // What htmx adds to the elements it processes, left out when a row on
  // the page is compared with the server's.
  var htmxClasses = ["htmx-request", "htmx-settling", "htmx-swapping", "htmx-added"];

  function serverHTML(elt) {
    var copy = elt.cloneNode(true);
    [copy].concat(Array.prototype.slice.call(copy.querySelectorAll("*"))).forEach(function (e) {
      e.removeAttribute("data-htmx-powered");
      htmxClasses.forEach(function (c) {
        e.classList.remove(c);
      });
      if (e.getAttribute("class") === "") {
        e.removeAttribute("class");
      }
    });
    return copy.outerHTML;
  }

  // busy: the element's own request is in flight; its answer will swap
  // it, so it is left alone.
  function busy(elt) {
    return elt.classList.contains("htmx-request") || elt.querySelector(".htmx-request") !== null;
  }

  function swapSummary(doc) {
    var fresh = doc.getElementById("task-summary");
    var old = document.getElementById("task-summary");
    if (!fresh || !old || busy(old) || fresh.outerHTML === serverHTML(old)) {
      return;
    }
    var node = document.importNode(fresh, true);
    old.replaceWith(node);
    process(node);
  }

  function swapRows(doc) {
    var fresh = doc.getElementById("task-list");
    var list = document.getElementById("task-list");
    if (!fresh || !list) {
      return;
    }
    var pager = doc.getElementById("task-pager");
    var through = pager ? Number(pager.getAttribute("data-through")) || 0 : 0;
    var current = {};
    Array.prototype.forEach.call(list.children, function (li) {
      if (li.id) {
        current[li.id] = li;
      }
    });
    var wanted = [];
    var seen = {};
    Array.prototype.forEach.call(fresh.children, function (li) {
      var old = li.id && current[li.id];
      var hasFocus = old && old.contains(document.activeElement);
      if (old && (old.classList.contains("editing") || busy(old) || hasFocus || serverHTML(old) === li.outerHTML)) {
        // Kept as it is: being edited, in flight, holding the focus (the
        // keyboard user's place; it is refreshed by the next change after
        // the focus leaves), or unchanged.
        wanted.push(old);
      } else {
        wanted.push(document.importNode(li, true));
      }
      if (li.id) {
        seen[li.id] = true;
      }
    });
    // A row being edited stays even when the view no longer has it: the
    // user's typing is not thrown away (saving then says what happened).
    // So do loaded rows older than the view covers (beyond its bound).
    Array.prototype.forEach.call(list.children, function (li) {
      if (li.id && !seen[li.id] && (li.classList.contains("editing") || busy(li) || rowID(li) < through)) {
        wanted.push(li);
      }
    });
    var changed = wanted.length !== list.children.length;
    for (var i = 0; !changed && i < wanted.length; i++) {
      changed = wanted[i] !== list.children[i];
    }
    if (!changed) {
      return;
    }
    // Focus inside a row that is replaced moves to the same control of
    // its new version.
    var focused = document.activeElement;
    var controls = "a, button, input, select, textarea";
    var focusRow = null;
    var focusIndex = -1;
    Array.prototype.forEach.call(list.children, function (li) {
      if (focused && li !== focused && li.contains(focused) && wanted.indexOf(li) < 0) {
        focusRow = li.id;
        focusIndex = Array.prototype.indexOf.call(li.querySelectorAll(controls), focused);
      }
    });
    Array.prototype.slice.call(list.children).forEach(function (li) {
      if (wanted.indexOf(li) < 0) {
        li.remove();
      }
    });
    wanted.forEach(function (li, i) {
      if (list.children[i] !== li) {
        list.insertBefore(li, list.children[i] || null);
      }
    });
    wanted.forEach(function (li) {
      if (!current[li.id] || current[li.id] !== li) {
        process(li);
      }
    });
    if (focused && focused.isConnected && document.activeElement !== focused) {
      focused.focus();
    } else if (focusRow && focusIndex >= 0) {
      var row = document.getElementById(focusRow);
      var target = row && row.querySelectorAll(controls)[focusIndex];
      if (target) {
        target.focus();
      }
    }
  }

  // rowID is the task id of a row (li#task-ID).
  function rowID(li) {
    return Number(li.id.replace("task-", "")) || 0;
  }

  // oldestLoaded is the id of the oldest row on the page (the last), or 0.
  function oldestLoaded() {
    var list = document.getElementById("task-list");
    var last = list ? list.lastElementChild : null;
    return last && last.id ? rowID(last) : 0;
  }

  // viewURL is the page's own URL asking for every row down to the oldest
  // loaded one.
  function viewURL() {
    var url = new URL(window.location.href);
    url.hash = "";
    var oldest = oldestLoaded();
    if (oldest > 0) {
      url.searchParams.set("down_to", String(oldest));
    }
    return url.toString();
  }

  // swapPager replaces the pager with the view's, when the view covers
  // every loaded row (else its Older link would lead to rows already
  // loaded).
  function swapPager(doc) {
    var fresh = doc.getElementById("task-pager");
    var old = document.getElementById("task-pager");
    if (!fresh || !old || busy(old) || fresh.outerHTML === serverHTML(old)) {
      return;
    }
    var oldest = oldestLoaded();
    if (oldest > 0 && Number(fresh.getAttribute("data-through")) > oldest) {
      return;
    }
    var node = document.importNode(fresh, true);
    old.replaceWith(node);
    process(node);
  }

  function refetch() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    again = false;
    fetch(viewURL(), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) {
        if (!res.ok) {
          throw new Error("live: " + res.status);
        }
        return res.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        swapSummary(doc);
        swapRows(doc);
        swapPager(doc);
      })
      .catch(function () {
        // The next change, or a reload, brings the page up to date.
      })
      .then(function () {
        running = false;
        if (again) {
          refetch();
        }
      });
  }

  // tab is this page's random id, sent with each of its htmx requests as
  // X-Tab; the server puts it in the change notice, so the page that made
  // a change does not refetch for it (its own answer swapped it already).
  var tab = (function () {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  })();

  function ownNotice() {
    var span = notice.querySelector("[data-tab]");
    return span !== null && span.getAttribute("data-tab") === tab;
  }

  function start() {
    notice = document.getElementById("task-change");
    if (!notice || typeof window.fetch !== "function") {
      return;
    }
    // htmx 2 (htmx:configRequest) and htmx 4 (htmx:config:request).
    document.addEventListener("htmx:configRequest", function (e) {
      e.detail.headers["X-Tab"] = tab;
    });
    document.addEventListener("htmx:config:request", function (e) {
      e.detail.ctx.request.headers["X-Tab"] = tab;
    });
    new MutationObserver(function () {
      if (!ownNotice()) {
        refetch();
      }
    }).observe(notice, { childList: true, subtree: true, characterData: true });
    // The broker could not replay what a reconnect missed: the view is
    // refetched all the same (htmx 4 fires fiberfn:reset on the element
    // with hx-sse:connect, htmx 2 sse:fiberfn:reset on #task-reset).
    document.addEventListener("fiberfn:reset", refetch);
    document.addEventListener("sse:fiberfn:reset", refetch);
    // An answer of this page found its task gone (deleted elsewhere): it
    // removed the row and corrected the counts, and the rows around it
    // may be stale too (HX-Trigger: tasks:stale; htmx 2 fires it on the
    // row's button, htmx 4 on the document once the row has gone).
    document.addEventListener("tasks:stale", refetch);
  }

  // Loaded in <head>, before the page's body.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
