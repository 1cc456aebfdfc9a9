// The blind A/B page's keys: 1 / 2 pick, t tie, e then 1 / 2 edit that English, Ctrl+Enter saves, s skips.
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var editing = false;  // after e: the next 1 / 2 opens an English to edit

  function edit(n) {
    var text = $("ab-text"), side = $("ab-side");
    text.value = $("ab-" + n).dataset.text;
    side.value = n === 1 ? "left" : "right";
    side.disabled = false;
    $("ab-edit").value = "1";
    $("ab-editor").hidden = false;
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
  }

  window.addEventListener("keydown", function (e) {
    if (!$("ab-form")) return;
    var t = e.target;
    var typing = t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.tagName === "SELECT");
    if (typing) {
      if (t.id === "ab-text" && e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("ab-save").click(); }
      else if (t.id === "ab-text" && e.key === "Escape") { t.blur(); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var handled = true;
    if ((e.key === "1" || e.key === "2") && editing) { editing = false; edit(+e.key); }
    else if (e.key === "1" || e.key === "2") { $("ab-pick-" + e.key).click(); }
    else if (e.key === "e") { editing = true; }
    else if (e.key === "t") { $("ab-tie").click(); }
    else if (e.key === "s") { location.href = $("ab-skip").href; }
    else { handled = false; }
    if (handled) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
})();
