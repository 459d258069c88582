// sse-resume.js: for htmx 2's sse extension (htmx-ext-sse), load it after
// the extension. When an EventSource gives up (its reconnect got an error
// status, or the request was blocked), the extension opens a new one on
// the same URL, which forgets the Last-Event-ID the browser kept. This
// replaces htmx.createEventSource so that the new one asks to resume from
// the last event id it saw, through fiberfn's "last-event-id" query
// parameter: nothing is lost or doubled. htmx 4's hx-sse keeps its
// Last-Event-ID itself and needs nothing. No eval, no inline script: it
// runs under a strict Content-Security-Policy.
(function () {
  "use strict";
  if (typeof htmx === "undefined") {
    return;
  }
  var lastIDs = {}; // sse-connect URL -> the last event id seen there

  function resumeURL(url) {
    var id = lastIDs[url];
    if (!id) {
      return url;
    }
    var u = new URL(url, window.location.href);
    u.searchParams.set("last-event-id", id);
    return u.origin === window.location.origin ? u.pathname + u.search : u.href;
  }

  htmx.createEventSource = function (url) {
    var source = new EventSource(resumeURL(url), { withCredentials: true });
    var seen = function (evt) {
      if (evt.lastEventId) {
        lastIDs[url] = evt.lastEventId;
      }
    };
    // Every listener the extension adds notes the id of what it gets.
    var add = source.addEventListener.bind(source);
    var remove = source.removeEventListener.bind(source);
    var wrapped = new Map(); // listener -> {type: wrapper}
    source.addEventListener = function (type, listener, options) {
      var w = function (evt) {
        seen(evt);
        return listener.call(this, evt);
      };
      var byType = wrapped.get(listener) || {};
      byType[type] = w;
      wrapped.set(listener, byType);
      add(type, w, options);
    };
    source.removeEventListener = function (type, listener, options) {
      var byType = wrapped.get(listener);
      remove(type, (byType && byType[type]) || listener, options);
      if (byType) {
        delete byType[type];
      }
    };
    add("message", seen);
    add("fiberfn:reset", seen);
    return source;
  };
})();
