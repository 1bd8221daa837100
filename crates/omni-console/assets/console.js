// Omni Console: live updates, and nothing else. The pages work without
// this script; with it, an element that names a refresh interval
// (data-refresh-ms) is fetched again from its page (or data-src) and
// replaced by the element with the same id there, until the new element no
// longer names an interval (the order completed, the job ended).
"use strict";
(function () {
  function schedule(el) {
    var ms = parseInt(el.getAttribute("data-refresh-ms"), 10);
    if (!(ms >= 250)) return;
    setTimeout(function () { refresh(el.id); }, ms);
  }
  function refresh(id) {
    var el = document.getElementById(id);
    if (!el) return;
    var src = el.getAttribute("data-src") || window.location.href;
    fetch(src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.getElementById(id);
        if (!fresh) return;
        // Never pull a control from under the keyboard: while focus is
        // inside the element, keep it and look again next time.
        var now = document.getElementById(id);
        if (!now) return;
        if (now.contains(document.activeElement)) {
          schedule(now);
          return;
        }
        now.replaceWith(document.importNode(fresh, true));
        schedule(document.getElementById(id));
      })
      .catch(function () {
        // A failed poll tries again later; the page itself stays usable.
        setTimeout(function () { refresh(id); }, 5000);
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh-ms][id]").forEach(schedule);
  });
})();
