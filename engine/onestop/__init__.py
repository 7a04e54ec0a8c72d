"""The one-stop domain: reception, the dossier lifecycle, the legal clock, fees and notices."""
