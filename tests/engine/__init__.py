"""The engine: layers, merge, schema assembly, config files from owned sections, render, checks, the component seam."""
