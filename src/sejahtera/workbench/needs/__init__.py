"""The needs explorer: indicators by area and group from a dataset version, on a map, in a
ranked table and against published BPS series, with their exports; ``GET /api/needs/ID``."""
