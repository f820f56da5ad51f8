// Live pages. A poller ([data-live-poll], hidden, hx-swap="none") asks every
// few seconds for its page's live parts with the newest change it has seen;
// the server answers 204 while nothing changed. When something did, the
// answer holds the page's parts again, and this patches them in one by one:
// a part ([data-live-unit] with an id) is replaced only if it reads
// differently, so the reader's focus and scroll position outside it stay
// where they are, and inside it focus returns to the element of the same id.
// A region ([data-live-region]) whose list of parts changed (a claim added,
// a dispute moved to the top) is replaced whole. Without JavaScript the page
// simply does not refresh itself.
(function () {
  "use strict";

  function parts(root) {
    return Array.prototype.slice.call(root.querySelectorAll("[data-live-unit]"));
  }

  function layout(root) {
    return parts(root)
      .map(function (part) { return part.id; })
      .join(" ");
  }

  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  function focusables(root) {
    return Array.prototype.slice.call(root.querySelectorAll(FOCUSABLE));
  }

  // Replaces `current` with `fresh`. Focus inside it moves to the new
  // element of the same id, else to the one in the same place (the third
  // link of the card), without scrolling to it.
  function replace(current, fresh) {
    var focused = document.activeElement;
    var inside = focused && focused !== current && current.contains(focused);
    var id = inside ? focused.id : "";
    var place = inside ? focusables(current).indexOf(focused) : -1;
    var node = document.importNode(fresh, true);
    if (fresh.getAttribute("data-live-unit") === "inner") {
      current.replaceChildren.apply(current, Array.prototype.slice.call(node.childNodes));
      node = current;
    } else {
      current.replaceWith(node);
    }
    htmx.process(node);
    if (!inside) return;
    var again = (id && document.getElementById(id)) || focusables(node)[place];
    if (again) again.focus({ preventScroll: true });
  }

  function patch(answer) {
    var template = document.createElement("template");
    template.innerHTML = answer;
    var incoming = template.content;
    // A region whose parts are not the ones shown is replaced whole.
    var replaced = [];
    incoming.querySelectorAll("[data-live-region]").forEach(function (region) {
      var current = document.getElementById(region.id);
      if (current && layout(current) !== layout(region)) {
        replace(current, region);
        replaced.push(region);
      }
    });
    parts(incoming).forEach(function (part) {
      if (replaced.some(function (region) { return region.contains(part); })) return;
      var current = document.getElementById(part.id);
      if (current && !current.isEqualNode(part)) replace(current, part);
    });
    // The poller comes back with the newest change in its address.
    incoming.querySelectorAll("[data-live-poll]").forEach(function (poller) {
      if (replaced.some(function (region) { return region.contains(poller); })) return;
      var current = document.getElementById(poller.id);
      if (current) replace(current, poller);
    });
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var poller = event.detail.elt;
    if (!(poller instanceof Element) || !poller.hasAttribute("data-live-poll")) return;
    var xhr = event.detail.xhr;
    // 200: something changed; 286: the object is gone (htmx stops polling).
    if (xhr && (xhr.status === 200 || xhr.status === 286) && xhr.responseText) {
      patch(xhr.responseText);
    }
  });
})();
