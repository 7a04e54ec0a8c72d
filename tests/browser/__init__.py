"""Browser tests: Playwright drives Chromium through the officials' pages on a live server."""
