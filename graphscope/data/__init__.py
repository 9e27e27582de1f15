"""Data files shipped with the package (element mapping, price tables)."""
