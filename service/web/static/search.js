// The search form's progressive enhancements; the form works without them.
(function () {
  // A wide screen has room for the filters above the button: unfold them on the home page.
  var filters = document.querySelector("details[data-unfold-wide]");
  if (filters && window.matchMedia("(min-width: 48rem)").matches) filters.open = true;

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
