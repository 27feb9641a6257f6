/*
 * Console behaviour. Plain JavaScript, no build step, loaded from this origin (the Content-Security-Policy
 * allows no inline script).
 *
 * The alert list polls the console's alert feed (JSON, /console/alerts/feed/?since=<cursor>&ids=<shown>)
 * every few seconds, adds new hits to the top of the table and updates the status of the hits it shows
 * (another officer may have acknowledged or cleared one) without a reload. A new high-priority hit shows a
 * banner (and, once the user turns sound on, beeps through WebAudio: browsers only allow audio after a
 * click, and there is no audio file to fetch).
 */
(function () {
  "use strict";

  // After a refused form, move focus to the summary of what to correct (screen readers announce it).
  var formErrors = document.getElementById("form-errors");
  if (formErrors) {
    formErrors.focus();
  }
})();

(function () {
  "use strict";

  var POLL_MS = 5000;
  var table = document.getElementById("alert-table");
  if (!table) {
    return;
  }

  var feedUrl = table.getAttribute("data-feed-url");
  var cursor = table.getAttribute("data-cursor");
  var maxIds = parseInt(table.getAttribute("data-max-ids"), 10) || 0;
  var hotlistFilter = table.getAttribute("data-hotlist") || "";
  var tbody = table.tBodies[0];
  var statusLine = document.getElementById("live-status");
  var banner = document.getElementById("hit-banner");
  var soundButton = document.getElementById("sound-toggle");
  var AudioContextClass = window.AudioContext || window.webkitAudioContext;
  var audio = null;
  var soundOn = false;
  var baseTitle = document.title;

  if (soundButton && AudioContextClass) {
    soundButton.hidden = false;
    soundButton.addEventListener("click", function () {
      if (!audio) {
        audio = new AudioContextClass();
      }
      soundOn = !soundOn;
      if (soundOn && audio.state === "suspended") {
        audio.resume();
      }
      soundButton.setAttribute("aria-pressed", soundOn ? "true" : "false");
      soundButton.textContent = soundOn
        ? "Turn off sound for high-priority hits"
        : "Turn on sound for high-priority hits";
      if (soundOn) {
        beep();
      }
    });
  }

  function beep() {
    if (!soundOn || !audio) {
      return;
    }
    [0, 0.3, 0.6].forEach(function (offset) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      var at = audio.currentTime + offset;
      oscillator.type = "square";
      oscillator.frequency.value = 880;
      gain.gain.value = 0.12;
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.18);
    });
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  function cell(row, content) {
    var td = document.createElement("td");
    if (content instanceof Node) {
      td.appendChild(content);
    } else {
      td.textContent = content;
    }
    row.appendChild(td);
    return td;
  }

  // Text only (textContent), never HTML: plates and list names come from outside systems.
  // A historical hit goes to its own table; in each, high-priority hits stay above the others (the page's order:
  // priority, then the newest read first).
  function addRow(alert) {
    var historical = document.getElementById("historical-table");
    var body = alert.historical ? (historical ? historical.tBodies[0] : null) : tbody;
    if (!body) {
      return;
    }
    var empty = body.querySelector("tr.empty");
    if (empty) {
      empty.remove();
    }
    var row = document.createElement("tr");
    row.className = "is-new" + (alert.high ? " high" : "");
    row.setAttribute("data-alert-id", alert.id);
    cell(row, element("time", alert.seen_at));
    var link = element("a");
    link.href = alert.url;
    link.appendChild(element("span", alert.plate, "plate"));
    link.appendChild(document.createTextNode(alert.plate_state ? " " + alert.plate_state : ""));
    cell(row, link);
    cell(row, alert.list_name + " · " + alert.reason);
    cell(row, alert.camera || "—");
    cell(row, alert.high ? element("span", alert.priority, "badge high") : alert.priority);
    cell(row, element("span", alert.status_label, "badge status-" + alert.status));
    var before = alert.high ? body.firstChild : body.querySelector("tr:not(.high)");
    body.insertBefore(row, before);
  }

  function announce(hits) {
    var first = hits[hits.length - 1];
    var text = "New high-priority hit: " + first.plate + (first.plate_state ? " (" + first.plate_state + ")" : "") +
      " on " + first.list_name + (first.camera ? ", " + first.camera : "") + ".";
    if (hits.length > 1) {
      text += " " + (hits.length - 1) + " more.";
    }
    banner.textContent = text;
    banner.hidden = false;
    banner.classList.remove("flash");
    void banner.offsetWidth; // restart the flash animation
    banner.classList.add("flash");
    document.title = "(!) " + baseTitle;
    beep();
  }

  function stop(message) {
    statusLine.textContent = message;
  }

  function shownIds() {
    var ids = [];
    tbody.querySelectorAll("tr[data-alert-id]").forEach(function (row) {
      if (ids.length < maxIds) {
        ids.push(row.getAttribute("data-alert-id"));
      }
    });
    return ids.join(",");
  }

  function updateStatus(item) {
    var row = tbody.querySelector('tr[data-alert-id="' + item.id + '"]');
    var badge = row && row.querySelector(".badge[class*='status-']");
    if (badge && badge.textContent !== item.status_label) {
      badge.className = "badge status-" + item.status;
      badge.textContent = item.status_label;
    }
  }

  function poll() {
    var url = feedUrl + "?since=" + encodeURIComponent(cursor) + "&ids=" + shownIds();
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") === -1) {
          throw new Error("signed-out");
        }
        if (response.status === 403) {
          return response.json().then(function (body) {
            throw new Error(body.detail || "refused");
          });
        }
        if (!response.ok) {
          throw new Error("retry");
        }
        return response.json();
      })
      .then(function (data) {
        var high = [];
        cursor = data.cursor;
        data.alerts.forEach(function (alert) {
          if (hotlistFilter && String(alert.hotlist) !== hotlistFilter) {
            return;
          }
          addRow(alert);
          if (alert.high) {
            high.push(alert);
          }
        });
        if (high.length) {
          announce(high);
        }
        data.statuses.forEach(updateStatus);
        statusLine.textContent = "Live. Last checked " + new Date().toLocaleTimeString() + ".";
        window.setTimeout(poll, POLL_MS);
      })
      .catch(function (error) {
        if (error.message === "signed-out") {
          stop("Your session has ended. Reload the page to sign in again.");
        } else if (error.message === "retry" || error instanceof TypeError) {
          statusLine.textContent = "Cannot reach the server; retrying.";
          window.setTimeout(poll, POLL_MS * 2);
        } else {
          stop(error.message);
        }
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      document.title = baseTitle;
    }
  });

  if (table.getAttribute("data-live") !== "off") {
    window.setTimeout(poll, POLL_MS);
  }
})();
