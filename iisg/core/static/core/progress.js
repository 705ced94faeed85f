// The progress bar of a background job in the back office: an IATI import
// (admin/iati/importrun/change_form.html), a report for the Board (admin/reports/report/change_form.html).
// The page marks the job's section with data-progress-url (its JSON endpoint); inside it, the
// <progress> bar, the text that describes it (the bar's aria-describedby) and the live status line
// (role="status"). The endpoint answers {finished, percent, text, status_label, phase_label}.
// Polls about once a second and updates the bar and its text; once the job has finished, reloads the
// page, which then shows what the job did. Without JavaScript the page refreshes itself instead (a
// <noscript> refresh).
(function () {
  "use strict";

  var INTERVAL = 1000;
  var MAX_FAILURES = 10;

  function start() {
    var section = document.querySelector("[data-progress-url]");
    var url = section && section.getAttribute("data-progress-url");
    if (!url) {
      return;
    }
    var bar = section.querySelector("progress");
    var described = bar && bar.getAttribute("aria-describedby");
    var text = described ? document.getElementById(described) : null;
    var state = section.querySelector("[role=status]");
    var failures = 0;

    function show(data) {
      if (data.finished) {
        window.location.reload();
        return false;
      }
      if (bar) {
        if (data.percent === null || data.percent === undefined) {
          bar.removeAttribute("value");
        } else {
          bar.value = data.percent;
        }
        bar.textContent = data.text;
      }
      if (text) {
        text.textContent = data.text;
      }
      // A live region: changed only when the status or phase changes, not at every percent.
      var label = data.status_label + (data.phase_label ? " — " + data.phase_label : "");
      if (state && state.textContent !== label) {
        state.textContent = label;
      }
      return true;
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.status);
          }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          if (show(data)) {
            window.setTimeout(poll, INTERVAL);
          }
        })
        .catch(function () {
          failures += 1;
          if (failures < MAX_FAILURES) {
            window.setTimeout(poll, INTERVAL * failures);
          }
        });
    }

    window.setTimeout(poll, INTERVAL);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
