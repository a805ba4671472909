// The lab page around the editor: drafts saved as you type, and the Run button's result swapped in by htmx.
//
// Drafts: each change (the editor fires "input" on its textarea; a plain textarea does so itself) starts a
// 1.5 s timer; when it runs out, the files whose names are the starter's (textarea[data-draft]) are posted
// as JSON to the form's data-draft-url, with the CSRF token the page puts on <body hx-headers>. Leaving the
// page (visibilitychange to hidden, pagehide) saves at once. Submitting does not: an attempt supersedes the
// draft. The status line says when the draft was last saved, or why it was not.
(function () {
  "use strict";
  var form = document.getElementById("lab-form");
  if (!form) return;

  // A refused Run (400: a limit, a run still going) carries its message: show it instead of dropping it.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "run-result" && event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  var url = form.dataset.draftUrl;
  var status = document.getElementById("draft-status");
  if (!url || !status || !window.fetch) return;
  var DELAY_MS = 1500;
  var KEEPALIVE_LIMIT = 60000; // browsers refuse keepalive bodies over 64 KiB
  var timer = null;
  var dirty = false;
  var saving = false;
  var leaving = false;

  function token() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function body() {
    var files = {};
    form.querySelectorAll("textarea[data-draft]").forEach(function (area) {
      files[area.dataset.editor] = area.editor ? area.editor.getValue() : area.value;
    });
    return JSON.stringify({ files: files });
  }

  function say(text) { status.textContent = text; }

  function save(unloading) {
    clearTimeout(timer);
    timer = null;
    if (!dirty || leaving) return;
    if (saving && !unloading) { timer = setTimeout(save, DELAY_MS); return; }
    dirty = false;
    saving = true;
    var data = body();
    var options = {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token() },
      body: data,
      keepalive: unloading === true && data.length < KEEPALIVE_LIMIT,
    };
    say("Saving draft…");
    fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.ok && answer.label) {
          say(answer.label);
          form.dataset.draftSaved = answer.saved_at || "";
        } else {
          say("Draft not saved: " + (answer.error || "the server answered " + response.status + "."));
        }
      });
    }).catch(function () {
      dirty = true;
      say("Draft not saved: no connection. It will be tried again as you type.");
    }).then(function () { saving = false; });
  }

  form.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("textarea[data-draft]")) return;
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  });
  form.addEventListener("submit", function (event) {
    var runButton = event.submitter && event.submitter.id === "run-lab";
    if (runButton) { save(true); return; } // a Run is not an attempt: keep the draft
    clearTimeout(timer);
    leaving = true; // an attempt supersedes the draft
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") save(true);
  });
  window.addEventListener("pagehide", function () { save(true); });
  window.addEventListener("pageshow", function (event) { if (event.persisted) leaving = false; });
})();
