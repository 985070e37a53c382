// The search form's progressive enhancements; the form works without them.
(function () {
  // The last search of this tab, for the "Back to the search" links of the pages it leads to
  // (/static/back-to-search.js); the form alone, with no search, forgets it.
  try {
    if (document.getElementById("results-title")) {
      window.sessionStorage.setItem("boussole.search", window.location.search);
    } else {
      window.sessionStorage.removeItem("boussole.search");
    }
  } catch (e) {}

  // A wide screen has room for the filters above the button: unfold them on the home page.
  var filters = document.querySelector("details[data-unfold-wide]");
  if (filters && window.matchMedia("(min-width: 48rem)").matches) filters.open = true;

  // Suggestions while the words are typed: themes, everyday words, names (the API's).
  var words = document.getElementById("q");
  var list = document.getElementById("q-suggestions");
  if (words && list && window.fetch) {
    var timer = null;
    var asked = "";
    words.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var typed = words.value.trim();
        if (typed === asked) return;
        asked = typed;
        if (typed.length < 2) { list.replaceChildren(); return; }
        var query = new URLSearchParams({q: typed, language: document.documentElement.lang});
        fetch("/api/v1/search/suggestions?" + query).then(function (response) {
          return response.ok ? response.json() : {suggestions: []};
        }).then(function (answer) {
          if (asked !== typed) return;  // the person typed on meanwhile
          list.replaceChildren.apply(list, answer.suggestions.map(function (suggestion) {
            var option = document.createElement("option");
            option.value = suggestion.text;
            return option;
          }));
        }).catch(function () {});
      }, 150);
    });
  }

  // With geolocation, "Near me" sorts the results by distance from the person.
  var button = document.getElementById("near-me");
  var status = document.getElementById("near-me-status");
  if (!navigator.geolocation || !button || !status) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("lat").value = position.coords.latitude.toFixed(5);
      document.getElementById("lon").value = position.coords.longitude.toFixed(5);
      button.form.submit();
    }, function () {
      status.textContent = status.dataset.unavailable;
    });
  });
})();
