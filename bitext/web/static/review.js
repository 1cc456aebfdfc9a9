// Keyboard shortcuts and in-place navigation for the review pages. The pages work without this script
// (buttons, links and forms that load a page); it maps keys to those same buttons, links and forms, and
// loads the page they lead to through the JSON endpoints (/api/page, /api/submit: bitext.web.api) into
// the open page instead of loading a new one. The address bar and history follow (pushState, popstate).
// After each in-place update, once painted, it sets performance.mark("bitext:painted") (for
// scripts/bench_review.py --browser).
(function () {
  "use strict";
  var submitting = false;
  var shown = location.href;  // the address of what the page shows
  // Pages that load in place (the rest load as ever); window.BITEXT_NO_INPLACE turns it off (benchmarks).
  var PAGES = /^\/(review|pair|history|stats|concordance|consistency)?$/;
  var FORMS = /^\/(decide|undo|sign-off|propagate|undo-propagation|glossary\/add|discuss)$/;

  function inPlace() { return !window.BITEXT_NO_INPLACE && window.fetch && window.history.pushState; }

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

  function fit() {
    var ta = document.getElementById("after");
    if (!ta) return;
    ta.style.height = "auto";
    ta.style.height = (ta.scrollHeight + 4) + "px";
  }

  function painted() {
    // After the next frame is painted: rAF runs before the paint, the task it queues after it.
    requestAnimationFrame(function () {
      setTimeout(function () {
        var pair = document.getElementById("pair");
        performance.mark("bitext:painted", { detail: pair ? pair.getAttribute("data-pair-id") : null });
        document.dispatchEvent(new CustomEvent("bitext:painted"));
      }, 0);
    });
  }

  // Put an answer of /api/page or /api/submit into the page; push its address unless told not to.
  function show(data, push) {
    document.body.innerHTML = data.body;
    if (data.title) document.title = data.title;
    if (data.url && push) history.pushState({ bitext: true }, "", data.url);
    else if (data.url) history.replaceState({ bitext: true }, "", data.url);
    shown = location.href;
    window.scrollTo(0, 0);
    submitting = false;
    fit();
    painted();
  }

  function load(url, options, push, fallback) {
    submitting = true;
    fetch(url, Object.assign({ credentials: "same-origin", headers: { "Accept": "application/json" } }, options))
      .then(function (resp) {
        var type = resp.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === 0) return resp.json().then(function (d) { show(d, push); });
        // The guard refused it (an error page): show that page as it is.
        return resp.text().then(function (text) {
          var doc = new DOMParser().parseFromString(text, "text/html");
          show({ body: doc.body.innerHTML, title: doc.title, url: null }, false);
        });
      })
      .catch(function () { submitting = false; fallback(); });
  }

  function goTo(path, push) {
    load("/api/page?path=" + encodeURIComponent(path), {}, push, function () { location.assign(path); });
  }

  // Links to pages of the app load in place (Skip, Previous, the queue, articles).
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[href]");
    if (!a || !inPlace() || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey
        || e.altKey || a.target || a.origin !== location.origin || !PAGES.test(a.pathname)) return;
    if (dirty()) return;  // a full load, so the browser asks before an unsaved edit is lost
    e.preventDefault();
    if (submitting) return;
    goTo(a.pathname + a.search, true);
  });

  document.addEventListener("submit", function (e) {
    // One decision per page: a second key press while the first POST is in flight is ignored.
    if (submitting) { e.preventDefault(); return; }
    var form = e.target;
    // (getAttribute: the buttons named "action" shadow form.action)
    var action = new URL(form.getAttribute("action") || location.href, location.href);
    var method = (form.getAttribute("method") || "get").toLowerCase();
    if (inPlace() && action.origin === location.origin) {
      var data = new FormData(form);
      if (e.submitter && e.submitter.name) data.append(e.submitter.name, e.submitter.value);
      if (method === "post" && FORMS.test(action.pathname)) {
        e.preventDefault();
        load("/api/submit?path=" + encodeURIComponent(action.pathname), { method: "POST", body: new URLSearchParams(data) },
             true, function () { form.submit(); });
        return;
      }
      if (method === "get" && PAGES.test(action.pathname)) {
        e.preventDefault();
        goTo(action.pathname + "?" + new URLSearchParams(data).toString(), true);
        return;
      }
    }
    submitting = true;
  }, true);

  // Back and forward: the page of that address, in place.
  window.addEventListener("popstate", function () {
    if (!inPlace()) return;
    if (dirty() && !window.confirm("Leave this pair without saving your edit?")) {
      history.pushState({ bitext: true }, "", shown);  // stay, with the edit
      return;
    }
    goTo(location.pathname + location.search, false);
  });
  if (inPlace() && history.replaceState) history.replaceState({ bitext: true }, "", location.href);

  // Never lose an edit by navigating away (closing the tab, a link that loads a page).
  window.addEventListener("beforeunload", function (e) {
    if (!submitting && dirty()) { e.preventDefault(); e.returnValue = ""; }
  });

  function send(id) {
    var f = document.getElementById(id);
    if (!f) return false;
    if (f.requestSubmit) f.requestSubmit(); else { submitting = true; f.submit(); }
    return true;
  }

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
      case "f": handled = send("signoff-form"); break;
      case "u": handled = send("undo-form"); break;
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
  document.addEventListener("input", function (e) { if (e.target && e.target.id === "after") fit(); });
  document.addEventListener("DOMContentLoaded", fit);
})();
