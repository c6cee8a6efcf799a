// Live pages: every few seconds ask whether the registry changed (one small JSON answer);
// when it did, fetch this page again and swap in the parts that show incidents. Forms being
// filled in are left alone. Without this script every page works as before, by reloading.
(function () {
  "use strict";
  var main = document.querySelector("main[data-live]");
  if (!main || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = main.getAttribute("data-live");
  var every = Number(main.getAttribute("data-live-every")) || 3000;
  var busy = false;

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var freshMain = fresh.querySelector("main[data-live]");
    if (!freshMain) {
      return;
    }
    document.querySelectorAll("[data-live-region]").forEach(function (old) {
      var name = old.getAttribute("data-live-region");
      var next = fresh.querySelector('[data-live-region="' + name + '"]');
      if (next) {
        old.replaceWith(document.importNode(next, true));
      }
    });
    main.setAttribute("data-stamp", freshMain.getAttribute("data-stamp"));
  }

  function read(response) {
    if (!response.ok || response.redirected) {
      throw new Error("not now: " + response.status);
    }
    return response;
  }

  function tick() {
    if (busy || document.hidden) {
      return;
    }
    busy = true;
    var asked = { credentials: "same-origin", cache: "no-store" };
    fetch(url, asked)
      .then(read)
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (String(body.stamp) === main.getAttribute("data-stamp")) {
          return null;
        }
        return fetch(window.location.href, asked)
          .then(read)
          .then(function (response) { return response.text(); })
          .then(swap);
      })
      .catch(function () { /* the next tick tries again */ })
      .then(function () { busy = false; });
  }

  window.setInterval(tick, every);
})();
