"""Loaders turn files into Documents; the format is detected from content, not the file name."""
