// The demo's one script besides htmx. Everything works without it; with it,
// an htmx request that fails says so, a success is announced to screen
// readers, and the focus lands somewhere sensible after a swap.
//
// It is a static file loaded with <script src defer>, so it runs under a
// strict Content-Security-Policy: no inline handlers, no eval, no inline
// styles. It listens to the events of htmx 4 and of htmx 2 (their names
// differ), read from their unminified sources:
//
//   what                       htmx 4                 htmx 2
//   a request starts           htmx:before:request    htmx:beforeRequest
//   an answer arrived          htmx:after:request     htmx:beforeSwap
//     (before the swap; both let us cancel it)
//   the answer is swapped in   htmx:after:swap        htmx:afterRequest
//   the network failed         htmx:error             htmx:sendError, htmx:timeout
//
// A 4xx/5xx answer is reported by htmx:response:error (htmx 4, before the
// swap) and htmx:responseError (htmx 2, after it); this script decides on
// the answer itself, before the swap, for both.
//
// The markup tells it what to do (see templates/partials):
//
//   #live                  role=status: successes are announced here
//   #failure               role=alert: failures, with Retry and Dismiss
//   [data-error-slot]      error boxes emptied by the next answer
//   form[data-announce]    what to announce after the form succeeded;
//                          data-announce-field names an input whose value
//                          is added ("Added: Buy milk")
//   form[data-focus]       where the focus goes after the form succeeded:
//                          "#id" anywhere, else a selector in the form's row
//                          (li[id]); when the row has gone, the next row's
//                          (or else the previous row's) main control, or
//                          else the add field. A link or button with
//                          data-focus of its own (Cancel) uses its own
//                          data-focus and data-announce.
//   #task-list rows        lean, repeated 100 times, so they carry no data
//                          attributes: what a row's controls announce and
//                          focus follows from the row's structure (see
//                          rowPlan), and the row's buttons are
//                          aria-disabled (focusable, their clicks
//                          ignored) while its request is in flight.
//   form[data-draft]       names a field whose text is kept, while typed,
//                          in the tab's sessionStorage until the form
//                          succeeds, and put back into the empty field
//                          when a page with the form loads: a task typed
//                          when the session ended (another tab logged
//                          out) is there again after logging in. The key
//                          holds the user's id (<main data-draft-scope>):
//                          another account in the same tab never gets it.
//   [autofocus] in a form  where the focus goes when the form comes back
//                          with an error and no field is aria-invalid
//                          (the password after a wrong login).
(function () {
  "use strict";

  var ROW_CONTROL = "button[name=done]"; // a row's main control (the toggle)
  var FALLBACK_FOCUS = "#new-task-title"; // when no row is left
  var LIVE_STREAM = "#task-live"; // the live list's subscription

  var plans = new WeakMap(); // htmx 4 ctx or htmx 2 xhr -> plan
  var failedForm = null; // the form whose request the failure bar retries
  var failedElt = null; // or the button or link, when it made the request
  var announceTimer = 0;

  function byId(id) {
    return id ? document.getElementById(id) : null;
  }

  // plan records, when a request starts, what to announce and where the
  // focus goes once it has succeeded: the rows around the form's row
  // may be gone by then.
  function plan(elt) {
    // The live subscription's stream (live.js) is no user action: its
    // swaps must not move the focus or announce anything.
    if (elt && elt.closest && elt.closest(LIVE_STREAM)) return null;
    var form = (elt && elt.closest && elt.closest("form")) || elt;
    if (!form || !form.dataset) return null;
    var row = form.closest("li[id]");
    var said = elt !== form && elt.dataset && elt.dataset.focus !== undefined ? elt : form;
    var msg = said.dataset.announce || "";
    var focus = said.dataset.focus || "";
    var field = said.dataset.announceField;
    if (msg && field && form.elements) {
      var input = form.elements.namedItem(field);
      var v = input && input.value ? input.value.trim() : "";
      if (v) msg += ": " + v;
    }
    if (said === form && !form.dataset.announce && !form.dataset.focus && row) {
      var rp = rowPlan(elt, row);
      msg = rp.msg;
      focus = rp.focus;
    }
    return {
      form: form,
      elt: elt,
      keep: typing(form),
      msg: msg,
      focus: focus,
      rowId: row ? row.id : "",
      nextId: row && row.nextElementSibling ? row.nextElementSibling.id : "",
      prevId: row && row.previousElementSibling ? row.previousElementSibling.id : "",
      done: false,
    };
  }

  // typing records, when a request starts, the input of a
  // form[data-keep-typed] and the value the request sends.
  function typing(form) {
    var name = form.dataset.keepTyped;
    var input = name && form.elements ? form.elements.namedItem(name) : null;
    if (!input || typeof input.value !== "string") return null;
    return { formId: form.id, name: name, input: input, sent: input.value };
  }

  // keepTyped puts what the user typed while the request was in flight
  // into the form that replaced the one that sent it (the old input,
  // out of the page, still holds it). Typed after what was sent, it is
  // added to what the new input holds (empty after a success, the sent
  // text after an error); an edit of the sent text replaces it.
  function keepTyped(k) {
    if (!k || k.input.isConnected) return;
    var typed = k.input.value;
    if (typed === k.sent) return;
    var form = byId(k.formId);
    var input = form && form.elements ? form.elements.namedItem(k.name) : null;
    if (!input || input === k.input || typeof input.value !== "string") return;
    input.value = typed.indexOf(k.sent) === 0 ? input.value + typed.slice(k.sent.length) : typed;
  }

  // rowPlan is what a lean row's control announces, and where the focus
  // goes after it succeeded: the toggle ("Done", aria-pressed) says what
  // it did and keeps the focus; Delete says so, and the focus moves on to
  // the next row; Rename (a link that fetches the row in edit mode) says
  // nothing, and the focus goes to the title field.
  function rowPlan(elt, row) {
    var span = row.querySelector("form > span");
    var title = span ? span.textContent.trim() : "";
    if (elt.matches && elt.matches(ROW_CONTROL)) {
      var done = elt.getAttribute("aria-pressed") === "true";
      return { msg: (done ? "Marked as not done: " : "Marked as done: ") + title, focus: ROW_CONTROL };
    }
    if (elt.matches && elt.matches("button[formaction]")) return { msg: "Deleted: " + title, focus: "" };
    if (elt.tagName === "A") return { msg: "", focus: "input[name=title]" };
    return { msg: "", focus: "" };
  }

  // disableRow marks the buttons of the row whose request starts as
  // unavailable, and returns a function that makes them available again
  // (the row may be replaced by then). It uses aria-disabled rather than
  // the disabled attribute: a disabled button loses the focus (to <body>),
  // an aria-disabled one keeps it, and says it is unavailable. Its clicks
  // are ignored meanwhile (see the click listener below); hx-sync drops a
  // second click anyway. htmx has read the form's values before it says a
  // request starts, so the toggle's own value is sent.
  function disableRow(elt) {
    var row = elt && elt.closest ? elt.closest("#task-list > li") : null;
    if (!row) return null;
    var off = [];
    row.querySelectorAll("button").forEach(function (b) {
      if (b.getAttribute("aria-disabled") !== "true") {
        b.setAttribute("aria-disabled", "true");
        off.push(b);
      }
    });
    return function () {
      off.forEach(function (b) {
        b.removeAttribute("aria-disabled");
      });
    };
  }

  // A click on a row's button that is unavailable (its row's request is
  // in flight) goes nowhere: stopped in the capture phase, before htmx
  // or the form sees it. A key press on a focused button is a click too.
  document.addEventListener(
    "click",
    function (e) {
      var b = e.target && e.target.closest ? e.target.closest("#task-list button[aria-disabled=true]") : null;
      if (!b) return;
      e.preventDefault();
      e.stopPropagation();
    },
    true
  );

  // draftKey is the sessionStorage key of the draft of form[data-draft],
  // or "" when the page has no user (no data-draft-scope).
  function draftKey(form) {
    var main = byId("main");
    var scope = main ? main.getAttribute("data-draft-scope") : "";
    if (!scope || !form.id || !form.dataset.draft) return "";
    return "fiberfn-draft:" + scope + ":" + form.id + ":" + form.dataset.draft;
  }

  function draftInput(form) {
    var input = form.elements ? form.elements.namedItem(form.dataset.draft) : null;
    return input && typeof input.value === "string" ? input : null;
  }

  // saveDraft keeps what the draft field of form holds (nothing when it
  // is empty). Storage may be full or off: then nothing is kept.
  function saveDraft(form) {
    var key = draftKey(form);
    var input = draftInput(form);
    if (!key || !input) return;
    try {
      if (input.value.trim()) sessionStorage.setItem(key, input.value);
      else sessionStorage.removeItem(key);
    } catch (e) {
      // no storage: no draft
    }
  }

  // restoreDrafts puts each kept draft back into its empty field.
  function restoreDrafts() {
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      var key = draftKey(form);
      var input = draftInput(form);
      if (!key || !input || input.value) return;
      var kept = null;
      try {
        kept = sessionStorage.getItem(key);
      } catch (e) {
        // no storage: no draft
      }
      if (kept) input.value = kept;
    });
  }

  document.addEventListener("input", function (e) {
    var form = e.target && e.target.form;
    if (form && form.dataset && form.dataset.draft && e.target.name === form.dataset.draft) saveDraft(form);
  });

  // announce says msg in the polite live region. The region is emptied
  // first, so that the same message twice is announced twice.
  function announce(msg) {
    var live = byId("live");
    if (!live || !msg) return;
    live.textContent = "";
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () {
      live.textContent = msg;
    }, 50);
  }

  function button(label, action, cls) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.action = action;
    if (cls) b.className = cls;
    return b;
  }

  // showFailure fills the failure bar (an assertive live region): the
  // message, Retry when trying again can help, and Dismiss.
  function showFailure(msg, canRetry, form) {
    var box = byId("failure");
    if (!box) return;
    var p = document.createElement("p");
    p.textContent = msg;
    var parts = [p];
    if (canRetry) parts.push(button("Retry", "retry"));
    parts.push(button("Dismiss", "dismiss", "secondary"));
    box.replaceChildren.apply(box, parts);
    // The keyboard goes where the way out is: the focus would otherwise
    // be lost (htmx 2 drops it to <body>) or hundreds of Tab presses away
    // on a long list. Retry and Dismiss put it back where it was.
    parts[1].focus();
    failedElt = null;
    failedForm = form && form.tagName === "FORM" ? form : null;
  }

  // failedBy fills the failure bar for the request of plan p: Retry
  // repeats what the user did (a row's button or link is clicked again;
  // a form is submitted again).
  function failedBy(p, msg, canRetry) {
    showFailure(msg, canRetry, p && p.form);
    failedElt = p && p.elt && p.elt !== p.form && p.elt.click ? p.elt : null;
  }

  function clearFailure() {
    var box = byId("failure");
    if (box && box.firstChild) box.replaceChildren();
  }

  // clearStale empties the failure bar and the error slots: an answer
  // has arrived, so what they said is out of date. An error answer fills
  // its slot again right after.
  function clearStale() {
    clearFailure();
    document.querySelectorAll("[data-error-slot]").forEach(function (e) {
      if (e.firstChild) e.replaceChildren();
    });
  }

  function textOf(html) {
    try {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var found = doc.querySelectorAll(".fiberfn-error p, .fiberfn-errors, .field-error, [role=alert]");
      for (var i = 0; i < found.length; i++) {
        var t = found[i].textContent.trim();
        if (t) return t;
      }
    } catch (e) {
      // not HTML: no message
    }
    return "";
  }

  // failureText is the message for an error answer: the server's own
  // when it sent a short one, else a general one, with the status.
  function failureText(status, body, type) {
    var said = "";
    if (/^text\/plain/i.test(type) && body && body.length <= 300) said = body.trim();
    else if (/^text\/html/i.test(type) && body) said = textOf(body);
    if (said && !/[.!?]$/.test(said)) said += ".";
    if (status >= 500) {
      return (said || "Something went wrong on the server.") + " Nothing may have been saved (error " + status + ").";
    }
    return (said || "The server refused the request.") + " (error " + status + ")";
  }

  // answered runs when an answer has arrived, before htmx swaps it in, and
  // reports whether it may be swapped. A success or a form error from
  // fiberfn (it says where it goes with HX-Retarget) is swapped; a server
  // failure, or an error that is no fragment of this page (a proxy's, a
  // rate limiter's), is shown in the failure bar instead of replacing
  // part of the page.
  function answered(p, status, header, body) {
    clearStale();
    if (status < 400) return true;
    if (status < 500 && header("HX-Retarget")) return true;
    var retry = status >= 500 || status === 408 || status === 429;
    failedBy(p, failureText(status, body, header("Content-Type") || ""), retry);
    return false;
  }

  function focusLost() {
    var a = document.activeElement;
    // An element in a closed <details> has no boxes and cannot hold focus.
    return !a || a === document.body || !a.isConnected || a.getClientRects().length === 0;
  }

  function rowControl(id) {
    var row = byId(id);
    return row ? row.querySelector(ROW_CONTROL) : null;
  }

  // placeFocus moves the focus after a successful swap, unless the user
  // has put it somewhere else meanwhile.
  function placeFocus(p) {
    var row = byId(p.rowId);
    var a = document.activeElement;
    var inPlace = (row && row.contains(a)) || (p.form.isConnected && p.form.contains(a));
    if (!focusLost() && !inPlace) return;
    var target = null;
    if (p.focus.charAt(0) === "#") target = document.querySelector(p.focus);
    else if (row) target = row.querySelector(p.focus || ROW_CONTROL);
    if (!target) target = rowControl(p.nextId) || rowControl(p.prevId) || document.querySelector(FALLBACK_FOCUS);
    if (target && target !== a) target.focus();
  }

  // errorFocus is where the focus goes when a form came back with an
  // error: in the form that replaced it (same id), its first field marked
  // aria-invalid, else the field the server marked autofocus (after a
  // wrong or throttled login: the password, described by the form's
  // message); else the first invalid field on the page.
  function errorFocus(p) {
    var form = p.form.isConnected ? p.form : byId(p.form.id);
    var found = form && form.querySelector ? form.querySelector("[aria-invalid=true], [autofocus]") : null;
    return found || document.querySelector("[aria-invalid=true]");
  }

  // swapped runs once the answer is in the page.
  function swapped(p, status) {
    if (!p || p.done) return;
    p.done = true;
    keepTyped(p.keep);
    if (status >= 200 && status < 300) {
      // The form succeeded: its draft is what its field holds now
      // (emptied, or what was typed meanwhile).
      var again = p.form.isConnected ? p.form : byId(p.form.id);
      if (again && again.dataset && again.dataset.draft) saveDraft(again);
      announce(p.msg);
      placeFocus(p);
    } else if (status >= 400 && focusLost()) {
      // A form came back with errors: go to the first field to fix; or,
      // when the row went with the error (a task deleted elsewhere), on
      // as after a success.
      var bad = errorFocus(p);
      if (bad) bad.focus();
      else placeFocus(p);
    }
  }

  function networkFailed(p, timedOut) {
    failedBy(
      p,
      timedOut
        ? "The server took too long to answer; the change may not have been saved."
        : "Could not reach the server: check your connection. The change was not saved.",
      true
    );
  }

  // htmx 4
  function afterSwap4(e) {
    var ctx = e.detail && e.detail.ctx;
    if (ctx && ctx.response) swapped(plans.get(ctx), ctx.response.status);
  }
  document.addEventListener("htmx:before:request", function (e) {
    var ctx = e.detail && e.detail.ctx;
    if (!ctx) return;
    var p = plan(ctx.sourceElement);
    if (p) p.enable = disableRow(ctx.sourceElement);
    plans.set(ctx, p);
    // htmx 4 fires htmx:after:swap on the form, which may have left the
    // page with its row: listen on the form itself too.
    if (ctx.sourceElement && ctx.sourceElement.addEventListener) {
      ctx.sourceElement.addEventListener("htmx:after:swap", afterSwap4, { once: true });
    }
  });
  document.addEventListener("htmx:after:request", function (e) {
    var ctx = e.detail && e.detail.ctx;
    if (!ctx || !ctx.response) return;
    var ok = answered(plans.get(ctx), ctx.response.status, function (n) {
      return ctx.response.headers.get(n);
    }, ctx.text);
    if (!ok) {
      ctx.swap = "none";
      ctx.text = "";
    }
  });
  document.addEventListener("htmx:after:swap", afterSwap4);
  document.addEventListener("htmx:finally:request", function (e) {
    var ctx = e.detail && e.detail.ctx;
    var p = ctx && plans.get(ctx);
    if (p && p.enable) p.enable();
  });
  document.addEventListener("htmx:error", function (e) {
    var d = e.detail || {};
    var ctx = d.ctx;
    if (!ctx || !d.error) return; // htmx 2 also fires htmx:error, with errorInfo
    if (ctx.response) {
      showFailure("Something went wrong showing the answer. Reload the page to see where things are.", false, null);
      return;
    }
    networkFailed(plans.get(ctx), d.error.name === "AbortError");
  });

  // htmx 2
  document.addEventListener("htmx:beforeRequest", function (e) {
    var d = e.detail;
    if (!d || !d.xhr) return;
    var p = plan(d.elt);
    if (p) p.enable = disableRow(d.elt);
    plans.set(d.xhr, p);
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var d = e.detail;
    if (!d || !d.xhr) return;
    var xhr = d.xhr;
    var ok = answered(plans.get(xhr), xhr.status, function (n) {
      return xhr.getResponseHeader(n);
    }, xhr.responseText);
    if (!ok) d.shouldSwap = false;
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var d = e.detail;
    var p = d && d.xhr ? plans.get(d.xhr) : null;
    if (p && p.enable) p.enable();
    // A network failure also fires htmx:afterRequest, with status 0.
    if (d && d.xhr && d.xhr.status > 0) swapped(p, d.xhr.status);
  });
  document.addEventListener("htmx:sendError", function (e) {
    if (e.detail && e.detail.xhr) networkFailed(plans.get(e.detail.xhr), false);
  });
  document.addEventListener("htmx:timeout", function (e) {
    if (e.detail && e.detail.xhr) networkFailed(plans.get(e.detail.xhr), true);
  });

  // The failure bar's buttons. Retry submits the failed form again (htmx
  // sends it as before); a form that has gone is retried by reloading.
  document.addEventListener("click", function (e) {
    var b = e.target && e.target.closest ? e.target.closest("#failure button[data-action]") : null;
    if (!b) return;
    var form = failedForm && failedForm.isConnected ? failedForm : null;
    var elt = failedElt && failedElt.isConnected ? failedElt : null;
    var back = elt || (form && form.querySelector("button[type=submit], button:not([type])"));
    if (back) back.focus();
    else {
      var fallback = document.querySelector(FALLBACK_FOCUS);
      if (fallback) fallback.focus();
    }
    clearFailure();
    failedForm = null;
    failedElt = null;
    if (b.dataset.action !== "retry") return;
    if (elt) elt.click();
    else if (form && form.requestSubmit) form.requestSubmit();
    else location.reload();
  });

  restoreDrafts();

  // Escape in a row's rename form leaves edit mode, as its Cancel link
  // does (htmx swaps the row back; its data-focus puts the focus on
  // Rename). Without JavaScript, Cancel is the way out.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || e.defaultPrevented || e.isComposing) return;
    var form = e.target && e.target.closest ? e.target.closest("form.rename") : null;
    var cancel = form ? form.querySelector("a.cancel") : null;
    if (!cancel) return;
    e.preventDefault();
    cancel.click();
  });
})();
