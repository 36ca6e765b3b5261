/* Quick exit: on the control or the Escape key, hide the page, end the portal session and
   replace this page in the history with a neutral site. Without JavaScript the control is a
   plain link to the same site. */
(function () {
  "use strict";
  var control = document.getElementById("quick-exit");
  if (!control) {
    return;
  }
  var target = control.getAttribute("data-exit-url") || control.href;
  var endpoint = control.getAttribute("data-exit-post");
  var leaving = false;

  function leave(event) {
    if (event) {
      event.preventDefault();
    }
    if (leaving) {
      return;
    }
    leaving = true;
    try {
      document.title = "";
      document.body.innerHTML = "";
      document.documentElement.style.background = "#fff";
    } catch (ignored) { /* keep leaving */ }
    try {
      if (endpoint && navigator.sendBeacon) {
        navigator.sendBeacon(endpoint);
      }
    } catch (ignored) { /* keep leaving */ }
    window.location.replace(target);
  }

  control.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      leave(event);
    }
  });
}());
