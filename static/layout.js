// The main navigation collapses behind a "Menu" button on narrow screens. Without this file the
// navigation simply wraps, so nothing depends on it. (A file: the CSP forbids inline script.)
(function () {
  "use strict";
  var NARROW = "(max-width: 700px)";
  function setUp() {
    var button = document.querySelector(".menu-toggle");
    var nav = document.getElementById("main-nav");
    if (!button || !nav || !window.matchMedia) { return; }
    var query = window.matchMedia(NARROW);
    function apply() {
      if (query.matches) {
        button.hidden = false;
        var open = button.getAttribute("aria-expanded") === "true" && nav.dataset.opened === "1";
        button.setAttribute("aria-expanded", open ? "true" : "false");
        nav.classList.toggle("collapsed", !open);
      } else {
        button.hidden = true;
        button.setAttribute("aria-expanded", "true");
        nav.classList.remove("collapsed");
      }
    }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.dataset.opened = open ? "1" : "0";
      nav.classList.toggle("collapsed", !open);
    });
    if (query.addEventListener) { query.addEventListener("change", apply); }
    apply();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
