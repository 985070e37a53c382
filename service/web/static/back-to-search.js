// "Back to the search" goes back to the person's last results (their words and filters, kept
// for this tab by search.js), not to an empty form; without it the link goes to the form.
(function () {
  var search = null;
  try { search = window.sessionStorage.getItem("boussole.search"); } catch (e) {}
  if (!search) return;
  document.querySelectorAll("a[data-back-to-search]").forEach(function (link) {
    link.href = "/" + search;
  });
})();
