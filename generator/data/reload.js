// cablesite serve: reload this tab when a rebuild changes the site, and show a failed
// rebuild's message over the page until a build succeeds. Served only by `cablesite serve`
// at /__cablesite/reload.js?build=N (N: the build the page came from); never in output/.
(function () {
  "use strict";
  var script = document.currentScript;
  var pageBuild = script ? new URL(script.src).searchParams.get("build") : null;
  var overlay = null;
  var source = null;

  function show(message) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "cablesite-error";
      overlay.setAttribute("role", "alert");
      var s = overlay.style; // CSSOM, allowed where style attributes are not
      s.position = "fixed";
      s.left = "0";
      s.right = "0";
      s.top = "0";
      s.zIndex = "2147483647";
      s.margin = "0";
      s.padding = "1em 1.5em";
      s.background = "#8b0000";
      s.color = "#fff";
      s.font = "14px/1.4 monospace";
      s.whiteSpace = "pre-wrap";
      s.boxShadow = "0 2px 8px rgba(0,0,0,.4)";
      var title = document.createElement("strong");
      title.textContent = "cablesite: rebuild failed, showing the last good build";
      var text = document.createElement("div");
      text.className = "cablesite-error-message";
      overlay.appendChild(title);
      overlay.appendChild(text);
      overlay.addEventListener("click", function () { overlay.style.display = "none"; });
    }
    overlay.querySelector(".cablesite-error-message").textContent = message;
    overlay.style.display = "block";
    if (!overlay.parentNode) document.body.appendChild(overlay);
  }

  function hide() {
    if (overlay && overlay.parentNode) overlay.parentNode.removeChild(overlay);
  }

  function handle(status) {
    document.documentElement.setAttribute("data-cablesite-build", String(status.build));
    if (status.error) {
      show(status.error);
      return;
    }
    hide();
    if (pageBuild !== null && String(status.build) !== pageBuild) {
      if (source) source.close();
      window.location.reload();
    }
  }

  function poll() {
    fetch("/__cablesite/status", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(handle, function () {})
      .then(function () { window.setTimeout(poll, 1000); });
  }

  if (window.EventSource) {
    source = new EventSource("/__cablesite/events");
    source.onmessage = function (event) {
      var status;
      try { status = JSON.parse(event.data); } catch (e) { return; }
      handle(status);
    };
  } else {
    poll();
  }
})();
