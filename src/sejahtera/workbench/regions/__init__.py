"""The region hierarchy (province → kabupaten → kecamatan → desa) from the shipped registry."""
