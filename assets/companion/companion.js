// The phone page stays current without a reload: it asks /api/state every 2 s while it is on screen.
// No framework, no external file; everything here is shown with textContent (never as HTML).
"use strict";
(function () {
  var EVERY = 2000;
  var timer = null;

  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) { el.hidden = !visible; }
  }
  function text(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value === null || value === undefined ? "\u2014" : String(value); }
  }

  function apply(state) {
    show("offline", false);
    text("status", state.text);
    show("picker", state.picking);
    var bar = document.getElementById("progress");
    if (state.progress) {
      bar.max = Math.max(state.progress[1], 1);
      bar.value = state.progress[0];
    }
    show("progress", !!state.progress);
    ["account", "photos", "showing", "disk", "last_sync", "version", "doctor"].forEach(function (key) { text(key, state[key]); });
    document.querySelectorAll("form[data-action]").forEach(function (form) {
      form.hidden = state.actions.indexOf(form.getAttribute("data-action")) < 0;
    });
    document.querySelectorAll("input[name=csrf]").forEach(function (input) { input.value = state.csrf; });
  }

  function poll() {
    timer = null;
    fetch("/api/state", { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) {
        if (answer.status === 401) {
          text("status", "This phone is no longer paired with the frame.");
          show("picker", false);
          document.querySelectorAll("form").forEach(function (form) { form.hidden = true; });
          return null;
        }
        return answer.ok ? answer.json() : Promise.reject(answer.status);
      })
      .then(function (state) { if (state) { apply(state); } })
      .catch(function () { show("offline", true); })
      .then(schedule);
  }

  function schedule() {
    if (timer === null && document.visibilityState === "visible") { timer = setTimeout(poll, EVERY); }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { if (timer !== null) { clearTimeout(timer); timer = null; } poll(); }
  });
  schedule();
})();
