// Starts GOV.UK Frontend's components. A file, not an inline script, so the
// Content-Security-Policy can refuse every inline script.
import { initAll } from '/assets/govuk-frontend.min.js'
initAll()
