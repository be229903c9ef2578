// The site's own behaviour. No inline script anywhere: the Content-Security-Policy forbids it.
// Features add small modules below, each started on DOMContentLoaded and each optional
// (every page works without JavaScript).
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // The narrow-screen menu button: a disclosure (aria-expanded, aria-controls) for the
  // header's links, search and account menu. Escape closes it and returns focus.
  function setupMenuToggle() {
    document.querySelectorAll(".menu-toggle[aria-controls]").forEach(function (button) {
      var panel = document.getElementById(button.getAttribute("aria-controls"));
      if (!panel) return;
      function setOpen(open) {
        button.setAttribute("aria-expanded", open ? "true" : "false");
        panel.classList.toggle("is-open", open);
      }
      button.addEventListener("click", function () {
        setOpen(button.getAttribute("aria-expanded") !== "true");
      });
      panel.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
          setOpen(false);
          button.focus();
        }
      });
    });
  }

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

  // Filter forms marked data-autosubmit apply as soon as a choice changes, to an address
  // without empty parameters or the default sort. Without JavaScript their "Apply" button
  // submits them and the server redirects to the same short address.
  function setupAutoSubmit() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      var defaultSort = form.getAttribute("data-default-sort");
      form.classList.add("is-auto");
      function target() {
        var params = new URLSearchParams();
        new FormData(form).forEach(function (value, name) {
          if (typeof value !== "string" || !value.trim()) return;
          if (name === "sort" && value === defaultSort) return;
          params.append(name, value);
        });
        var query = params.toString();
        return form.getAttribute("action") + (query ? "?" + query : "");
      }
      form.addEventListener("change", function () { window.location.assign(target()); });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        window.location.assign(target());
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupAutoSubmit();
    setupMenuToggle();
    setupAccountMenu();
    setupSubmitOnce();
  });
})();
