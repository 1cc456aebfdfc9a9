// Keys of the post-editing notes (bitext.web.notes), beside review.js: the reason asked before a flagged
// pair is confirmed unedited, the MQM error picker (M), the discussion thread (D) and the guidelines
// panel (G). The server asks for the reason too (a page without this script still works); this script
// asks before the form is sent, so a confirm costs no round trip. Listeners sit on window, capture phase,
// so they run before review.js's (on document) and can keep a key or a submit from it.
(function () {
  "use strict";
  var mode = null;       // null | "reason" | "mqm" | "severity"
  var category = null;   // the MQM row chosen (1-based) while a severity is asked
  var pendingAction = "btn-accept";

  function $(id) { return document.getElementById(id); }
  function stop(e) { e.preventDefault(); e.stopImmediatePropagation(); }

  function unchanged() {
    var t = $("after");
    return !t || t.value.trim() === t.defaultValue.trim();
  }

  function reasonChosen() {
    var text = $("reason-text");
    if (text && text.value.trim()) return true;
    return !!document.querySelector("#reason-prompt input[name=reason]:checked");
  }

  function openReason() {
    var p = $("reason-prompt");
    if (!p) return;
    p.hidden = false;
    mode = "reason";
    p.focus();
  }

  function closeReason() {
    var p = $("reason-prompt");
    if (p) p.hidden = true;
    mode = null;
  }

  function rows() { return document.querySelectorAll("#mqm tr[data-key]"); }

  function mark() {
    rows().forEach(function (r) { r.classList.toggle("picking", mode === "severity" && +r.dataset.key === category); });
    var m = $("mqm");
    if (m) m.classList.toggle("active", mode === "mqm" || mode === "severity");
    var sum = $("mqm-summary");
    if (!sum) return;
    var parts = [];
    rows().forEach(function (r) {
      var sel = r.querySelector("select");
      if (sel && sel.value) parts.push(sel.name.slice(4) + ": " + sel.value);
    });
    sum.textContent = parts.join(" · ");
  }

  function openMqm() {
    var m = $("mqm");
    if (!m) return false;
    m.open = true;
    mode = "mqm";
    mark();
    return true;
  }

  function closeMqm() { mode = null; category = null; mark(); }

  function toggleGuidelines() {
    var gl = $("guidelines");
    if (!gl) return false;
    gl.hidden = !gl.hidden;
    if (!gl.hidden) gl.focus();
    return true;
  }

  // The queue's kind filter, one step on (reference -> MT -> all kinds -> reference), applied at once.
  function nextKind() {
    var sel = $("kind-filter");
    if (!sel) return false;
    sel.selectedIndex = (sel.selectedIndex + 1) % sel.options.length;
    var form = sel.form;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
    return true;
  }

  function openDiscussion() {
    var d = $("discussion");
    if (!d) return false;
    d.open = true;
    var body = $("discuss-body");
    if (body) body.focus();
    return true;
  }

  // A page shown (loaded, or put in place by review.js): a reason prompt the server opened asks at once.
  function sync() {
    var p = $("reason-prompt");
    mode = p && !p.hidden ? "reason" : null;
    category = null;
    if (mode === "reason") p.focus();
  }
  document.addEventListener("DOMContentLoaded", sync);
  document.addEventListener("bitext:painted", sync);

  window.addEventListener("submit", function (e) {
    var form = e.target;
    // (getAttribute: the form's input named "id" shadows form.id)
    if (!form || !form.getAttribute || form.getAttribute("id") !== "decide-form" || !$("reason-prompt")) return;
    var action = e.submitter ? e.submitter.value : "accept";
    if (action === "reject" || !unchanged() || reasonChosen()) return;
    pendingAction = action === "edit" ? "btn-edit" : "btn-accept";
    stop(e);
    openReason();
  }, true);

  window.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.tagName === "SELECT");
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && t && t.id === "discuss-body") {
      var b = e.shiftKey ? ($("btn-resolve") || $("btn-discuss")) : $("btn-comment");
      if (b) { stop(e); b.click(); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape" && $("guidelines") && !$("guidelines").hidden) { $("guidelines").hidden = true; stop(e); return; }
    if (mode === "reason") {
      if (e.key === "Escape") { closeReason(); if (typing) t.blur(); stop(e); return; }
      if (typing) return;  // the reason typed; Enter sends the form (Accept)
      var n = /^[1-9]$/.test(e.key) ? +e.key : 0;
      var presets = document.querySelectorAll("#reason-prompt input[name=reason]");
      if (n && n <= presets.length) {
        presets[n - 1].checked = true;
        stop(e);
        $(pendingAction).click();
      } else if (n === presets.length + 1) {
        stop(e);
        $("reason-text").focus();
      }
      return;
    }
    if (typing) return;
    if (mode === "mqm" || mode === "severity") {
      if (e.key === "Escape" || e.key === "m" || e.key === "Enter") { stop(e); closeMqm(); return; }
      if (!/^[0-9]$/.test(e.key)) return;  // other keys (a, r, ...) do what they always do
      stop(e);
      var k = +e.key;
      if (mode === "mqm") {
        if (k >= 1 && k <= rows().length) { category = k; mode = "severity"; }
      } else {
        var sel = $("err-" + category);
        if (sel && k <= sel.options.length - 1) { sel.selectedIndex = k; mode = "mqm"; category = null; }
      }
      mark();
      return;
    }
    var handled = false;
    if (e.key === "k") handled = nextKind();
    else if (e.key === "m") handled = openMqm();
    else if (e.key === "d") handled = openDiscussion();
    else if (e.key === "g") handled = toggleGuidelines();
    if (handled) stop(e);
  }, true);

  document.addEventListener("change", function (e) {
    if (e.target && e.target.closest && e.target.closest("#mqm")) mark();
  });
})();
