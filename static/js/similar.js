// Similar questions while a new question's title is typed (the ask form).
// Progressive enhancement: without this script the box stays hidden and the form works as ever.
// As the title reaches 10 characters, a debounced request (300 ms after the last key) asks
// /search/similar/ for the closest FAQ articles and topics and lists them; a screen reader
// hears how many were found through a polite live region.
(function () {
  "use strict";

  var MIN_LENGTH = 10;
  var DELAY_MS = 300;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function setup(root) {
    var input = document.getElementById(root.getAttribute("data-for"));
    if (!input || !window.fetch) return;
    var endpoint = root.getAttribute("data-endpoint");
    var box = root.querySelector("[data-similar-box]");
    var list = root.querySelector("[data-similar-list]");
    var status = root.querySelector("[data-similar-status]");
    var timer = null;
    var lastQuery = "";
    var controller = null;
    var cache = {};

    function render(query, results) {
      list.textContent = "";
      if (!results.length) {
        box.hidden = true;
        status.textContent = "";
        return;
      }
      results.forEach(function (item) {
        var li = el("li", "similar-item similar-" + item.type);
        var marker = item.type === "faq" ? "faq" : /^Official/.test(item.marker) ? "official" : item.answered ? "solved" : item.status;
        var badge = el("span", "badge badge-marker badge-" + marker, item.marker);
        var link = el("a", "similar-link", item.title);
        link.href = item.url;
        link.target = "_blank";
        link.rel = "noopener";
        li.appendChild(badge);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(link);
        list.appendChild(li);
      });
      box.hidden = false;
      status.textContent = results.length === 1
        ? "1 similar question found. Does it answer yours?"
        : results.length + " similar questions found. Do any of them answer yours?";
    }

    function lookup() {
      var query = input.value.trim().replace(/\s+/g, " ");
      if (query.length < MIN_LENGTH) {
        lastQuery = "";
        render(query, []);
        return;
      }
      if (query === lastQuery) return;
      lastQuery = query;
      if (cache[query]) {
        render(query, cache[query]);
        return;
      }
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(endpoint + "?q=" + encodeURIComponent(query), {
        headers: { "Accept": "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          cache[query] = data.results || [];
          if (query === lastQuery) render(query, cache[query]);
        })
        .catch(function () { /* offline or aborted: the form still works */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, DELAY_MS);
    });
    if (input.value.trim().length >= MIN_LENGTH) lookup();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-similar-questions]").forEach(setup);
  });
})();
