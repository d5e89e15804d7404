// An empty translation unit, so a part with no sources yet still forms a library.
