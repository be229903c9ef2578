// Opening a notification from the inbox marks it read (the "Mark read" buttons do the same
// without JavaScript).
(function () {
  "use strict";
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-mark-read]");
    if (!link || link.hasAttribute("data-read")) return;
    link.setAttribute("data-read", "");
    fetch(link.getAttribute("data-mark-read"), {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
    }).catch(function () {});
  });
})();
