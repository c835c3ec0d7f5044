// trucewatch dashboard: a little script of our own. Every page works without it.
(function () {
  "use strict";

  // "Use my location": fill the latitude and longitude fields a button names.
  function useLocation(button) {
    var lat = document.getElementById(button.dataset.lat);
    var lon = document.getElementById(button.dataset.lon);
    var note = document.getElementById(button.dataset.note);
    if (!navigator.geolocation) {
      if (note) { note.textContent = "This browser cannot tell your location; type the coordinates."; }
      return;
    }
    if (note) { note.textContent = "Asking the phone for its location…"; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(5);
      lon.value = pos.coords.longitude.toFixed(5);
      if (note) {
        note.textContent = "Location filled in (within about " +
          Math.round(pos.coords.accuracy) + " m). Check it before sending.";
      }
    }, function (err) {
      if (note) { note.textContent = "No location: " + err.message + ". Type the coordinates instead."; }
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  }

  // Sub-event types: show only those of the chosen event type.
  function narrowSubEvents(eventSelect) {
    var sub = document.getElementById(eventSelect.dataset.sub);
    if (!sub) { return; }
    var chosen = eventSelect.value;
    Array.prototype.forEach.call(sub.querySelectorAll("optgroup"), function (group) {
      var match = !chosen || group.label === chosen;
      group.hidden = !match;
      group.disabled = !match;
    });
    var selected = sub.options[sub.selectedIndex];
    if (selected && selected.parentNode.disabled) { sub.value = ""; }
  }

  // Map markers carry the incident id first in their title: a click opens it.
  function openMarker(event) {
    var node = event.target;
    if (!node || !node.querySelector) { return; }
    var title = node.querySelector("title");
    if (!title) { return; }
    var id = title.textContent.split(" ")[0];
    if (id) { window.location.href = "/incidents/" + encodeURIComponent(id).replace(/%3A/g, ":"); }
  }

  // Forms that change a record: refuse a second click while the first is sent.
  function once(form) {
    form.addEventListener("submit", function () {
      // After the browser has taken the clicked button's value, not before.
      window.setTimeout(function () {
        Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
          b.disabled = true;
        });
      }, 0);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-geolocate]"), function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { useLocation(b); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("select[data-sub]"), function (s) {
      s.addEventListener("change", function () { narrowSubEvents(s); });
      narrowSubEvents(s);
    });
    Array.prototype.forEach.call(document.querySelectorAll(".map svg"), function (svg) {
      svg.addEventListener("click", openMarker);
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-once]"), once);
  });
})();
