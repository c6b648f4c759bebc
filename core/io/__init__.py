"""CSV and XLSX import and export, dedupe and merge."""
