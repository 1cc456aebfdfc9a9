// Keyboard shortcuts for the review page. The page works without this script (buttons and links);
// it only maps keys to those same buttons, links and forms.
(function () {
  "use strict";
  var submitting = false;

  function click(id) {
    var el = document.getElementById(id);
    if (!el) return false;
    el.click();
    return true;
  }

  function dirty() {
    var t = document.getElementById("after");
    var c = document.getElementById("comment");
    return (t && t.value !== t.defaultValue) || (c && c.value !== c.defaultValue);
  }

  document.addEventListener("submit", function (e) {
    // One decision per page: a second key press while the first POST is in flight is ignored.
    if (submitting) { e.preventDefault(); return; }
    submitting = true;
  }, true);

  // Never lose an edit by navigating away (Skip, a queue link, closing the tab).
  window.addEventListener("beforeunload", function (e) {
    if (!submitting && dirty()) { e.preventDefault(); e.returnValue = ""; }
  });

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.tagName === "SELECT");
    if (typing) {
      // (closest(), not t.form.id: the form has an input named "id" that shadows the property)
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && t.closest("#decide-form")) {
        e.preventDefault();
        click("btn-edit");
      } else if (e.key === "Escape") {
        t.blur();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || submitting) return;
    var handled = true;
    switch (e.key) {
      case "a": handled = click("btn-accept"); break;
      case "r": handled = click("btn-reject"); break;
      case "s": case "ArrowRight": handled = click("skip"); break;
      case "p": case "ArrowLeft": handled = click("prev"); break;
      case "f": {
        var so = document.getElementById("signoff-form");
        if (so) { submitting = true; so.submit(); } else { handled = false; }
        break;
      }
      case "u": {
        var f = document.getElementById("undo-form");
        if (f) { submitting = true; f.submit(); } else { handled = false; }
        break;
      }
      case "e": {
        var ta = document.getElementById("after");
        if (ta) { ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length); } else { handled = false; }
        break;
      }
      case "c": {
        var c = document.getElementById("comment");
        if (c) c.focus(); else handled = false;
        break;
      }
      case "/": {
        var q = document.getElementById("q");
        if (q) { q.focus(); q.select(); } else { handled = false; }
        break;
      }
      default: handled = false;
    }
    if (handled) e.preventDefault();
  });

  // Grow the English box with its text so long beads need no scrolling.
  document.addEventListener("DOMContentLoaded", function () {
    var ta = document.getElementById("after");
    if (!ta) return;
    var fit = function () { ta.style.height = "auto"; ta.style.height = (ta.scrollHeight + 4) + "px"; };
    ta.addEventListener("input", fit);
    fit();
  });
})();
