"""Reports for people: offline SVG maps and charts for the needs profile."""
