// Proposes a dispute's slug from its title as the editor types (the server
// makes the same one when the slug is left empty), until the editor types a
// slug of their own. Delegated from the document, so that it keeps working
// after htmx swaps the form back in with its errors.
(function () {
  "use strict";

  function slugify(text) {
    return text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^\w\s-]/g, "")
      .replace(/[\s_-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 100)
      .replace(/-+$/, "");
  }

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLInputElement)) return;
    if (field.dataset.slugTarget) {
      var slug = document.getElementById(field.dataset.slugTarget);
      if (slug && slug.dataset.edited !== "true") slug.value = slugify(field.value);
    } else if (field.id === "id_slug") {
      // Emptied, it follows the title again.
      field.dataset.edited = field.value ? "true" : "false";
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var slug = document.getElementById("id_slug");
    var title = document.querySelector("[data-slug-target=id_slug]");
    if (!slug || !title) return;
    // An edit starts from a slug someone chose: the title no longer moves it.
    if (slug.value) slug.dataset.edited = "true";
    // A title typed before this script ran still proposes its slug.
    else if (title.value) slug.value = slugify(title.value);
  });
})();
