// Keeps an upload's progress page current while the job runs: every few seconds it reads the
// page again and puts the new status, the files being read (each with how far it has got) and
// the list of finished files in place of the old ones, until the status
// no longer asks to be refreshed (finished or failed) or the upload is gone. The status sits in a polite live
// region, so screen readers hear "3 of 5 files done" and "Finished" as they come. Without
// JavaScript, the page's "Check progress again" link does the same by hand.
(function () {
  var WAIT_MS = 2000
  var PARTS = ['upload-status', 'upload-reading', 'upload-files']
  if (!document.querySelector('[data-app-refresh]') || !window.fetch || !window.DOMParser) return

  function update () {
    window.fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) {
        // A 404 says the upload is no longer known (the server restarted, or newer uploads
        // pushed it out): asking again would never help, so stop; the link is still there.
        if (response.status === 404) return null
        if (!response.ok) throw new Error(response.status)
        return response.text()
      })
      .then(function (html) {
        if (html === null) return
        var fresh = new window.DOMParser().parseFromString(html, 'text/html')
        for (var i = 0; i < PARTS.length; i++) {
          var now = document.getElementById(PARTS[i])
          var next = fresh.getElementById(PARTS[i])
          if (now && next && now.innerHTML !== next.innerHTML) now.innerHTML = next.innerHTML
        }
        if (fresh.querySelector('[data-app-refresh]')) {
          window.setTimeout(update, WAIT_MS)
        } else {
          var status = document.getElementById('upload-status')
          if (status) status.removeAttribute('data-app-refresh')
        }
      })
      .catch(function () {
        // A dropped connection or a restart: try again later, the link still works.
        window.setTimeout(update, WAIT_MS * 3)
      })
  }
  window.setTimeout(update, WAIT_MS)
})()
