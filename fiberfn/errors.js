// fiberfn's error script (fiberfn.ErrorScript): an htmx error answer of
// a server function always reaches the user, with htmx 2 and htmx 4.
//
// fiberfn sends an error fragment to the error slot of the form that
// made the request, else to the page's #fiberfn-errors (the default
// HX-Retarget "find .fiberfn-errors, #fiberfn-errors"). This script adds
// an empty #fiberfn-errors at the top of <body> when an error arrives on
// a page that has none, before htmx looks for it: htmx 2 triggers
// "fiberfn:error" first, htmx 4 "htmx:response:error". It empties the
// page's slot when the next htmx request starts. No eval, no inline
// script or style: a strict CSP is fine. Style it with #fiberfn-errors
// (and #fiberfn-errors:empty).
(function () {
  "use strict";
  var SLOT = "fiberfn-errors";

  function ensureSlot() {
    if (!document.getElementById(SLOT) && document.body) {
      var slot = document.createElement("div");
      slot.id = SLOT;
      document.body.insertBefore(slot, document.body.firstChild);
    }
  }
  document.addEventListener("fiberfn:error", ensureSlot); // htmx 2
  document.addEventListener("htmx:response:error", ensureSlot); // htmx 4

  function clear() {
    var slot = document.getElementById(SLOT);
    if (slot && slot.firstChild) {
      slot.replaceChildren();
    }
  }
  document.addEventListener("htmx:beforeRequest", clear); // htmx 2
  document.addEventListener("htmx:before:request", clear); // htmx 4
})();
