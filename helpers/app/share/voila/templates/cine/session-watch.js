// Ciné Creuse: tell the visitor when their session has ended, and how to start again.
// Watches the kernel websockets Voilà opens; on close code 4001 (released after
// inactivity; the close reason is the number of minutes) or when the kernel is gone,
// covers the page with a French notice and a reload button. A page whose start failed
// with ipywidgets' "model not found" (about 1 page start in 15 under the 40-visitor crowd,
// cause unknown) reloads itself once; a second failure within 5 minutes shows the notice.
// Kept small on purpose (no dependency, no polling while all is well).
(function () {
  "use strict";
  var Native = window.WebSocket;
  var IDLE_CODE = 4001;
  var shown = false;
  var MESSAGES = {
    idle: "Votre session s'est arrêtée après {minutes} sans activité. " +
          "Rechargez la page pour recommencer.",
    gone: "Votre session s'est arrêtée. Rechargez la page pour recommencer.",
    failed: "La page n'a pas pu s'afficher. Rechargez-la pour réessayer."
  };
  var START_FAILED = "Error displaying widget: model not found";
  var RELOADED_KEY = "cc-reloaded-after-failed-start";
  var RELOAD_AGAIN_MS = 5 * 60 * 1000;

  function show(kind, minutes) {
    if (shown) { return; }
    shown = true;
    var box = document.createElement("div");
    box.className = "cc-session-ended";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-labelledby", "cc-session-ended-text");
    box.setAttribute("lang", "fr");
    box.style.cssText = "position:fixed;inset:0;z-index:100000;display:flex;" +
      "align-items:center;justify-content:center;background:rgba(0,0,0,.55);";
    var card = document.createElement("div");
    card.style.cssText = "background:#fff;color:#111;max-width:32em;margin:1em;" +
      "padding:1.5em;border-radius:8px;font:1.25rem/1.5 system-ui,sans-serif;";
    var text = document.createElement("p");
    text.id = "cc-session-ended-text";
    var duration = minutes === "1" ? "1 minute" : minutes + " minutes";
    text.textContent = MESSAGES[kind].replace("{minutes}", duration);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "cc-session-reload";
    button.textContent = "Recharger la page";
    button.style.cssText = "font:inherit;padding:.5em 1.2em;border-radius:6px;" +
      "border:2px solid #7a1f2b;background:#7a1f2b;color:#fff;cursor:pointer;";
    button.addEventListener("click", function () { window.location.reload(); });
    card.appendChild(text);
    card.appendChild(button);
    box.appendChild(card);
    document.body.appendChild(box);
    button.focus();
  }

  function kernelGone(url) {
    // The Jupyter client reconnects by itself after a network hiccup: only a kernel the
    // server no longer knows (404) or an unreachable server ends the session.
    var match = url.match(/^(wss?):\/\/([^/]+)(.*\/)api\/kernels\/([^/?]+)\/channels/);
    if (!match) { return; }
    var scheme = match[1] === "wss" ? "https" : "http";
    var kernelUrl = scheme + "://" + match[2] + match[3] + "api/kernels/" + match[4];
    window.setTimeout(function () {
      window.fetch(kernelUrl, {cache: "no-store"}).then(function (response) {
        if (response.status === 404) { show("gone"); }
      }, function () { show("gone"); });
    }, 3000);
  }

  function Watched(url, protocols) {
    var socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    if (/\/api\/kernels\/[^/]+\/channels/.test(String(url))) {
      socket.addEventListener("close", function (event) {
        if (event.code === IDLE_CODE) { show("idle", event.reason || "20"); } else if (!shown) { kernelGone(String(url)); }
      });
    }
    return socket;
  }
  function lastReload() {
    try { return Number(window.sessionStorage.getItem(RELOADED_KEY) || 0); } catch (e) { return 0; }
  }

  function failedStart() {
    if (Date.now() - lastReload() < RELOAD_AGAIN_MS) { show("failed"); return; }
    try { window.sessionStorage.setItem(RELOADED_KEY, String(Date.now())); } catch (e) {
      show("failed");  // no storage: a reload could loop
      return;
    }
    window.location.reload();
  }

  // Until the app's input shows, watch for the widget manager's failure (then stop).
  var starting = new MutationObserver(function () {
    if (document.querySelector(".reco-input")) { starting.disconnect(); return; }
    var nodes = document.querySelectorAll(".jupyter-widgets");
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].textContent === START_FAILED) {
        starting.disconnect();
        failedStart();
        return;
      }
    }
  });
  starting.observe(document.documentElement, {childList: true, subtree: true});

  Watched.prototype = Native.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (name) {
    Object.defineProperty(Watched, name, {value: Native[name]});
  });
  window.WebSocket = Watched;
})();
