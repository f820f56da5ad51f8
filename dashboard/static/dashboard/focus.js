// Keeps the reader's place around the forms opened from a page.
//
// On the claim page, Edit and Remove of an evidence item open the side form
// (#corroboration-form) in place. Cancel, Escape and a successful save or
// removal put the focus back on the link that opened it (after a removal,
// on the next item's link, else the evidence heading) and the page back
// where it was scrolled to, however far the form's focus had moved it.
//
// The authoring pages (edit or delete a dispute, an account, a claim) are
// pages of their own. The link that leads to one ([data-return-point])
// notes where it was; coming back by the form's Cancel or after saving,
// the page it was on focuses it again and scrolls back to where it was.
//
// Escape anywhere in such a form ([data-escape-cancels]) follows its Cancel
// link ([data-cancel]); with changes typed into it, only when pressed twice,
// so that one Escape (closing a list of suggestions, say) loses no work.
//
// Without JavaScript every link and form works as it is: the page loads
// with the fragment of the item it came from.
(function () {
  "use strict";

  var SIDE_FORM = "corroboration-form";
  var RETURN_KEY = "claimdesk:return-point";
  var RETURNING_KEY = "claimdesk:returning";
  // An old note of where a link was is not acted on.
  var RETURN_POINT_LIFETIME = 30 * 60 * 1000;

  function focusInPlace(element, scrollY) {
    if (!element) return;
    element.focus({ preventScroll: true });
    if (scrollY !== undefined) window.scrollTo(window.scrollX, scrollY);
  }

  // The claim page's side form

  // Where the side form was opened from: the link, what to focus if its item
  // is removed, and how far the page was scrolled.
  var opener = null;

  function linkAfterRemoval(item) {
    var link = function (li) {
      return li && li.querySelector(".evidence-actions a[id]");
    };
    var next = link(item.nextElementSibling) || link(item.previousElementSibling);
    return next ? next.id : "evidence-title";
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var link = event.detail.elt;
    if (!(link instanceof Element) || !link.closest(".evidence-actions")) return;
    var item = link.closest("li");
    opener = {
      id: link.id,
      removing: link.id.indexOf("remove-") === 0,
      afterRemoval: linkAfterRemoval(item),
      scrollY: window.scrollY,
    };
  });

  // After the swap has settled, htmx has focused the new form's autofocus
  // field (scrolling to it); this runs after that.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target) return;
    if (target.id === "evidence-list") {
      // A page of the evidence list: the heading, above the new items.
      var heading = document.getElementById("evidence-title");
      if (heading) heading.focus({ preventScroll: true });
      return;
    }
    if (target.id !== SIDE_FORM || !opener) return;
    var panel = document.getElementById(SIDE_FORM);
    if (!panel || panel.dataset.formMode !== "add") return; // still editing, or an error shown
    var saved = event.detail.requestConfig && event.detail.requestConfig.verb === "post";
    var back = opener.removing && saved ? opener.afterRemoval : opener.id;
    // The evidence list is refreshed next; htmx keeps the focus on the
    // element of the same id in the new list.
    focusInPlace(document.getElementById(back), opener.scrollY);
    opener = null;
  });

  // Escape

  function changed(form) {
    return Array.prototype.some.call(form.elements, function (field) {
      if (field.type === "hidden" || field.type === "submit") return false;
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      if (field.tagName === "SELECT") {
        return Array.prototype.some.call(field.options, function (option) {
          return option.selected !== option.defaultSelected;
        });
      }
      return field.value !== field.defaultValue;
    });
  }

  function warnOnce(container) {
    var note = container.querySelector(".escape-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "escape-note";
      note.setAttribute("role", "status");
      container.appendChild(note);
    }
    container.dataset.escapeArmed = "true";
    // Written once the live region is in the page, so that it is announced.
    window.setTimeout(function () {
      note.textContent = "You have changes here. Press Escape again to discard them.";
    }, 50);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented || event.isComposing) return;
    var container = event.target instanceof Element && event.target.closest("[data-escape-cancels]");
    var cancel = container && container.querySelector("[data-cancel]");
    if (!cancel) return;
    var form = container.tagName === "FORM" ? container : container.querySelector("form");
    if (form && changed(form) && container.dataset.escapeArmed !== "true") {
      warnOnce(container);
      return;
    }
    event.preventDefault();
    cancel.click();
  });

  document.addEventListener("input", function (event) {
    var container = event.target instanceof Element && event.target.closest("[data-escape-cancels]");
    if (container) delete container.dataset.escapeArmed;
  });

  // Pages of their own: coming back to the link that led away

  function here() {
    return window.location.pathname + window.location.search;
  }

  function savedPoint() {
    try {
      return JSON.parse(sessionStorage.getItem(RETURN_KEY) || "null");
    } catch (error) {
      return null;
    }
  }

  // Going back to the page the reader left, the script puts them back, so
  // the address's fragment (#column-3, for a page without JavaScript) is
  // left out: the browser would scroll to it after the script had.
  function backTo(url) {
    var address = new URL(url, window.location.href);
    var point = savedPoint();
    if (!point || address.origin !== window.location.origin) return null;
    if (address.pathname + address.search !== point.page) return null;
    sessionStorage.setItem(RETURNING_KEY, "true");
    return address.pathname + address.search;
  }

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element && event.target.closest("a");
    if (!link) return;
    if (link.hasAttribute("data-return-point") && link.id) {
      var point = { page: here(), id: link.id, scrollY: window.scrollY, at: Date.now() };
      sessionStorage.setItem(RETURN_KEY, JSON.stringify(point));
    } else if (link.hasAttribute("data-cancel") && !link.hasAttribute("hx-get")) {
      var back = backTo(link.href);
      if (back) {
        event.preventDefault();
        window.location.assign(back);
      }
    }
  });

  // A saved authoring form sends the browser on (HX-Redirect): back to the
  // page it came from, the same way.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var form = event.detail.elt;
    if (!(form instanceof Element) || !form.closest("[data-escape-cancels]")) return;
    var redirect = event.detail.xhr && event.detail.xhr.getResponseHeader("HX-Redirect");
    var back = redirect && backTo(redirect);
    if (back) {
      event.preventDefault();
      window.location.assign(back);
    }
  });

  function returnPoint() {
    var returning = sessionStorage.getItem(RETURNING_KEY);
    sessionStorage.removeItem(RETURNING_KEY);
    var point = savedPoint();
    if (!returning || !point || point.page !== here()) return null;
    sessionStorage.removeItem(RETURN_KEY);
    return Date.now() - point.at < RETURN_POINT_LIFETIME ? point : null;
  }

  var point = returnPoint();
  if (point) {
    // A link deleted with its object (Delete account) leaves the page itself.
    var restore = function () {
      focusInPlace(document.getElementById(point.id) || document.getElementById("main"), point.scrollY);
    };
    restore();
    // Images and late styles may still move the page until it has loaded.
    window.addEventListener("load", restore, { once: true });
  }

  // The publication panel: its buttons post with htmx and get the panel
  // back, so the button pressed is gone. Focus goes to the panel's heading
  // (the new state is read out from #messages) rather than to the page.
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = document.getElementById("publication");
    if (!panel || event.detail.target.id !== "publication") return;
    if (document.activeElement && document.activeElement !== document.body) return;
    focusInPlace(document.getElementById("publication-heading"));
  });
})();
