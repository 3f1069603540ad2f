// Opens the folded filters on screens wide enough to show them beside the results. Without
// JavaScript they stay folded behind "Filter results", which works by itself.
(function () {
  if (!window.matchMedia('(min-width: 40.0625em)').matches) return
  var panels = document.querySelectorAll('details[data-app-filters]')
  for (var i = 0; i < panels.length; i++) panels[i].open = true
})()
