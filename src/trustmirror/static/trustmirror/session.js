/* Team session: the arrow keys and a presenter's clicker move between the screens.
 *
 * The previous and next links (rel=prev, rel=next) work without this file; it only adds
 * keys: ArrowRight, PageDown and Space go on, ArrowLeft and PageUp go back. Clickers send
 * PageDown and PageUp. Keys typed in the form keep their usual meaning, and so does Space
 * on a button or a link.
 */
(function () {
  "use strict";

  var NEXT = ["ArrowRight", "PageDown", " ", "Spacebar"];
  var PREVIOUS = ["ArrowLeft", "PageUp"];

  // Typing in a field, or Space on something Space activates: not ours to take.
  function keepsKey(target, key) {
    if (!target || !target.closest) {
      return false;
    }
    if (target.isContentEditable || target.closest("input, textarea, select")) {
      return true;
    }
    return key === " " && Boolean(target.closest("button, a[href], summary, label"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (event.key === " " && event.shiftKey) {
      return;
    }
    var rel = NEXT.indexOf(event.key) >= 0 ? "next" : PREVIOUS.indexOf(event.key) >= 0 ? "prev" : "";
    if (!rel || keepsKey(event.target, event.key)) {
      return;
    }
    var link = document.querySelector('.step-nav a[rel="' + rel + '"]');
    if (!link) {
      return;
    }
    event.preventDefault();
    window.location.assign(link.href);
  });
})();
