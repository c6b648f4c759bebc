"""The business calendar: working-time arithmetic, its golden corpus and the calendar: YAML document."""
