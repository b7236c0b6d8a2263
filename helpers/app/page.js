// Ciné Creuse: keyboard focus, the film sheet and the phone's back gesture, landmarks.
// Shown once by dashboard.ipynb before the app. The widgets stay in charge (the kernel
// decides what is shown); this script only moves the focus where a person expects it,
// brings the sheet into view, and presses the sheet's "Retour" button when the browser
// goes back (back button, phone back gesture) or on Escape. No dependency, no request.
(function () {
  "use strict";
  if (window.ccPage) { return; }
  window.ccPage = true;

  var INPUT = ".reco-input input";
  var SUGGESTION = ".reco-suggestion";
  var SHEET = ".cc-sheet";
  var HASH = "#fiche-";
  var sheetShown = null;  // IMDb id of the sheet on screen, null when none
  var lastFocus = null;   // the element that had the focus
  var orphan = null;      // an element that lost the focus by being hidden or disabled
  var pending = 0;

  function visible(el) { return !!el && el.isConnected && el.getClientRects().length > 0; }

  function firstVisible(selector) {
    var all = document.querySelectorAll(selector);
    for (var i = 0; i < all.length; i += 1) { if (visible(all[i])) { return all[i]; } }
    return null;
  }

  function visibleAll(selector) {
    return Array.prototype.filter.call(document.querySelectorAll(selector), visible);
  }

  function moveFocus(el, scroll) {
    if (!el) { return; }
    el.focus({preventScroll: true});
    if (scroll) { el.scrollIntoView({block: "start"}); }
  }

  function currentSheet() {  // open even while another tab hides it (its history entry stays)
    var sheet = document.querySelector(SHEET);
    if (!sheet || !sheet.isConnected || sheet.style.display === "none") { return null; }
    var body = sheet.querySelector("[data-tconst]");
    return body ? body.getAttribute("data-tconst") : null;
  }

  function cardButton(tconst) {
    if (!tconst) { return null; }
    var content = document.querySelector(
      '.cc-card-content[data-tconst="' + CSS.escape(tconst) + '"]');
    var card = content && content.closest(".cc-card");
    var button = card && card.querySelector(".cc-card-open");
    return visible(button) ? button : null;
  }

  function pressBack() {  // also when another tab hides the sheet: back closes it there too
    var back = document.querySelector(SHEET + " .cc-sheet-back");
    if (back && currentSheet()) { back.click(); }
  }

  function sheetOpened(tconst) {
    if (!(history.state && history.state.ccSheet === tconst)) {
      history.pushState({ccSheet: tconst}, "", HASH + tconst);
    }
    moveFocus(document.querySelector(SHEET + " .cc-sheet-title"), true);
  }

  function sheetClosed(tconst) {
    if (history.state && history.state.ccSheet) { history.back(); }  // drop the sheet's entry
    moveFocus(cardButton(tconst) || firstVisible(".cc-results-title") ||
              firstVisible(INPUT), true);
  }

  function restoreFocus() {
    var active = document.activeElement;
    var here = active && active !== document.body;
    if (here && visible(active) && !active.disabled) { orphan = null; return; }
    if (here) { lastFocus = active; }  // hidden or disabled, the focus not moved yet
    if (lastFocus && (!visible(lastFocus) || lastFocus.disabled)) {
      orphan = lastFocus;
      lastFocus = null;
    }
    if (!orphan) { return; }
    if (visible(orphan) && !orphan.disabled) {  // "Recommander" enabled again
      moveFocus(orphan, false);
      orphan = null;
    } else if (orphan.closest(".cc-suggestions, .cc-chips, .cc-search-row")) {
      moveFocus(firstVisible(INPUT), false);  // a suggestion picked, a film removed
      orphan = null;
    } else if (!orphan.isConnected || orphan.closest(".cc-card, " + SHEET)) {
      orphan = null;  // the sheet's code above has placed the focus
    }
  }

  function sync() {
    pending = 0;
    var now = currentSheet();
    if (now !== sheetShown) {
      var before = sheetShown;
      sheetShown = now;
      if (now) { sheetOpened(now); } else { sheetClosed(before); }
    }
    restoreFocus();
  }

  function schedule() {
    if (!pending) { pending = window.setTimeout(sync, 30); }
  }

  function onKey(event) {
    var target = event.target;
    if (event.key === "Escape" && sheetShown) {
      pressBack();
      event.preventDefault();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") { return; }
    var list = visibleAll(SUGGESTION);
    if (!list.length) { return; }
    var at = list.indexOf(target);
    if (target.matches && target.matches(INPUT)) {
      if (event.key === "ArrowDown") { moveFocus(list[0], false); event.preventDefault(); }
    } else if (at >= 0) {
      var next = event.key === "ArrowDown" ? list[at + 1] : list[at - 1];
      moveFocus(next || (at === 0 && event.key === "ArrowUp" ? firstVisible(INPUT) : list[at]),
                false);
      event.preventDefault();
    }
  }

  if (location.hash.indexOf(HASH) === 0) {  // a reloaded page starts on the results
    history.replaceState(null, "", location.pathname + location.search);
  }
  var cells = document.getElementById("rendered_cells");
  if (cells) { cells.setAttribute("role", "main"); }
  document.addEventListener("focusin", function (event) { lastFocus = event.target; });
  document.addEventListener("keydown", onKey, true);  // widgets stop keys bubbling up
  window.addEventListener("popstate", function (event) {
    var wanted = event.state && event.state.ccSheet;
    if (sheetShown && wanted !== sheetShown) {
      pressBack();
    } else if (!sheetShown && wanted) {  // forward again to a sheet
      var button = cardButton(wanted);
      if (button) {
        button.click();
      } else {
        history.replaceState(null, "", location.pathname + location.search);
      }
    }
  });
  new MutationObserver(schedule).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["style", "class",
                                                                        "disabled"]});
}());
