/* The iframe variant's one enhancement (/embed/): similar questions while typing, with the
   keyboard (arrows, Enter, Escape), and the typed title carried into "Ask the community".
   The lists themselves are server-rendered and need no script. */
(function () {
  "use strict";
  var box = document.querySelector(".cw[data-similar]");
  var input = box && box.querySelector("#cw-q");
  if (!input) return;
  var listbox = box.querySelector("#cw-suggestions");
  var ask = box.querySelector("[data-ask]");
  var askBase = ask.href;
  var timer = null;
  var active = -1;
  var options = [];

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function select(index) {
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
  }

  function show(results) {
    listbox.textContent = "";
    options = results.map(function (hit, i) {
      var option = document.createElement("li");
      option.id = "cw-option-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      var link = document.createElement("a");
      link.href = hit.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.tabIndex = -1;
      link.textContent = hit.title;
      option.appendChild(link);
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();
      });
      listbox.appendChild(option);
      return option;
    });
    if (options.length) {
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    } else close();
  }

  function lookUp() {
    var text = input.value.trim();
    if (text.length < 3) return close();
    fetch(box.dataset.similar + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (payload) {
        if (input.value.trim() === text) show(payload.results || []);
      })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    var url = new URL(askBase);
    var text = input.value.trim();
    if (text) url.searchParams.set("title", text.slice(0, 200));
    ask.href = url.href;
    clearTimeout(timer);
    timer = setTimeout(lookUp, 250);
  });
  input.addEventListener("keydown", function (event) {
    var isOpen = !listbox.hidden && options.length;
    if (event.key === "ArrowDown" && isOpen) {
      event.preventDefault();
      select((active + 1) % options.length);
    } else if (event.key === "ArrowUp" && isOpen) {
      event.preventDefault();
      select(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Escape") {
      close();
    } else if (event.key === "Enter" && isOpen && active >= 0) {
      event.preventDefault();
      options[active].firstChild.click();
      close();
    }
  });
  input.addEventListener("blur", close);
})();
