// Post-editing keys of the pair page (bitext.web.postedit): Alt+1..3 put a translation-memory match's
// English (numbers carried over) into the English box; Alt+G adds a glossary term (the selected Indonesian
// in its field); Alt+K looks the selected text up in the concordance; Alt+Y opens the consistency page.
// Keys are read by their physical position (e.code), so Alt+digit works whatever the keyboard layout
// makes of it. Listeners sit on the document, so they keep working after review.js replaces the page.
(function () {
  "use strict";

  function selected() {
    var t = document.activeElement;
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT") && t.selectionEnd > t.selectionStart) {
      return t.value.slice(t.selectionStart, t.selectionEnd).trim();
    }
    return String(window.getSelection ? window.getSelection() : "").trim();
  }

  // Go to an app page as a link would (review.js loads it in place).
  function follow(href) {
    var a = document.createElement("a");
    a.href = href;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function insert(n) {
    var m = document.getElementById("tm-" + n);
    var ta = document.getElementById("after");
    if (!m || !ta) return false;
    ta.value = m.getAttribute("data-insert");
    ta.dispatchEvent(new Event("input", { bubbles: true }));  // review.js grows the box
    ta.focus();
    ta.setSelectionRange(ta.value.length, ta.value.length);
    // Once painted, as review.js does after an in-place update (scripts/bench_review.py --browser times it).
    requestAnimationFrame(function () {
      setTimeout(function () { document.dispatchEvent(new CustomEvent("bitext:painted")); }, 0);
    });
    return true;
  }

  function addTerm() {
    var src = document.getElementById("term-source");
    if (!src) return false;
    var sel = selected();
    if (sel) src.value = sel;
    (sel ? document.getElementById("term-target") : src).focus();
    return true;
  }

  document.addEventListener("keydown", function (e) {
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    var handled = false;
    var digit = /^Digit([1-9])$/.exec(e.code || "");
    if (digit) handled = insert(digit[1]);
    else if (e.code === "KeyG") handled = addTerm();
    else if (e.code === "KeyK") {
      var box = document.getElementById("cq");
      if (box) { box.focus(); box.select(); e.preventDefault(); return; }  // on the concordance page
      var q = selected();
      follow("/concordance" + (q ? "?cq=" + encodeURIComponent(q) : ""));
      handled = true;
    } else if (e.code === "KeyY") { follow("/consistency"); handled = true; }
    if (handled) e.preventDefault();
  });

  // The concordance page opened without a text: its box has the focus (in place, autofocus does nothing).
  function focusSearch() {
    var box = document.getElementById("cq");
    if (box && !box.value) box.focus();
  }
  document.addEventListener("bitext:painted", focusSearch);
  document.addEventListener("DOMContentLoaded", focusSearch);
})();
