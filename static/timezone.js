// The account page offers the browser's own time zone when the person has not chosen one yet.
// A file, not inline script: the Content-Security-Policy allows scripts from this site only.
(function () {
  "use strict";
  function detect() {
    var select = document.querySelector("select[data-detect=browser]");
    if (!select || !window.Intl) { return; }
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) { return; }
    var found = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (!found || select.value === zone) { return; }
    select.value = zone;
    var note = document.getElementById("zone-detected");
    if (note) {
      note.textContent = "Your browser is in " + zone + ". Save to show dates in that zone.";
      note.hidden = false;
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", detect);
  } else {
    detect();
  }
})();
