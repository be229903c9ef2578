// The site's own behaviour. No inline script anywhere: the Content-Security-Policy forbids it.
// Features add small modules below, each started on DOMContentLoaded and each optional
// (every page works without JavaScript).
(function () {
  "use strict";

  // Close the account menu when clicking elsewhere or pressing Escape.
  function setupAccountMenu() {
    document.querySelectorAll("details.account-menu").forEach(function (menu) {
      document.addEventListener("click", function (event) {
        if (!menu.contains(event.target)) menu.removeAttribute("open");
      });
      menu.addEventListener("keydown", function (event) {
        if (event.key === "Escape") {
          menu.removeAttribute("open");
          menu.querySelector("summary").focus();
        }
      });
    });
  }

  // Forms marked data-once disable their submit buttons after the first submit, so a double
  // click sends one request (the server also refuses duplicates).
  function setupSubmitOnce() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[type=submit]").forEach(function (button) {
          window.setTimeout(function () { button.disabled = true; }, 0);
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupAccountMenu();
    setupSubmitOnce();
  });
})();
